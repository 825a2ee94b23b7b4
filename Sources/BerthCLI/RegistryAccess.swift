import BerthImages
import BerthOCI
import BerthRegistry

/// Builds the registry client a command uses: credentials from the auth file and `--creds`,
/// insecure registries and extra CAs from the registries configuration.
enum RegistryAccess {
  /// A client for pulling `references`; `creds` apply to their registries.
  static func client(
    options: StoreOptions, registries: RegistriesConfig, creds: String?, for references: [Reference]
  ) throws -> RegistryClient {
    var credentials = try AuthFile.load(path: options.authfile)
    if let creds, let colon = creds.firstIndex(of: ":") {
      let pair = (user: String(creds[..<colon]), password: String(creds[creds.index(after: colon)...]))
      for ref in references { credentials[ref.domain] = pair }
    }
    return RegistryClient(
      credentials: credentials, insecureRegistries: registries.insecureDomains, caFiles: registries.caFiles ?? [])
  }
}
