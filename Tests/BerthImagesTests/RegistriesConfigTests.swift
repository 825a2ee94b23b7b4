import BerthError
import BerthImages
import Foundation
import Testing

/// `RegistriesConfig(toml:)`: the registries.conf-shaped file of mirrors, insecure registries
/// and extra CAs. No root, no network.
@Suite("RegistriesConfig")
struct RegistriesConfigTests {
  static let example = """
    ca-files = ["/etc/berth/certs/corp-ca.pem"]

    [[registry]]
    location = "docker.io"
    [[registry.mirror]]
    location = "mirror.internal:5000"
    insecure = true
    [[registry.mirror]]
    location = "mirror2.internal"

    [[registry]]
    location = "registry.lab:5000"
    insecure = true
    """

  @Test("parses registries, mirrors in order, insecure domains and CA files")
  func parsesExample() throws {
    let config = try RegistriesConfig(toml: Self.example)
    #expect(config.caFiles == ["/etc/berth/certs/corp-ca.pem"])
    #expect(config.registry?.map(\.location) == ["docker.io", "registry.lab:5000"])
    #expect(config.mirrors(of: "docker.io") == ["mirror.internal:5000", "mirror2.internal"])
    #expect(config.mirrors(of: "registry.lab:5000").isEmpty)
    #expect(config.mirrors(of: "quay.io").isEmpty)
    #expect(config.insecureDomains == ["mirror.internal:5000", "registry.lab:5000"])
    #expect(config.registry?.first?.insecure == nil)
  }

  @Test("an empty file is an empty configuration")
  func empty() throws {
    let config = try RegistriesConfig(toml: "")
    #expect(config == RegistriesConfig())
    #expect(config.mirrors(of: "docker.io").isEmpty && config.insecureDomains.isEmpty)
  }

  /// A file with a misspelt key, and the key path the error must name.
  static let unknownKeys: [(toml: String, key: String)] = [
    ("mirrors = []", "unknown key mirrors"),
    ("ca_files = []", "unknown key ca_files"),
    ("[[registry]]\nlocation = \"a\"\nprefix = \"b\"", "unknown key registry[0].prefix"),
    ("[[registry]]\nlocation = \"a\"\n[[registry]]\nlocation = \"b\"\nblocked = true", "unknown key registry[1].blocked"),
    ("[[registry]]\nlocation = \"a\"\n[[registry.mirror]]\nlocation = \"m\"\ninsecure-skip = true", "unknown key registry[0].mirror[0].insecure-skip"),
  ]

  @Test("an unknown key is an error naming it, the file and the known keys", arguments: unknownKeys)
  func unknownKey(toml: String, key: String) throws {
    let error = #expect(throws: BerthError.self) { try RegistriesConfig(toml: toml, path: "/etc/berth/registries.toml") }
    #expect(error?.code == .invalidArgument)
    let message = error?.message ?? ""
    #expect(message.hasPrefix("/etc/berth/registries.toml: "), "\(message)")
    #expect(message.contains(key), "\(message)")
    #expect(message.contains("known: "), "\(message)")
  }

  @Test("malformed files are errors naming the file", arguments: [
    "[[registry]\nlocation = \"a\"",  // bad TOML
    "[[registry]]\nlocation = \"\"",  // empty location
    "[[registry]]\ninsecure = true",  // no location
    "[[registry]]\nlocation = \"a\"\ninsecure = \"yes\"",  // wrong type
    "registry = \"docker.io\"",  // not an array of tables
    "ca-files = \"/ca.pem\"",  // not an array
  ])
  func malformed(toml: String) throws {
    let error = #expect(throws: BerthError.self) { try RegistriesConfig(toml: toml, path: "conf.toml") }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.hasPrefix("conf.toml: ") == true, "\(String(describing: error))")
  }

  @Test("load reads a file; a missing file is an empty configuration")
  func load() throws {
    let dir = try Tools.tempDir("berth-registries-conf")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try RegistriesConfig.load(path: dir + "/missing.toml") == RegistriesConfig())
    try Self.example.write(toFile: dir + "/registries.toml", atomically: true, encoding: .utf8)
    #expect(try RegistriesConfig.load(path: dir + "/registries.toml") == RegistriesConfig(toml: Self.example))
    try "mirror = 1".write(toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
    let error = #expect(throws: BerthError.self) { try RegistriesConfig.load(path: dir + "/bad.toml") }
    #expect(error?.message.hasPrefix(dir + "/bad.toml: ") == true)
  }
}
