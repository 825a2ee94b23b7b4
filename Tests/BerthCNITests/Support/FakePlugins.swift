#if canImport(Glibc)
import Glibc
#endif
@testable import BerthCNI
import BerthOCI
import BerthSys

/// A private CNI setup in a temporary directory: a conf dir, a cache dir, and a bin dir of fake
/// plugins. Every fake is one shell script (its type is its file name) that logs each call
/// (`calls`: "ADD bridge"), saves its stdin and CNI_* environment by call number, then prints
/// what the test put in `result-<type>`, fails with `fail-<type>-<COMMAND>`, or sleeps.
final class FakePlugins {
  let root: String
  var confDir: String { root + "/net.d" }
  var binDir: String { root + "/bin" }
  var cacheDir: String { root + "/cache" }
  var logDir: String { root + "/log" }
  /// A plain file standing in for the pod's netns (fakes do not enter it).
  var netns: String { root + "/netns" }

  init(types: [String] = ["loopback", "bridge", "portmap", "tuning"]) throws {
    var template = Array("/tmp/berth-cnitest-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw Sys.error("mkdtemp") }
    root = String(cString: made)
    for dir in [confDir, binDir, logDir] { try Sys.mkdirAll(dir) }
    try Sys.writeFile(netns, "")
    try Sys.writeFile(logDir + "/calls", "")
    let script = """
      #!/bin/sh
      d='\(logDir)'
      t=$(basename "$0")
      echo "$CNI_COMMAND $t" >> "$d/calls"
      n=$(wc -l < "$d/calls" | tr -d ' ')
      cat > "$d/$n.stdin"
      env | grep '^CNI_' | sort > "$d/$n.env"
      [ -f "$d/sleep-$t" ] && exec sleep "$(cat "$d/sleep-$t")"
      [ -f "$d/stderr-$t-$CNI_COMMAND" ] && { cat "$d/stderr-$t-$CNI_COMMAND" >&2; exit 2; }
      [ -f "$d/fail-$t-$CNI_COMMAND" ] && { cat "$d/fail-$t-$CNI_COMMAND"; exit 1; }
      if [ "$CNI_COMMAND" = ADD ]; then cat "$d/result-$t" 2>/dev/null || echo '{"cniVersion":"1.0.0"}'; fi
      exit 0

      """
    for type in types { try Sys.writeFile(binDir + "/" + type, script, mode: 0o755) }
  }

  deinit { try? Sys.removeAll(root) }

  func manager(timeout: Double = 20, loopback: Bool = true) -> CNIManager {
    CNIManager(CNIConfig(confDir: confDir, binDirs: [root + "/nonexistent", binDir], cacheDir: cacheDir, pluginTimeout: timeout, setUpLoopback: loopback))
  }

  func writeConf(_ name: String, _ text: String) throws { try Sys.writeFile(confDir + "/" + name, text) }
  func log(_ name: String, _ text: String) throws { try Sys.writeFile(logDir + "/" + name, text) }
  func result(_ type: String, _ json: String) throws { try log("result-\(type)", json) }

  /// The calls so far, "COMMAND type", in order.
  func calls() -> [String] {
    ((try? Sys.readFile(logDir + "/calls")) ?? "").split(separator: "\n").map(String.init)
  }

  /// What call `n` (1-based) read on stdin.
  func stdin(_ n: Int) throws -> JSONValue { try JSONValue.parse(try Sys.readBytes("\(logDir)/\(n).stdin")) }

  /// The CNI_* environment of call `n`.
  func env(_ n: Int) throws -> [String: String] {
    var result: [String: String] = [:]
    for line in try Sys.readFile("\(logDir)/\(n).env").split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    return result
  }

  func resetCalls() throws { try Sys.writeFile(logDir + "/calls", "") }

  /// The files in the cache dir.
  func cacheFiles() -> [String] { ((try? Sys.listDirectory(cacheDir)) ?? []).sorted() }

  func request(_ id: String = "pod1", ports: [PortMapping] = []) -> AttachmentRequest {
    AttachmentRequest(
      containerID: id, netnsPath: netns, podName: "web", podNamespace: "default", podUID: "uid-1", portMappings: ports)
  }

  /// A bridge + portmap list (portmap declares portMappings) with a plugin key of its own.
  static func chain(_ version: String = "1.0.0", name: String = "testnet", extra: String = "") -> String {
    """
    {"cniVersion": "\(version)", "name": "\(name)"\(extra), "plugins": [
      {"type": "bridge", "bridge": "cni0", "hairpinMode": true, "custom": {"keep": [1, "two"]},
       "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.1.2.0/24"}]]}},
      {"type": "portmap", "capabilities": {"portMappings": true, "bandwidth": false}, "snat": true}
    ]}
    """
  }

  /// A result of `version` for address 10.1.2.5 on eth0 in `netns`.
  func bridgeResult(_ version: String = "1.0.0") -> String {
    let family = version.hasPrefix("0.") ? #""version": "4", "# : ""
    return """
      {"cniVersion": "\(version)",
       "interfaces": [{"name": "cni0", "mac": "aa:aa:aa:aa:aa:01"}, {"name": "veth1", "mac": "aa:aa:aa:aa:aa:02"},
                      {"name": "eth0", "mac": "aa:aa:aa:aa:aa:03", "sandbox": "\(netns)"}],
       "ips": [{\(family)"address": "10.1.2.5/24", "gateway": "10.1.2.1", "interface": 2}],
       "routes": [{"dst": "0.0.0.0/0"}], "dns": {"nameservers": ["10.1.2.1"], "search": ["svc.local"]}}
      """
  }
}

/// Parses JSON text in tests.
func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }
