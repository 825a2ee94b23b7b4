import ArgumentParser
import BerthImages
import BerthRegistry

/// Options every command that opens the image store shares.
struct StoreOptions: ParsableArguments {
  @Option(name: .long, help: "Directory of the image store (env BERTH_ROOT).")
  var root: String = Environment.get("BERTH_ROOT") ?? "/var/lib/berth"

  @Option(name: .long, help: "Registries configuration (TOML): mirrors, insecure registries, CA files.")
  var registriesConf: String = Environment.get("BERTH_REGISTRIES_CONF") ?? RegistriesConfig.defaultPath

  @Option(name: .long, help: "Credentials file in the docker/podman auth.json format.")
  var authfile: String?

  /// Opens the store.
  func store() throws -> ImageStore { try ImageStore(root: root) }

  /// The registries configuration, empty when the file does not exist.
  func registries() throws -> RegistriesConfig { try RegistriesConfig.load(path: registriesConf) }
}

/// `--format`: a table for people, JSON for programs.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json
}
