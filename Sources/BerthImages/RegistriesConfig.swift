import BerthError
import BerthSys
import TOMLKit

/// Per-registry settings, read from a TOML file (`/etc/berth/registries.toml`), in the shape
/// Podman users know from `registries.conf`:
///
/// ```toml
/// ca-files = ["/etc/berth/certs/corp-ca.pem"]   # extra trusted roots, for every registry
///
/// [[registry]]
/// location = "docker.io"
/// [[registry.mirror]]
/// location = "mirror.internal:5000"
/// insecure = true                                # plain HTTP for this mirror
///
/// [[registry]]
/// location = "registry.lab:5000"
/// insecure = true
/// ```
///
/// Mirrors are tried in order before the registry itself; plain HTTP is allowed for loopback
/// registries without saying so, and for any other only with `insecure = true`.
public struct RegistriesConfig: Sendable, Hashable, Codable {
  /// The default file.
  public static let defaultPath = "/etc/berth/registries.toml"

  /// One registry's settings.
  public struct Registry: Sendable, Hashable, Codable {
    /// The registry's domain (`docker.io`, `host:port`).
    public var location: String
    /// Whether plain HTTP is allowed.
    public var insecure: Bool?
    /// Mirrors, tried in order before `location`.
    public var mirror: [Mirror]?

    /// Creates a registry entry.
    public init(location: String, insecure: Bool? = nil, mirror: [Mirror]? = nil) {
      self.location = location
      self.insecure = insecure
      self.mirror = mirror
    }
  }

  /// A mirror of a registry.
  public struct Mirror: Sendable, Hashable, Codable {
    /// The mirror's domain.
    public var location: String
    /// Whether plain HTTP is allowed.
    public var insecure: Bool?

    /// Creates a mirror entry.
    public init(location: String, insecure: Bool? = nil) {
      self.location = location
      self.insecure = insecure
    }
  }

  /// The registries with settings.
  public var registry: [Registry]?
  /// PEM files of extra trusted certificate authorities.
  public var caFiles: [String]?

  enum CodingKeys: String, CodingKey {
    case registry
    case caFiles = "ca-files"
  }

  /// Creates a configuration.
  public init(registry: [Registry]? = nil, caFiles: [String]? = nil) {
    self.registry = registry
    self.caFiles = caFiles
  }

  /// Parses TOML text. Unknown keys are errors, so a misspelt setting is not silently ignored.
  /// - Parameters:
  ///   - text: the file's contents
  ///   - path: the file's name, for errors
  public init(toml text: String, path: String = "registries.toml") throws {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch {
      throw BerthError.invalid("\(path): \(error)")
    }
    try Self.checkKeys(table, allowed: ["registry", "ca-files"], at: "", path: path)
    for (index, entry) in (table["registry"]?.array ?? []).enumerated() {
      guard let registry = entry.table else { throw BerthError.invalid("\(path): registry[\(index)] must be a table") }
      try Self.checkKeys(registry, allowed: ["location", "insecure", "mirror"], at: "registry[\(index)].", path: path)
      for (m, mirror) in (registry["mirror"]?.array ?? []).enumerated() {
        guard let mirror = mirror.table else { throw BerthError.invalid("\(path): registry[\(index)].mirror[\(m)] must be a table") }
        try Self.checkKeys(mirror, allowed: ["location", "insecure"], at: "registry[\(index)].mirror[\(m)].", path: path)
      }
    }
    do { self = try TOMLDecoder().decode(RegistriesConfig.self, from: table) } catch {
      throw BerthError.invalid("\(path): \(error)")
    }
    for (index, registry) in (registry ?? []).enumerated() where registry.location.isEmpty {
      throw BerthError.invalid("\(path): registry[\(index)].location must not be empty")
    }
  }

  private static func checkKeys(_ table: TOMLTable, allowed: Set<String>, at prefix: String, path: String) throws {
    for key in table.keys where !allowed.contains(key) {
      throw BerthError.invalid("\(path): unknown key \(prefix)\(key) (known: \(allowed.sorted().joined(separator: ", ")))")
    }
  }

  /// Reads `path`; a missing file is an empty configuration.
  /// - Parameter path: the TOML file
  public static func load(path: String) throws -> RegistriesConfig {
    guard Sys.exists(path) else { return RegistriesConfig() }
    return try RegistriesConfig(toml: try Sys.readFile(path), path: path)
  }

  /// The mirrors of `domain`, in order.
  public func mirrors(of domain: String) -> [String] {
    (registry ?? []).first { $0.location == domain }?.mirror?.map(\.location) ?? []
  }

  /// Every domain (registries and mirrors) marked insecure.
  public var insecureDomains: Set<String> {
    var domains = Set<String>()
    for registry in registry ?? [] {
      if registry.insecure == true { domains.insert(registry.location) }
      for mirror in registry.mirror ?? [] where mirror.insecure == true { domains.insert(mirror.location) }
    }
    return domains
  }
}
