import BerthError

/// berthd's configuration: `/etc/berth/berth.toml`, then every `*.toml` in
/// `/etc/berth/berth.toml.d/` in name order (later files override earlier ones key by key), then
/// command-line flags. `berthd config` prints the result with a comment per key.
///
/// Every key is checked: an unknown key or a value of the wrong type is an error naming the file
/// and the key (`/etc/berth/berth.toml: runtime.handlers.runc.path: expected a string`).
public struct DaemonConfig: Sendable, Hashable {
  /// The main file.
  public static let defaultPath = "/etc/berth/berth.toml"

  /// The CRI socket.
  public var listen = "/run/berth/berth.sock"
  /// Persistent state: images, snapshots, metadata.
  public var root = "/var/lib/berth"
  /// Runtime state that does not survive a reboot: sockets, runtime roots.
  public var state = "/run/berth"
  /// trace, debug, info, notice, warning, error or critical.
  public var logLevel = "info"
  /// `host:port` of the Prometheus metrics endpoint on localhost; empty: no endpoint.
  public var metricsListen = ""
  /// The registries configuration (mirrors, insecure registries, CA files).
  public var registriesConf = "/etc/berth/registries.toml"
  /// The image that pause processes run from, when a pod needs one.
  public var pauseImage = "localhost:5000/pause:3.9"
  /// CNI network configuration lists.
  public var cniConfDir = "/etc/cni/net.d"
  /// Where CNI plugin binaries are looked for, in order.
  public var cniBinDirs = ["/usr/lib/cni", "/opt/cni/bin"]
  /// The handler for pods without a RuntimeClass.
  public var defaultHandler = "berth"
  /// RuntimeClass handlers by name.
  public var handlers: [String: RuntimeHandler] = DaemonConfig.builtinHandlers

  /// An OCI runtime berthd can run containers with.
  public struct RuntimeHandler: Sendable, Hashable {
    /// The runtime binary.
    public var path: String
    /// Its `--root` (state directory); empty: the runtime's default.
    public var root: String
    /// Extra global options put before the verb.
    public var options: [String]

    /// Creates a handler.
    public init(path: String, root: String = "", options: [String] = []) {
      self.path = path
      self.root = root
      self.options = options
    }
  }

  /// berth-runtime by default; runc and crun where Debian installs them.
  public static let builtinHandlers: [String: RuntimeHandler] = [
    "berth": RuntimeHandler(path: "/usr/local/bin/berth-runtime", root: "/run/berth/runtime"),
    "runc": RuntimeHandler(path: "/usr/sbin/runc", root: "/run/berth/runc"),
    "crun": RuntimeHandler(path: "/usr/bin/crun", root: "/run/berth/crun"),
  ]

  /// The defaults.
  public init() {}

  /// `metrics_listen` as the host (brackets removed) and port to bind; nil when it is empty or
  /// not a loopback host:port.
  public var metricsAddress: (host: String, port: Int)? {
    guard let colon = metricsListen.lastIndex(of: ":"), let port = Int(metricsListen[metricsListen.index(after: colon)...]),
      (1...65535).contains(port)
    else { return nil }
    let host = String(metricsListen[..<colon])
    guard ["127.0.0.1", "localhost", "[::1]"].contains(host) else { return nil }
    return (host == "[::1]" ? "::1" : host, port)
  }

  /// Checks what no single key can: the default handler exists, paths are absolute.
  public func validate() throws {
    guard handlers[defaultHandler] != nil else {
      throw BerthError.invalid(
        "runtime.default_handler: \"\(defaultHandler)\" is not a configured handler (have: \(handlers.keys.sorted().joined(separator: ", ")))")
    }
    for (key, path) in [("berthd.listen", listen), ("berthd.root", root), ("berthd.state", state), ("cni.conf_dir", cniConfDir)]
    where !path.hasPrefix("/") {
      throw BerthError.invalid("\(key): \"\(path)\" must be an absolute path")
    }
    for (name, handler) in handlers where !handler.path.hasPrefix("/") {
      throw BerthError.invalid("runtime.handlers.\(name).path: \"\(handler.path)\" must be an absolute path")
    }
    if !metricsListen.isEmpty && metricsAddress == nil {
      throw BerthError.invalid(
        "berthd.metrics_listen: \"\(metricsListen)\" must be a loopback host:port (127.0.0.1:9090, [::1]:9090, localhost:9090)")
    }
    let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    guard levels.contains(logLevel) else {
      throw BerthError.invalid("berthd.log_level: \"\(logLevel)\" is not one of \(levels.joined(separator: ", "))")
    }
  }
}
