#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthCRI
import BerthImages
import BerthRegistry
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// `berthd`: the CRI server on a unix socket (root only, mode 0660).
struct Daemon: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "berthd", abstract: "The Berth CRI (runtime.v1) server.", version: RuntimeService.berthVersion)

  @Option(help: "The unix socket to serve CRI on.")
  var listen: String = "/run/berth/berth.sock"

  @Option(help: "Directory of the image store.")
  var root: String = "/var/lib/berth"

  @Option(help: "Registries configuration (TOML).")
  var registriesConf: String = RegistriesConfig.defaultPath

  /// Parses arguments and serves until SIGINT or SIGTERM.
  static func runMain() async {
    do {
      var command = try parseAsRoot()
      if let daemon = command as? Daemon { try await daemon.run() } else { try command.run() }
    } catch {
      exit(withError: error)
    }
  }

  func run() async throws {
    let store = try ImageStore(root: root)
    let registries = try RegistriesConfig.load(path: registriesConf)
    let credentials = try AuthFile.load()
    let client = RegistryClient(
      credentials: credentials, insecureRegistries: registries.insecureDomains, caFiles: registries.caFiles ?? [])
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
