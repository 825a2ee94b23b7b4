#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthCRI
import BerthImages
import BerthRegistry
import GRPCCore
import GRPCNIOTransportHTTP2Posix

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
    let store = try ImageStore(root: config.root)
    let registries = try RegistriesConfig.load(path: config.registriesConf)
    let client = RegistryClient(
      credentials: try AuthFile.load(), insecureRegistries: registries.insecureDomains, caFiles: registries.caFiles ?? [])
    let listen = config.listen
    let directory = String(listen[..<(listen.lastIndex(of: "/") ?? listen.startIndex)])
    if !directory.isEmpty { mkdir(directory, 0o700) }
    unlink(listen)  // a socket left by a daemon that was killed
    let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: listen), transportSecurity: .plaintext)
    let server = GRPCServer(
      transport: transport,
      services: [RuntimeService(), ImageService(store: store, registries: registries, client: client)])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      if let address = try await transport.listeningAddress.unixDomainSocket {
        chmod(address.path, 0o660)
        print("berthd: serving CRI on unix://\(address.path)")
      }
      group.addTask {
        await Signals.wait([SIGINT, SIGTERM])
        server.beginGracefulShutdown()
      }
    }
    try await client.shutdown()
    unlink(listen)
  }
}
