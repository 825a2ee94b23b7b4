#if canImport(Glibc)
import Glibc
#endif
import BerthCgroups
import BerthError
import BerthOCI
import BerthSys

/// What the runtime keeps about a container in `<root>/<id>/state.json`. Private to berth-runtime;
/// other programs read `berth-runtime state`. It holds only what the hot verbs (state, start,
/// kill, delete) need; the whole config is copied to `<root>/<id>/config.json` at create time
/// (editing the bundle afterwards changes nothing, as the runtime spec requires) and read only by
/// `exec` and `update`.
struct ContainerRecord: Codable {
  var id: String
  var bundle: String
  var rootfs: String
  var created: String
  var owner: String
  /// The container's init, in the runtime's pid namespace.
  var pid: Int32
  /// /proc/PID/stat start time: a later process reusing the pid is not mistaken for ours.
  var startTime: UInt64
  var annotations: [String: String]?
  var poststart: [Spec.Hook]?
  var poststop: [Spec.Hook]?
  /// False when the container shares a pid namespace: its processes outlive init.
  var ownsPidNamespace: Bool
  /// Controller → cgroup directory, as created.
  var cgroupPaths: [String: String]
  var cgroupMode: CgroupMode
  var cgroupsPath: String?

  /// The container's current status, from the kernel (is init alive, is the exec fifo still
  /// there, is the cgroup frozen).
  func status(in directory: String, frozen: () -> Bool) -> State.Status {
    guard pid > 0, Processes.isAlive(pid), Processes.startTime(pid) == startTime else { return .stopped }
    if Sys.exists(directory + "/" + StateStore.fifoName) { return .created }
    return frozen() ? .paused : .running
  }

  func state(status: State.Status) -> State {
    State(
      id: id, status: status, pid: status == .stopped ? 0 : pid, bundle: bundle, rootfs: rootfs, created: created,
      owner: owner, annotations: annotations)
  }
}

/// The runtime's state directory: one sub-directory per container holding `state.json`, the
/// exec fifo while the container is created, and a lock file serialising commands on that id.
struct StateStore {
  static let fifoName = "exec.fifo"
  let root: String

  init(root: String) throws {
    self.root = root
    try Sys.mkdirAll(root, mode: 0o711)
  }

  func directory(_ id: String) -> String { root + "/" + id }

  /// Container ids become directory names: no slashes, no dot names, printable.
  static func validate(id: String) throws {
    guard !id.isEmpty, id != ".", id != "..", !id.contains("/"), id.utf8.count <= 1024,
      id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
    else { throw BerthError.invalid("invalid container id \"\(id)\"") }
  }

  /// Takes the per-container lock (held until the returned lock is dropped). For an id that has
  /// no container, only `create` may make a lock file; other verbs get "does not exist" and
  /// leave nothing behind.
  func lock(_ id: String, creating: Bool = false) throws -> FileLock {
    try StateStore.validate(id: id)
    if !creating, !Sys.isDirectory(directory(id)) { throw BerthError(.notFound, "container \(id) does not exist") }
    return try FileLock(path: root + "/." + id + ".lock")
  }

  func load(_ id: String) throws -> ContainerRecord {
    try StateStore.validate(id: id)
    let path = directory(id) + "/state.json"
    guard Sys.exists(path) else {
      if Sys.isDirectory(directory(id)) {
        throw BerthError(.invalidState, "container \(id) is being created or its creation failed")
      }
      throw BerthError(.notFound, "container \(id) does not exist")
    }
    do {
      return try JSON.decode(ContainerRecord.self, from: try Sys.readBytes(path))
    } catch let error as BerthError {
      throw error
    } catch {
      throw BerthError(.io, "state of container \(id) is unreadable: \(error)")
    }
  }

  func save(_ record: ContainerRecord) throws {
    try Sys.writeFileAtomically(directory(record.id) + "/state.json", try JSON.encode(record))
  }

  /// The config as copied at create time.
  func loadSpec(_ id: String) throws -> Spec {
    let path = directory(id) + "/config.json"
    do {
      return try JSON.decode(Spec.self, from: try Sys.readBytes(path))
    } catch let error as BerthError {
      throw error
    } catch {
      throw BerthError(.io, "config of container \(id) is unreadable: \(error)")
    }
  }

  func saveSpec(_ spec: Spec, id: String) throws {
    try Sys.writeFileAtomically(directory(id) + "/config.json", try JSON.encode(spec))
  }

  func ids() throws -> [String] {
    try Sys.listDirectory(root).filter { !$0.hasPrefix(".") && Sys.isDirectory(root + "/" + $0) }.sorted()
  }

  /// Removes a container's directory and lock file.
  func remove(_ id: String) throws {
    try Sys.removeAll(directory(id))
    unlink(root + "/." + id + ".lock")
  }
}
