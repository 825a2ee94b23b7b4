#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import BerthError
import BerthSys

/// The files a pod gives its containers: `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`, and
/// the shared `/dev/shm` (a tmpfs of its own unless the pod uses the host's IPC namespace).
enum SandboxFiles {
  /// The size of a pod's /dev/shm (Docker's and containerd's default).
  static let shmSize = "64m"

  /// Writes the files into `dir` and mounts the pod's shm at `dir/shm` (unless `hostIPC`).
  /// - Throws: `.invalidArgument` for a DNS config that would break resolv.conf; `.syscall`
  ///   when the shm tmpfs cannot be mounted
  static func create(dir: String, config: Runtime_V1_PodSandboxConfig, hostNetwork: Bool, hostIPC: Bool) throws {
    let hostname = self.hostname(config, hostNetwork: hostNetwork)
    try Sys.writeFile(dir + "/hostname", hostname + "\n")
    try Sys.writeFile(dir + "/hosts", hostNetwork ? ((try? Sys.readFile("/etc/hosts")) ?? defaultHosts) : defaultHosts)
    try Sys.writeFile(dir + "/resolv.conf", try resolvConf(config.dnsConfig))
    if !hostIPC {
      let shm = dir + "/shm"
      try Sys.mkdirAll(shm, mode: 0o1777)
      let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
      guard mount("shm", shm, "tmpfs", flags, "mode=1777,size=\(shmSize)") == 0 else { throw Sys.error("mount tmpfs on \(shm)") }
    }
  }

  /// Unmounts the pod's shm (if mounted) and removes every file; safe to call twice.
  static func remove(dir: String) {
    let shm = dir + "/shm"
    while umount2(shm, Int32(MNT_DETACH)) == 0 {}
    try? Sys.removeAll(dir)
  }

  /// The pod's hostname: its config's, else (host network or none given) the node's.
  static func hostname(_ config: Runtime_V1_PodSandboxConfig, hostNetwork: Bool) -> String {
    if !config.hostname.isEmpty && !hostNetwork { return config.hostname }
    return nodeHostname()
  }

  /// The node's hostname.
  static func nodeHostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// /etc/hosts of a pod with its own network.
  static let defaultHosts = """
    127.0.0.1\tlocalhost
    ::1\tlocalhost ip6-localhost ip6-loopback
    fe00::0\tip6-localnet
    fe00::0\tip6-mcastprefix
    fe00::1\tip6-allnodes
    fe00::2\tip6-allrouters

    """

  /// resolv.conf from the pod's DNS config, or the node's when the config has none.
  static func resolvConf(_ dns: Runtime_V1_DNSConfig) throws -> String {
    if dns.servers.isEmpty && dns.searches.isEmpty && dns.options.isEmpty {
      return (try? Sys.readFile("/etc/resolv.conf")) ?? ""
    }
    for value in dns.servers + dns.searches + dns.options where value.contains(where: { $0 == "\n" || $0 == " " || $0 == "\t" }) {
      throw BerthError.invalid("dns_config: \"\(value)\" contains white space")
    }
    var text = ""
    if !dns.searches.isEmpty { text += "search " + dns.searches.joined(separator: " ") + "\n" }
    for server in dns.servers { text += "nameserver \(server)\n" }
    if !dns.options.isEmpty { text += "options " + dns.options.joined(separator: " ") + "\n" }
    return text
  }
}
