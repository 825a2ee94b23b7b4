#if canImport(Glibc)
import Glibc
#endif
import BerthCNI
import BerthError
import BerthImages
import BerthMetadata
import BerthOCI
import BerthRegistry
import BerthRuntimeClient
import BerthSys
import GRPCCore
import Logging

/// What every RuntimeService RPC works with: the configuration, the image store, the pod and
/// container records, CNI, the runtime handlers, and the per-object locks. One per daemon.
///
/// Layout: `<state>/pods/<id>` holds a pod's pinned namespaces (`ns/`), hostname, hosts,
/// resolv.conf and shm mount; `<state>/containers/<id>` a container's bundle (`config.json`,
/// `rootfs/`, the overlay mount) and its monitor's files; records live in `<root>/berth.db`.
public final class Engine: Sendable {
  /// The effective daemon configuration.
  public let config: DaemonConfig
  let images: ImageStore
  let metadata: MetadataStore
  let cni: CNIManager
  let registries: RegistriesConfig
  let client: RegistryClient
  /// berth-monitor, started once per container.
  let monitorPath: String
  /// berth-runtime, which pins pod namespaces whatever the pod's runtime handler is.
  let pinner: OCIRuntime
  /// The lowest oom_score_adj containers may get: the daemon's own (lowering needs
  /// CAP_SYS_RESOURCE, which this machine may lack).
  let oomScoreAdjFloor: Int
  /// The node runs the unified (v2-only) cgroup hierarchy.
  let cgroupV2: Bool
  let locks = KeyedLocks()
  /// CRI call counts and latencies, pod and container gauges (Prometheus).
  public let metrics = DaemonMetrics()
  /// Container lifecycle events for GetContainerEvents.
  public let events = EventHub()
  /// The previous CPU samples, for the stats' CPU rates.
  let usageRates = UsageRates()

  /// Creates the engine and its directories.
  /// - Parameters:
  ///   - binDir: where berthd's sibling binaries are (berth-monitor; berth-runtime when the
  ///     "berth" handler's binary is missing)
  public init(config: DaemonConfig, images: ImageStore, registries: RegistriesConfig, client: RegistryClient, binDir: String) throws {
    self.config = config
    self.images = images
    self.registries = registries
    self.client = client
    try Sys.mkdirAll(config.root, mode: 0o711)
    for dir in [config.state, config.state + "/pods", config.state + "/containers"] { try Sys.mkdirAll(dir, mode: 0o711) }
    metadata = try MetadataStore(path: config.root + "/berth.db")
    // `lo` is brought up by pin-namespaces, not by CNI's loopback plugin (one exec less per pod).
    cni = CNIManager(
      CNIConfig(confDir: config.cniConfDir, binDirs: config.cniBinDirs, cacheDir: config.root + "/cni/results", setUpLoopback: false))
    monitorPath = binDir + "/berth-monitor"
    guard Sys.exists(monitorPath) else { throw BerthError.invalid("berth-monitor not found at \(monitorPath) (it must be installed beside berthd)") }
    if let berth = config.handlers["berth"], Sys.exists(berth.path) {
      pinner = OCIRuntime(path: berth.path, root: "")
    } else if Sys.exists(binDir + "/berth-runtime") {
      pinner = OCIRuntime(path: binDir + "/berth-runtime", root: "")
    } else {
      throw BerthError.invalid("berth-runtime not found (runtime.handlers.berth.path or beside berthd): pods need it to pin namespaces")
    }
    oomScoreAdjFloor = Int((try? Sys.readFile("/proc/self/oom_score_adj"))?.trimmingWhitespace ?? "") ?? 0
    cgroupV2 = Sys.exists("/sys/fs/cgroup/cgroup.controllers")
  }

  // MARK: - Handlers

  /// The handler's name: the request's, or the default when it names none.
  /// - Throws: INVALID_ARGUMENT for a handler the configuration does not have
  func handlerName(_ requested: String) throws -> String {
    let name = requested.isEmpty ? config.defaultHandler : requested
    guard config.handlers[name] != nil else {
      throw RPCError(
        code: .invalidArgument,
        message: "unknown runtime handler \"\(name)\" (configured: \(config.handlers.keys.sorted().joined(separator: ", ")))")
    }
    return name
  }

  /// The OCI runtime of a handler.
  func runtime(_ handler: String) throws -> OCIRuntime {
    guard let entry = config.handlers[handler] else {
      throw BerthError(.invalidState, "runtime handler \"\(handler)\" is no longer configured")
    }
    return OCIRuntime(path: entry.path, root: entry.root, options: entry.options)
  }

  // MARK: - Paths, ids, time

  func podDir(_ id: String) -> String { config.state + "/pods/" + id }
  func containerDir(_ id: String) -> String { config.state + "/containers/" + id }

  /// A new 64-hex-digit id, like containerd's and CRI-O's.
  func newID() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<4).map { _ in
      let hex = String(generator.next() as UInt64, radix: 16)
      return String(repeating: "0", count: 16 - hex.count) + hex
    }.joined()
  }

  /// Unix time in nanoseconds.
  static func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  /// berthd's structured log (swift-log; the daemon bootstraps the handler and the level
  /// from `berthd.log_level`).
  static let logger = Logger(label: "berthd")

  /// Logs `message` with `metadata` (pod and container ids) at `level` (warning by default:
  /// most callers report something that went wrong and was undone).
  static func log(_ message: String, level: Logger.Level = .warning, _ metadata: Logger.Metadata = [:]) {
    logger.log(level: level, "\(message)", metadata: metadata)
  }

  // MARK: - Images

  /// The local image a container or pod needs; the pause image is pulled when missing
  /// (`pull: true`), any other image must have been pulled (kubelet pulls first).
  func image(_ text: String, pull: Bool = false) async throws -> (record: ImageRecord, config: ImageConfig) {
    let images = self.images
    if let found = try await offload({ try images.find(text) }) {
      return (found, try await offload { try images.config(of: found) })
    }
    guard pull else { throw RPCError(code: .notFound, message: "image \"\(text)\" not found: pull it first") }
    let ref = try Reference(parsing: text)
    let record = try await images.pull(ref, client: client, options: PullOptions(mirrors: registries.mirrors(of: ref.domain)))
    return (record, try await offload { try images.config(of: record) })
  }
}
