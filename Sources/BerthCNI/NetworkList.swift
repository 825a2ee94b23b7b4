import BerthError
import BerthOCI
import BerthSys

/// A CNI spec version ("1.0.0"), ordered numerically.
public struct CNIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  /// X of X.Y.Z.
  public var major: Int
  /// Y of X.Y.Z.
  public var minor: Int
  /// Z of X.Y.Z (0 when absent).
  public var patch: Int

  /// Parses "X.Y.Z" (or "X.Y").
  public init?(_ text: String) {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
    major = parts[0]!
    minor = parts[1]!
    patch = parts.count == 3 ? parts[2]! : 0
  }

  /// Numeric order: 0.4.0 < 0.10.0 < 1.0.0.
  public static func < (a: CNIVersion, b: CNIVersion) -> Bool { (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
  /// "X.Y.Z".
  public var description: String { "\(major).\(minor).\(patch)" }

  /// The versions this client speaks: results with `ips[]` (0.3.0 on). 0.1.0 and 0.2.0 are refused.
  public static let supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"].compactMap(CNIVersion.init)
  /// The first version with CHECK and prevResult on DEL.
  public static let check = CNIVersion("0.4.0")!
  /// The first version whose results drop `ips[].version`.
  public static let v1 = CNIVersion("1.0.0")!
}

/// A network configuration list: a `.conflist`, or a single-plugin `.conf` wrapped as a list of
/// one. The plugins are JSON trees with every key kept.
public struct NetworkList: Sendable {
  /// The network's name.
  public let name: String
  /// The spec version the plugins are called with.
  public let cniVersion: String
  /// `disableCheck`: CHECK is skipped.
  public let disableCheck: Bool
  /// The whole list as loaded: what the cache keeps and DEL uses.
  public let document: JSONValue
  /// The file it came from ("" when parsed from bytes).
  public let source: String

  /// The plugin configurations in order.
  public var plugins: [JSONValue] { document.member("plugins")?.elements ?? [] }
  /// The plugin types (binary names) in order.
  public var types: [String] { plugins.map { $0.member("type")?.text ?? "" } }
  /// The parsed `cniVersion`.
  public var version: CNIVersion { CNIVersion(cniVersion)! }

  /// Parses and validates a list, or a single plugin configuration (one with `type` and no
  /// `plugins`), which becomes a list of one.
  /// - Throws: `BerthError.invalid` naming the file and the field at fault.
  public static func parse(_ bytes: [UInt8], source: String = "") throws -> NetworkList {
    let what = source.isEmpty ? "network configuration" : source
    let root: JSONValue
    do {
      root = try JSONValue.parse(bytes)
    } catch let error as BerthError {
      throw BerthError.invalid("\(what): \(error.message)")
    }
    guard root.members != nil else { throw BerthError.invalid("\(what): not a JSON object") }
    var document = root
    if root.member("plugins") == nil, root.member("type") != nil {
      document = .object([
        ("cniVersion", root.member("cniVersion") ?? .null), ("name", root.member("name") ?? .null), ("plugins", .array([root])),
      ])
    }
    return try NetworkList(document: document, source: source, what: what)
  }

  /// Reads and parses a configuration file.
  public static func load(file: String) throws -> NetworkList {
    try parse(try Sys.readBytes(file), source: file)
  }

  init(document: JSONValue, source: String, what: String) throws {
    guard let name = document.member("name")?.text, !name.isEmpty else {
      throw BerthError.invalid("\(what): missing network name (\"name\")")
    }
    guard Self.isValidName(name) else {
      throw BerthError.invalid("\(what): invalid network name \"\(name)\" (letters, digits, '_', '.', '-'; starting alphanumeric)")
    }
    guard let version = Self.chooseVersion(document) else {
      let given = document.member("cniVersion")?.text
      throw BerthError.invalid(
        given == nil
          ? "\(what): network \"\(name)\": missing \"cniVersion\""
          : "\(what): network \"\(name)\": unsupported cniVersion \"\(given!)\" (supported: \(CNIVersion.supported.map(\.description).joined(separator: ", ")))")
    }
    guard let plugins = document.member("plugins")?.elements else {
      throw BerthError.invalid("\(what): network \"\(name)\": missing \"plugins\" array")
    }
    guard !plugins.isEmpty else { throw BerthError.invalid("\(what): network \"\(name)\": \"plugins\" is empty") }
    for (index, plugin) in plugins.enumerated() {
      guard plugin.members != nil else { throw BerthError.invalid("\(what): network \"\(name)\": plugins[\(index)] is not an object") }
      guard let type = plugin.member("type")?.text, !type.isEmpty else {
        throw BerthError.invalid("\(what): network \"\(name)\": plugins[\(index)] has no \"type\"")
      }
      guard !type.contains("/"), type != ".", type != ".." else {
        throw BerthError.invalid("\(what): network \"\(name)\": plugins[\(index)]: invalid type \"\(type)\"")
      }
      if let capabilities = plugin.member("capabilities"), capabilities.members?.allSatisfy({ $0.1.flag != nil }) != true {
        throw BerthError.invalid("\(what): network \"\(name)\": plugins[\(index)] (\(type)): \"capabilities\" must map names to booleans")
      }
    }
    var disableCheck = false
    switch document.member("disableCheck") {
    case nil, .null?: break
    case .bool(let value)?: disableCheck = value
    case .string(let text)? where text == "true" || text == "false": disableCheck = text == "true"
    default: throw BerthError.invalid("\(what): network \"\(name)\": \"disableCheck\" must be a boolean")
    }
    self.name = name
    self.cniVersion = version.description
    self.disableCheck = disableCheck
    self.document = document.setting("cniVersion", to: .string(version.description))
    self.source = source
  }

  /// The version to use: the highest supported one of `cniVersions` (spec 1.1) if given, else
  /// `cniVersion` if supported.
  static func chooseVersion(_ document: JSONValue) -> CNIVersion? {
    if let list = document.member("cniVersions")?.elements {
      return list.compactMap { $0.text.flatMap(CNIVersion.init) }.filter { CNIVersion.supported.contains($0) }.max()
    }
    guard let text = document.member("cniVersion")?.text, let version = CNIVersion(text) else { return nil }
    return CNIVersion.supported.contains(version) ? version : nil
  }

  /// The rule for network names and container ids: alphanumeric first, then alphanumerics,
  /// '_', '.' or '-'.
  static func isValidName(_ name: String) -> Bool {
    guard let first = name.utf8.first, isAlnum(first) else { return false }
    return name.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
  }

  private static func isAlnum(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  /// The same list with its plugins replaced.
  func replacingPlugins(_ plugins: [JSONValue]) throws -> NetworkList {
    try NetworkList(document: document.setting("plugins", to: .array(plugins)), source: source, what: source.isEmpty ? "network configuration" : source)
  }
}

extension NetworkList {
  /// The configuration files of `dir`, `*.conf`, `*.conflist` and `*.json`, sorted by name
  /// byte-wise (libcni's order). A missing directory has none.
  public static func configFiles(in dir: String) -> [String] {
    guard let names = try? Sys.listDirectory(dir) else { return [] }
    return names.filter { name in
      [".conf", ".conflist", ".json"].contains { name.hasSuffix($0) && name.count > $0.count }
        && !Sys.isDirectory(dir + "/" + name)
    }
    .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    .map { dir + "/" + $0 }
  }

  /// The network in use: the first file of `configFiles(in:)` that parses and validates (files
  /// before it that do not are skipped, as CRI-O does, and listed in `problems`).
  public static func first(in dir: String) -> (list: NetworkList?, problems: [String]) {
    var problems: [String] = []
    for file in configFiles(in: dir) {
      do {
        return (try load(file: file), problems)
      } catch let error as BerthError {
        problems.append(error.message)
      } catch {
        problems.append("\(file): \(error)")
      }
    }
    return (nil, problems)
  }
}
