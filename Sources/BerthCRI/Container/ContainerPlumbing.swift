#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthImages
import BerthMetadata
import BerthOCI
import BerthRuntimeClient
import BerthSys

/// The steps containers and infra containers share: the rootfs (an overlay snapshot mounted
/// under the container's directory), the bundle, the monitor, and tearing it all down. All
/// blocking; call through `offload`.
extension Engine {
  /// The snapshot key of a container's writable layer.
  static func snapshotKey(_ id: String) -> String { "berth-" + id }
  /// Where the container's rootfs is mounted.
  func rootfsPath(_ id: String) -> String { containerDir(id) + "/rootfs" }
  /// The monitor's exit record.
  func exitFile(_ id: String) -> String { containerDir(id) + "/exit.json" }

  /// Prepares the container's snapshot on the image and mounts it at `rootfsPath(id)`.
  func mountRootfs(id: String, image: ImageRecord) throws {
    let key = Self.snapshotKey(id)
    let mounts = try images.snapshots.prepare(key: key, parent: image.topChainID?.description)
    let target = rootfsPath(id)
    do {
      try Sys.mkdirAll(target, mode: 0o755)
      for mount in mounts {
        let flags = UInt(mount.isBind ? MS_BIND : 0) | UInt(mount.isReadOnly && mount.isBind ? MS_RDONLY : 0)
        guard Glibc.mount(mount.source, target, mount.isBind ? nil : mount.type, flags, mount.data) == 0 else {
          throw Sys.error("mount the rootfs of container \(id) (\(mount.type))")
        }
      }
    } catch {
      try? images.snapshots.remove(key: key)
      throw error
    }
  }

  /// Unmounts the rootfs and removes the snapshot; what is already gone is skipped.
  func unmountRootfs(id: String) {
    let target = rootfsPath(id)
    while umount2(target, Int32(MNT_DETACH)) == 0 {}
    do { try images.snapshots.remove(key: Self.snapshotKey(id)) } catch let error as BerthError where error.code == .notFound {
    } catch {
      Self.log("removing the snapshot of container \(id): \(error)")
    }
  }

  /// The `ociVersion` of the bundles berthd writes: the one containerd 1.6 writes. crun 1.8
  /// refuses any version that is not 1.0.x ("unknown version specified"); runc and
  /// berth-runtime take any 1.x, and every runtime reads the fields whatever the version says.
  static let bundleVersion = "1.0.2"

  /// Writes `config.json` into the container's directory (the bundle).
  func writeBundle(id: String, spec: Spec) throws {
    var spec = spec
    spec.ociVersion = Self.bundleVersion
    try Sys.writeFileAtomically(containerDir(id) + "/config.json", try JSON.encode(spec), mode: 0o600)
  }

  /// Starts the container's monitor, which runs `runtime create`; returns the init pid. The
  /// monitor kills what the init leaves behind when `spec` gives it no PID namespace of its own.
  func launchMonitor(id: String, handler: String, logPath: String, spec: Spec) throws -> Int32 {
    guard let entry = config.handlers[handler] else { throw BerthError(.invalidState, "runtime handler \"\(handler)\" is not configured") }
    let dir = containerDir(id)
    let options = MonitorOptions(
      id: id, bundle: dir, stateDir: dir, runtimePath: entry.path, runtimeRoot: entry.root, runtimeOptions: entry.options,
      logPath: logPath, exitFile: exitFile(id),
      killLeftovers: !(spec.linux?.namespaces ?? []).contains { $0.type == "pid" && ($0.path ?? "").isEmpty })
    return try Monitor.launch(monitorPath: monitorPath, options: options).containerPID
  }

  /// The record with what the monitor and the runtime know now: a running or created container
  /// whose monitor wrote its exit becomes exited (code, time, reason, OOM). One whose monitor is
  /// gone without a word is asked of the runtime: still alive, it becomes `unknown` (StopContainer
  /// and RemoveContainer then kill it through the runtime); gone, exited with reason "Unknown".
  /// Saved, and STOPPED published, only when the stored record did not change meanwhile.
  func refreshed(_ record: ContainerRecord) -> ContainerRecord {
    guard record.state == .running || (record.state == .created && record.pid > 0) else { return record }
    var updated = record
    if let exit = Monitor.readExit(exitFile(record.id)) {
      updated.apply(exit)
    } else if !Monitor.isRunning(stateDir: containerDir(record.id)) {
      // The monitor writes the exit before it exits; check once more after seeing it gone.
      if let exit = Monitor.readExit(exitFile(record.id)) {
        updated.apply(exit)
      } else if let state = try? runtime(record.handler).state(id: record.id), state.status != .stopped {
        updated.state = .unknown
        updated.reason = "Unknown"
        updated.message = "the container's monitor is gone while the container still runs (\(state.status.rawValue))"
      } else {
        updated.state = .exited
        updated.exitCode = 255
        updated.finishedAt = Self.now()
        updated.reason = "Unknown"
        updated.message = "the container's monitor is gone and left no exit status"
      }
    } else {
      return record
    }
    // Another call may have moved the record on (started it, updated it) since it was read.
    guard let stored = try? metadata.container(record.id) else { return updated }
    guard stored.state == record.state, stored.startedAt == record.startedAt else { return stored }
    do { try metadata.update(updated) } catch { return updated }
    if !updated.infra && updated.state == .exited {
      events.publish(.containerStoppedEvent, container: updated.id, pod: updated.podID)
    }
    return updated
  }

  /// The longest wait berthd honours (about 115 days): larger timeouts would overflow.
  static let longestWait: Double = 10_000_000

  /// Waits until the monitor recorded the exit, at most `timeout` seconds; true if it did.
  func waitForExit(_ id: String, timeout: Double) -> Bool {
    let deadline = Clock.monotonicNanoseconds() + UInt64(min(max(0, timeout), Self.longestWait) * 1e9)
    var pause: UInt32 = 2_000
    while true {
      if Sys.exists(exitFile(id)) { return true }
      if !Monitor.isRunning(stateDir: containerDir(id)) { return true }
      if Clock.monotonicNanoseconds() >= deadline { return false }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
  }

  /// Stops a running container: `signal` (SIGTERM by default), SIGKILL after `timeout`
  /// seconds, and waits for the monitor to record the exit. A container in state `unknown`
  /// (its monitor is gone) is killed through the runtime and waited for there.
  func stop(_ record: ContainerRecord, signal: Int32, timeout: Double) throws -> ContainerRecord {
    let current = refreshed(record)
    let runtime = try runtime(record.handler)
    if current.state == .unknown {
      try runtime.kill(id: record.id, signal: SIGKILL, all: true)
      var waited = 0
      while let state = try runtime.state(id: record.id), state.status != .stopped, waited < 10_000 {
        usleep(10_000)
        waited += 10
      }
      return try markExited(current, code: 137)
    }
    guard current.state == .running || current.state == .created && current.pid > 0 else { return current }
    if current.state == .running && timeout > 0 {
      try runtime.kill(id: record.id, signal: signal)
      if waitForExit(record.id, timeout: timeout) { return refreshed(current) }
    }
    try runtime.kill(id: record.id, signal: SIGKILL, all: false)
    if !waitForExit(record.id, timeout: 30) {
      throw BerthError(.timeout, "container \(record.id) did not exit within 30 s of SIGKILL")
    }
    let stopped = refreshed(current)
    return stopped.state == .exited ? stopped : try markExited(stopped, code: 137)
  }

  /// Records an exit berthd caused without a monitor's word (SIGKILL: 137).
  private func markExited(_ record: ContainerRecord, code: Int32) throws -> ContainerRecord {
    var stopped = record
    stopped.state = .exited
    stopped.finishedAt = Self.now()
    stopped.exitCode = code
    stopped.reason = "Error"
    try metadata.update(stopped)
    if !stopped.infra { events.publish(.containerStoppedEvent, container: stopped.id, pod: stopped.podID) }
    return stopped
  }

  /// Removes everything of a container except its record: kills it if it still runs, deletes
  /// it from the runtime, unmounts and removes its rootfs and directory.
  /// - Throws: when the runtime cannot delete it (then nothing else is removed, so that the
  ///   caller keeps the record and the removal can be retried)
  func destroy(_ record: ContainerRecord) throws {
    let id = record.id
    let runtime = try runtime(record.handler)
    if Monitor.isRunning(stateDir: containerDir(id)) && !Sys.exists(exitFile(id)) {
      try? runtime.kill(id: id, signal: SIGKILL)
      _ = waitForExit(id, timeout: 10)
    }
    do { try runtime.delete(id: id, force: true) } catch let error as BerthError where error.code == .notFound {
    } catch {
      throw BerthError(.io, "removing container \(id): the runtime could not delete it: \(error)")
    }
    // The monitor finishes by itself once the container's output is drained (the delete killed
    // whatever kept the pipes open); one that does not within 2 s is killed.
    var waited = 0
    while let monitor = Monitor.pid(stateDir: containerDir(id)) {
      if waited >= 2000 {
        Glibc.kill(monitor, SIGKILL)
        break
      }
      usleep(5000)
      waited += 5
    }
    unmountRootfs(id: id)
    try? Sys.removeAll(containerDir(id))
  }
}

extension ContainerRecord {
  /// The record of an exit the monitor wrote.
  mutating func apply(_ exit: ExitRecord) {
    state = .exited
    exitCode = exit.exitCode
    finishedAt = exit.exitedAt
    reason = exit.reason ?? (exit.oomKilled ? "OOMKilled" : exit.exitCode == 0 ? "Completed" : "Error")
  }
}
