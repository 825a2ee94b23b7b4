import BerthCRIProto
import BerthError
import BerthMetadata
import BerthRuntimeClient
import BerthSys

/// Start-up reconciliation: the records against what the monitors, the runtime and the kernel
/// say, so that a berthd killed at any point comes back with the truth and nothing half-made.
extension Engine {
  /// Reconciles every record (blocking; call once, before serving):
  /// - a container created only half-way (no init pid) is destroyed and forgotten;
  /// - a running container whose monitor recorded an exit becomes exited with its code;
  /// - a ready pod whose pinned network namespace is gone, or whose infra exited, becomes
  ///   not ready;
  /// - container and pod directories and container snapshots without a record are removed.
  public func restore() {
    let containers = (try? metadata.containers()) ?? []
    var known = Set<String>()
    for container in containers {
      if container.state == .created && container.pid == 0 {
        Self.log("restore: container \(container.id) was created only half-way; removing it")
        try? destroy(container)
        try? metadata.removeContainer(container.id)
        continue
      }
      known.insert(container.id)
      _ = refreshed(container)
    }
    let pods = (try? metadata.pods()) ?? []
    for var pod in pods where pod.state == .ready {
      var reason = ""
      if !pod.netnsPath.isEmpty && !Self.isMounted(pod.netnsPath) { reason = "its network namespace is gone" }
      if !pod.infraID.isEmpty, let infra = try? metadata.container(pod.infraID), refreshed(infra).state != .running {
        reason = "its infra container exited"
      }
      if !reason.isEmpty {
        Self.log("restore: pod \(pod.id) is not ready: \(reason)")
        pod.state = .notReady
        try? metadata.update(pod)
      }
    }
    let podIDs = Set(pods.map(\.id))
    for name in (try? Sys.listDirectory(config.state + "/containers")) ?? [] where !known.contains(name) {
      Self.log("restore: removing leftovers of unknown container \(name)")
      let orphan = ContainerRecord(
        id: name, podID: "", name: name, attempt: 0, imageRef: "", imageID: "", createdAt: 0, logPath: "", config: [],
        handler: config.defaultHandler, stateDir: containerDir(name), snapshotKey: Self.snapshotKey(name))
      // Which runtime ran it is not known: each handler deletes it if it has it.
      for handler in config.handlers.keys.sorted() { try? runtime(handler).delete(id: name, force: true) }
      try? destroy(orphan)
    }
    for snapshot in (try? images.snapshots.walk()) ?? [] where snapshot.key.hasPrefix("berth-") {
      let id = String(snapshot.key.dropFirst(6))
      if !known.contains(id) { try? images.snapshots.remove(key: snapshot.key) }
    }
    for name in (try? Sys.listDirectory(config.state + "/pods")) ?? [] where !podIDs.contains(name) {
      Self.log("restore: removing leftovers of unknown pod \(name)")
      try? unpinNamespaces(dir: podDir(name))
      SandboxFiles.remove(dir: podDir(name))
      Self.removePodCgroup(podID: name, config: Runtime_V1_PodSandboxConfig())
    }
  }

  /// Whether `path` is a mount point (a pinned namespace file is a bind mount of nsfs).
  static func isMounted(_ path: String) -> Bool {
    guard let text = try? Sys.readFile("/proc/self/mountinfo") else { return false }
    return text.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ", maxSplits: 5)
      return fields.count > 4 && fields[4] == path
    }
  }
}

extension Engine {
  /// Notices containers that end by themselves: every second, a running container whose
  /// monitor wrote its exit (or is gone) is refreshed (its record becomes exited, a STOPPED event goes out),
  /// under its lock. A pod whose infra container ended is not ready any more (its containers
  /// lost their PID namespace's init; kubelet recreates the pod). Runs until cancelled.
  public func watchExits() async {
    while !Task.isCancelled {
      try? await Task.sleep(nanoseconds: 1_000_000_000)
      let metadata = self.metadata
      guard let running = try? await offload({ try metadata.containers().filter { $0.state == .running } }) else { continue }
      // Each ended container under its own lock, side by side: one whose lock a long call
      // holds (a stop with a grace period) does not hold up the others.
      let ended = running.filter { Sys.exists(exitFile($0.id)) || !Monitor.isRunning(stateDir: containerDir($0.id)) }
      await withDiscardingTaskGroup { group in
        for container in ended {
          group.addTask { [self] in
            _ = try? await locks.with(container.id) {
              try await offload { [self] in
                guard let current = try metadata.container(container.id) else { return }
                let now = refreshed(current)
                if now.infra, now.state != .running, var pod = try metadata.pod(now.podID), pod.state == .ready {
                  pod.state = .notReady
                  try metadata.update(pod)
                  Self.log("pod sandbox is not ready: its infra container ended", level: .warning, ["pod": "\(pod.id)"])
                }
              }
            }
          }
        }
      }
    }
  }
}
