#if canImport(Glibc)
import Glibc
#endif
import BerthCgroups
import BerthError
import BerthOCI
import BerthSys

/// The OCI runtime: the operations of the runtime-spec lifecycle on containers kept under `root`.
/// Synchronous and single-threaded by design: `create` clones the container's init from this
/// process and goes on running Swift in the child, which is only safe with one thread.
public struct Runtime {
  public let root: String
  public let log: Log
  let store: StateStore

  /// - Parameters:
  ///   - root: the state directory (runc's `--root`)
  ///   - log: where errors and warnings go
  public init(root: String = "/run/berth-runtime", log: Log = Log()) throws {
    self.root = root
    self.log = log
    self.store = try StateStore(root: root)
  }

  /// Loads `config.json` of a bundle.
  public static func loadSpec(bundle: String) throws -> Spec {
    try loadSpecAndBytes(bundle: bundle).spec
  }

  /// Loads `config.json` of a bundle, with its bytes (kept as the container's copy).
  static func loadSpecAndBytes(bundle: String) throws -> (spec: Spec, bytes: [UInt8]) {
    let path = bundle + "/config.json"
    let bytes: [UInt8]
    do { bytes = try Sys.readBytes(path) } catch let error as BerthError {
      throw BerthError(error.code == .notFound ? .notFound : error.code, "cannot read \(path): \(Sys.describe(error.errno ?? EIO))")
    }
    do {
      return (try JSON.decode(Spec.self, from: bytes), bytes)
    } catch let error as BerthError {
      throw BerthError.invalid("\(path): \(error.message)")
    }
  }

  /// Makes `path` absolute against the current directory.
  static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return normalize(path) }
    guard let cwd = getcwd(nil, 0) else { return path }
    defer { free(cwd) }
    return normalize(String(cString: cwd) + "/" + path)
  }

  /// Removes "." and empty components and resolves ".." lexically.
  static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      if part == "." { continue }
      if part == ".." { _ = parts.popLast() } else { parts.append(part) }
    }
    return "/" + parts.joined(separator: "/")
  }

  /// The cgroup manager of a recorded container.
  func cgroups(of record: ContainerRecord) throws -> any CgroupManager {
    Cgroups.manager(mode: record.cgroupMode, paths: record.cgroupPaths, deviceProgramLoader: DeviceProgram.kernelLoader)
  }

  /// The current status of a container.
  func status(of record: ContainerRecord) -> State.Status {
    record.status(in: store.directory(record.id)) {
      (try? cgroups(of: record).isFrozen()) ?? false
    }
  }

  /// The state `state` prints.
  public func state(id: String) throws -> State {
    let record = try store.load(id)
    return record.state(status: status(of: record))
  }

  /// Every container under the root, for `list`.
  public func list() throws -> [State] {
    try store.ids().compactMap { id in try? state(id: id) }
  }
}
