#if canImport(Glibc)
import Glibc
#endif
import BerthCNI
import BerthOCI
import BerthSys
import Testing

/// A throwaway pod network with Debian's real plugins: a netns `berth-cnitest-<id>`, a bridge
/// `bcnit<id>` with a free /24, host-local IPAM data and the CNI cache in a temporary directory.
/// `cleanup()` removes all of it (and the iptables rules of the network, CNI-HOSTPORT-* chains
/// portmap leaves included, when they were not there before), whatever state the test stopped in.
final class RealNetwork {
  static let binDir = "/usr/lib/cni"
  static var available: Bool {
    getuid() == 0 && ["bridge", "host-local", "portmap", "loopback"].allSatisfy { access(binDir + "/" + $0, X_OK) == 0 }
      && access("/usr/bin/curl", X_OK) == 0 && access("/usr/bin/busybox", X_OK) == 0
  }
  static let skipReason: Comment = "needs root, /usr/lib/cni (containernetworking-plugins), curl and busybox"

  let id: String
  let netnsName: String
  let bridge: String
  let network: String
  let subnetPrefix: String
  let root: String
  var netnsPath: String { "/var/run/netns/" + netnsName }
  var confDir: String { root + "/net.d" }
  var cacheDir: String { root + "/cache" }
  var ipamDir: String { root + "/ipam" }
  private var servers: [pid_t] = []
  private let rulesBefore: Set<String>
  private let forwardBefore: String

  /// - Parameters:
  ///   - ipMasq: the bridge masquerades the pod subnet
  ///   - dualStack: a second, IPv6 range (fd42:<first 4 of id>::/64)
  init(ipMasq: Bool = true, dualStack: Bool = false) throws {
    id = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
    netnsName = "berth-cnitest-" + id
    bridge = "bcnit" + id
    network = "berth-cnitest-" + id
    var template = Array("/tmp/berth-cnitest-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw Sys.error("mkdtemp") }
    root = String(cString: made)
    rulesBefore = Self.rules()
    forwardBefore = (try? Sys.readFile("/proc/sys/net/ipv4/ip_forward"))?.filter { !$0.isWhitespace } ?? "0"
    subnetPrefix = try Self.freeSubnet()
    try Sys.mkdirAll(confDir)
    let v6Range = dualStack ? #", [{"subnet": "fd42:\#(id.prefix(4))::/64"}]"# : ""
    let v6Route = dualStack ? #", {"dst": "::/0"}"# : ""
    try Self.sh("ip netns add \(netnsName)")
    try Sys.writeFile(confDir + "/10-test.conflist", """
      {"cniVersion": "1.0.0", "name": "\(network)", "plugins": [
        {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": \(ipMasq), "hairpinMode": true,
         "ipam": {"type": "host-local", "dataDir": "\(ipamDir)", "ranges": [[{"subnet": "\(subnetPrefix).0/24"}]\(v6Range)],
                  "routes": [{"dst": "0.0.0.0/0"}\(v6Route)]}},
        {"type": "portmap", "capabilities": {"portMappings": true}}
      ]}
      """)
  }

  func manager() -> CNIManager {
    CNIManager(CNIConfig(confDir: confDir, binDirs: [Self.binDir], cacheDir: cacheDir, pluginTimeout: 30))
  }

  func request(hostPort: Int32) -> AttachmentRequest {
    AttachmentRequest(
      containerID: "cnitest" + id, netnsPath: netnsPath, podName: "web", podNamespace: "cnitest", podUID: "uid-" + id,
      portMappings: [PortMapping(hostPort: hostPort, containerPort: 8080, protocol: "tcp", hostIP: "127.0.0.1")])
  }

  /// Serves `text` over HTTP on port 8080 inside the netns (busybox httpd).
  func serve(_ text: String) throws {
    let www = root + "/www"
    try Sys.mkdirAll(www)
    try Sys.writeFile(www + "/index.html", text)
    let pid = try Spawn.start(
      "/usr/bin/ip", args: ["ip", "netns", "exec", netnsName, "/usr/bin/busybox", "httpd", "-f", "-p", "8080", "-h", www],
      env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
    servers.append(pid)
    // Until it listens.
    for _ in 0..<100 {
      if (try? Self.sh("ip netns exec \(netnsName) busybox netstat -ltn | grep -q ':8080 '")) != nil { return }
      usleep(20_000)
    }
  }

  func stopServers() {
    for pid in servers {
      kill(pid, SIGKILL)
      _ = try? Processes.wait(pid)
    }
    servers = []
  }

  /// The iptables rules now that are not in the snapshot taken at init (CNI-HOSTPORT-* aside).
  func leakedRules() -> Set<String> { Self.rules().subtracting(rulesBefore).filter { !$0.contains("CNI-HOSTPORT-") } }

  func cleanup() {
    stopServers()
    try? manager().tearDown(containerID: "cnitest" + id, netnsPath: nil)
    _ = try? Self.sh("ip netns del \(netnsName)")
    _ = try? Self.sh("ip link del \(bridge)")
    Self.removeRules(naming: network, except: rulesBefore)
    // The bridge plugin (isGateway) turns forwarding on; put it back unless another bridge needs it.
    let otherBridges = (try? Self.sh("ip -o link show type bridge"))?.split(separator: "\n").count ?? 0
    if forwardBefore == "0" && otherBridges == 0 { try? Sys.writeFile("/proc/sys/net/ipv4/ip_forward", "0", create: false) }
    try? Sys.removeAll(root)
  }

  // MARK: - Helpers

  /// Deletes the rules that are not in `before` and name `network` (the plugins' comments do)
  /// or portmap's shared CNI-HOSTPORT-* chains, then the new CNI-* chains they used: what a
  /// failed test or a plugin's own leak would otherwise leave.
  static func removeRules(naming network: String, except before: Set<String>) {
    let ours = rawRules().filter { table, line in
      line.hasPrefix("-A ") && !before.contains("\(table) \(line)") && (line.contains(network) || line.contains("CNI-HOSTPORT-"))
    }
    var chains: [(String, Substring)] = []
    for (table, line) in ours {
      _ = try? sh("\(tool(table)) -D " + line.dropFirst(3))
      let words = line.split(separator: " ")
      for (index, word) in words.enumerated() where (word == "-A" || word == "-j") && index + 1 < words.count {
        let chain = words[index + 1]
        if chain.hasPrefix("CNI-"), !before.contains("\(table) :\(chain) -"), !chains.contains(where: { $0 == (table, chain) }) {
          chains.append((table, chain))
        }
      }
    }
    for (table, chain) in chains { _ = try? sh("\(tool(table)) -F \(chain) && \(tool(table)) -X \(chain)") }
  }

  /// Runs a shell command; throws with its output when it fails.
  @discardableResult
  static func sh(_ command: String) throws -> String {
    let output = try Spawn.run("/bin/sh", args: ["sh", "-c", command], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 30)
    guard output.status == 0 else {
      throw CommandFailed(description: "\(command): exit \(output.status): \(output.stderrText)\(output.stdoutText)")
    }
    return output.stdoutText
  }

  struct CommandFailed: Error, CustomStringConvertible { var description: String }

  /// A 10.X.Y prefix whose /24 no route or address of the host overlaps.
  static func freeSubnet() throws -> String {
    let used = try sh("ip -4 route show table all; ip -4 addr")
    for _ in 0..<50 {
      let prefix = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
      if !used.contains(prefix + ".") && !used.contains("10.0.0.0/8") { return prefix }
    }
    throw CommandFailed(description: "no free 10.x.y.0/24")
  }

  /// (table, line) of iptables-save and ip6tables-save: rules and chain declarations.
  static func rawRules() -> [(String, String)] {
    var result: [(String, String)] = []
    for tool in ["iptables-save", "ip6tables-save"] {
      var table = ""
      for line in ((try? sh(tool)) ?? "").split(separator: "\n").map(String.init) {
        if line.hasPrefix("*") { table = String(line.dropFirst()) }
        if line.hasPrefix("-A ") || line.hasPrefix(":") { result.append((tool == "iptables-save" ? table : "6" + table, line)) }
      }
    }
    return result
  }

  /// The iptables command for a table of `rawRules` ("nat", or "6nat" for IPv6).
  static func tool(_ table: String) -> String {
    table.hasPrefix("6") ? "ip6tables -w -t \(table.dropFirst())" : "iptables -w -t \(table)"
  }

  /// ":CHAIN POLICY [counters]" without the counters.
  static func chainLine(_ line: String) -> String {
    line.hasPrefix(":") ? String(line.prefix { $0 != "[" }).trimmingSuffixSpaces : line
  }

  /// Rules and chains as "table line", built-in chains left out.
  static func rules() -> Set<String> {
    let builtin = [":PREROUTING ", ":INPUT ", ":OUTPUT ", ":POSTROUTING ", ":FORWARD "]
    return Set(rawRules().filter { entry in !builtin.contains { entry.1.hasPrefix($0) } }.map { "\($0.0) \(chainLine($0.1))" })
  }
}

extension String {
  fileprivate var trimmingSuffixSpaces: String { String(reversed().drop { $0 == " " }.reversed()) }
}
