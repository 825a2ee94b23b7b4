#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthCRI
import BerthImages
import BerthRegistry
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging

/// `berthd`: the CRI server (`berthd serve`, the default) and `berthd config`.
struct Daemon: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "berthd", abstract: "The Berth CRI (runtime.v1) server.", version: RuntimeService.berthVersion,
    subcommands: [Serve.self, ShowConfig.self], defaultSubcommand: Serve.self)

  /// Parses arguments and runs the chosen command, exiting with its status.
  static func runMain() async {
    do {
      var command = try parseAsRoot()
      if var async = command as? any AsyncParsableCommand { try await async.run() } else { try command.run() }
    } catch {
      exit(withError: error)
    }
  }
}

/// The configuration file and the flags that override it.
struct ConfigOptions: ParsableArguments {
  @Option(help: "The configuration file; its drop-ins are read from <file>.d/*.toml.")
  var config: String = DaemonConfig.defaultPath

  @Option(help: "The unix socket to serve CRI on (berthd.listen).")
  var listen: String?

  @Option(help: "Directory of images, snapshots and metadata (berthd.root).")
  var root: String?

  @Option(help: "Registries configuration, TOML (images.registries_conf).")
  var registriesConf: String?

  /// The file, its drop-ins, then the flags; validated.
  func effective() throws -> DaemonConfig {
    var config = try DaemonConfig.load(path: self.config)
    if let listen { config.listen = listen }
    if let root { config.root = root }
    if let registriesConf { config.registriesConf = registriesConf }
    try config.validate()
    return config
  }
}

/// `berthd config`: the effective configuration, with comments.
struct ShowConfig: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "config", abstract: "Print the configuration in effect.")

  @OptionGroup var options: ConfigOptions

  func run() throws {
    print(try options.effective().rendered(), terminator: "")
  }
}

/// `berthd serve`: serves CRI until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve CRI on the socket (the default).")

  @OptionGroup var options: ConfigOptions

  func run() async throws {
    let config = try options.effective()
    let level = Logger.Level(rawValue: config.logLevel) ?? .info
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let listen = config.listen
    // A socket left by a daemon that was killed is replaced; one that answers is another
    // berthd's, and taking it over would cut kubelet off from it. Checked before anything is
    // created, so a refused start leaves nothing.
    if Self.isServed(listen) { throw DaemonError("\(listen) is served by another process (is berthd already running?)") }
    let registries = try RegistriesConfig.load(path: config.registriesConf)
    let credentials = try AuthFile.load()
    let store = try ImageStore(root: config.root)
    let directory = String(listen[..<(listen.lastIndex(of: "/") ?? listen.startIndex)])
    if !directory.isEmpty { mkdir(directory, 0o700) }
    unlink(listen)
    // From here every path shuts the client down (AsyncHTTPClient traps on a client dropped
    // while running) and removes the socket.
    let client = RegistryClient(
      credentials: credentials, insecureRegistries: registries.insecureDomains, caFiles: registries.caFiles ?? [])
    defer { unlink(listen) }
    do {
      try await serve(config: config, store: store, registries: registries, client: client)
    } catch {
      try? await client.shutdown()
      throw error
    }
    try await client.shutdown()
  }

  /// Serves until a signal, or until the server fails.
  private func serve(config: DaemonConfig, store: ImageStore, registries: RegistriesConfig, client: RegistryClient) async throws {
    let listen = config.listen
    let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: listen), transportSecurity: .plaintext)
    let engine = try Engine(
      config: config, images: store, registries: registries, client: client, binDir: Self.binaryDirectory())
    engine.restore()
    var metricsListener: MetricsEndpoint.Listener?
    if let address = config.metricsAddress {
      do { metricsListener = try await MetricsEndpoint.bind(host: address.host, port: address.port) } catch {
        throw DaemonError("cannot listen on berthd.metrics_listen \(config.metricsListen): \(error)")
      }
      print("berthd: serving metrics on http://\(config.metricsListen)/metrics")
    }
    let server = GRPCServer(
      transport: transport,
      services: [RuntimeService(engine: engine), ImageService(store: store, registries: registries, client: client)],
      interceptors: [MetricsInterceptor(metrics: engine.metrics)])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      let bound: SocketAddress
      do { bound = try await transport.listeningAddress } catch { throw DaemonError("cannot listen on \(listen): \(error)") }
      if let address = bound.unixDomainSocket {
        chmod(address.path, 0o660)
        print("berthd: serving CRI on unix://\(address.path)")
      }
      let watcher = Task { await engine.watchExits() }
      let trimmer = Task { await engine.trimWhenIdle() }
      let metrics = metricsListener.map { listener in Task { try await MetricsEndpoint.serve(listener, engine: engine) } }
      group.addTask {
        await Signals.wait([SIGINT, SIGTERM])
        watcher.cancel()
        trimmer.cancel()
        // Event streams never end by themselves; the graceful shutdown waits for every call.
        engine.events.finishAll()
        metrics?.cancel()
        server.beginGracefulShutdown()
      }
    }
  }

  /// The directory of the running berthd (berth-monitor is installed beside it).
  static func binaryDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return "/usr/local/bin" }
    let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
  }

  /// Whether something accepts connections on the unix socket at `path`.
  static func isServed(_ path: String) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.copyBytes(from: bytes)
      raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
      }
    }
  }
}

/// A startup failure reported as one line, without a usage dump.
struct DaemonError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
