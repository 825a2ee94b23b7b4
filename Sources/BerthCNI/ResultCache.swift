#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys

/// One cached attachment, in libcni's cache file format (kind "cniCacheV1"): everything DEL and
/// CHECK need without the conf dir (the configuration used, base64 like Go's []byte, the
/// arguments and the result), so they work after a restart or a configuration change.
struct CacheEntry: Sendable {
  static let kind = "cniCacheV1"

  var containerID: String
  var networkName: String
  var ifName: String
  var netns: String
  /// The network configuration list as ADD used it.
  var config: [UInt8]
  var cniArgs: [(String, String)]
  var capabilityArgs: [(String, JSONValue)]
  /// The final ADD result.
  var result: JSONValue

  init(list: NetworkList, attachment: Attachment, result: JSONValue) {
    containerID = attachment.containerID
    networkName = list.name
    ifName = attachment.ifName
    netns = attachment.netns
    config = list.document.encoded()
    cniArgs = attachment.cniArgs
    capabilityArgs = attachment.capabilityArgs
    self.result = result
  }

  /// Reads a cache file's document.
  init(json: JSONValue) throws {
    guard json.member("kind")?.text == Self.kind else { throw BerthError.invalid("not a \(Self.kind) cache entry") }
    guard let containerID = json.member("containerId")?.text, let networkName = json.member("networkName")?.text,
      let ifName = json.member("ifName")?.text, !containerID.isEmpty, !networkName.isEmpty, !ifName.isEmpty
    else { throw BerthError.invalid("cache entry lacks containerId, networkName or ifName") }
    guard let encoded = json.member("config")?.text, let config = Base64.decode(encoded) else {
      throw BerthError.invalid("cache entry has no valid config")
    }
    self.containerID = containerID
    self.networkName = networkName
    self.ifName = ifName
    self.netns = json.member("netns")?.text ?? ""
    self.config = config
    self.cniArgs = (json.member("cniArgs")?.elements ?? []).compactMap { pair in
      guard let parts = pair.elements, parts.count == 2, let key = parts[0].text, let value = parts[1].text else { return nil }
      return (key, value)
    }
    self.capabilityArgs = json.member("capabilityArgs")?.members ?? []
    self.result = json.member("result") ?? .object([])
  }

  var json: JSONValue {
    var members: [(String, JSONValue)] = [
      ("kind", .string(Self.kind)), ("containerId", .string(containerID)), ("config", .string(Base64.encode(config))),
      ("ifName", .string(ifName)), ("networkName", .string(networkName)),
    ]
    if !netns.isEmpty { members.append(("netns", .string(netns))) }
    if !cniArgs.isEmpty { members.append(("cniArgs", .array(cniArgs.map { .array([.string($0.0), .string($0.1)]) }))) }
    if !capabilityArgs.isEmpty { members.append(("capabilityArgs", .object(capabilityArgs))) }
    members.append(("result", result))
    return .object(members)
  }

  /// The cached configuration, parsed again.
  func list() throws -> NetworkList {
    try NetworkList.parse(config, source: "cached configuration of network \"\(networkName)\"")
  }

  /// The arguments DEL or CHECK run with: ADD's, with `netns` instead of the cached one.
  func attachment(netns: String) -> Attachment {
    Attachment(containerID: containerID, netns: netns, ifName: ifName, cniArgs: cniArgs, capabilityArgs: capabilityArgs)
  }
}

/// The directory of cached results: one file per (network, container, interface), named
/// `<network>-<container>-<ifname>` as libcni names them, written atomically, mode 0600.
struct ResultCache: Sendable {
  let dir: String

  func path(network: String, containerID: String, ifName: String) -> String {
    "\(dir)/\(network)-\(containerID)-\(ifName)"
  }

  func write(_ entry: CacheEntry) throws {
    try Sys.mkdirAll(dir, mode: 0o700)
    try Sys.writeFileAtomically(
      path(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName), entry.json.encoded(), mode: 0o600)
  }

  /// The entries of a container, by file name, and the files of it that cannot be read.
  func entries(containerID: String) -> (entries: [CacheEntry], unreadable: [String]) {
    guard let names = try? Sys.listDirectory(dir) else { return ([], []) }
    var entries: [CacheEntry] = []
    var unreadable: [String] = []
    for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    where name.contains("-\(containerID)-") && !name.hasSuffix(".tmp") {
      let file = dir + "/" + name
      do {
        let entry = try CacheEntry(json: try JSONValue.parse(try Sys.readBytes(file)))
        // "a-b-c-eth0" also matches container "b" of network "a": the content decides.
        guard entry.containerID == containerID else { continue }
        entries.append(entry)
      } catch {
        // A file of another container whose name merely contains ours is not ours to report.
        if name.hasSuffix("-\(containerID)-" + (name.split(separator: "-").last.map(String.init) ?? "")) {
          unreadable.append(file)
        }
      }
    }
    return (entries, unreadable)
  }

  func remove(_ entry: CacheEntry) throws {
    try remove(file: path(network: entry.networkName, containerID: entry.containerID, ifName: entry.ifName))
  }

  func remove(file: String) throws {
    if unlink(file) != 0 && errno != ENOENT { throw Sys.error("remove cached result \(file)") }
  }
}
