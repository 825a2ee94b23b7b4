import BerthError

/// Names the runtime spec allows, shared by validation and `features`.
public enum Known {
  public static let namespaces = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"]
  public static let rlimits = [
    "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
  ]
  public static let rootfsPropagation = ["private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"]
  public static let seccompActions = [
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
  ]
  public static let seccompOperators = [
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
  ]
  public static let seccompFlags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
  public static let hookNames = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
}

extension Spec {
  /// Checks everything that can be checked without touching the host. Throws the first problem,
  /// naming the key, as runc does.
  /// - Parameter requireProcess: `create` of a container accepts a config without `process`
  ///   only if something else will provide it; `run` needs it.
  public func validate(requireProcess: Bool = true) throws {
    try Self.validateVersion(ociVersion)
    guard let root, !root.path.isEmpty else { throw BerthError.invalid("root.path must be set") }
    if let process { try process.validate() } else if requireProcess {
      throw BerthError.invalid("process must be set")
    }
    for mount in mounts ?? [] {
      guard !mount.destination.isEmpty else { throw BerthError.invalid("mounts: destination must be set") }
    }
    if let hooks {
      for (name, list) in hooks.all { for hook in list where !hook.path.hasPrefix("/") {
        throw BerthError.invalid("hooks.\(name): path \(hook.path) must be absolute")
      } }
      for (name, list) in hooks.all { for hook in list where (hook.timeout ?? 1) <= 0 {
        throw BerthError.invalid("hooks.\(name): timeout must be positive")
      } }
    }
    if let linux { try linux.validate() }
  }

  static func validateVersion(_ version: String) throws {
    let core = version.split(separator: "-", maxSplits: 1).first.map(String.init) ?? ""
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
      throw BerthError.invalid("ociVersion \"\(version)\" is not a semantic version")
    }
    guard parts[0] == "1" else {
      throw BerthError.invalid("ociVersion \(version) is not supported (this runtime implements 1.x)")
    }
  }
}

extension Spec.Hooks {
  /// Every hook list with its name, in lifecycle order.
  public var all: [(String, [Spec.Hook])] {
    [("prestart", prestart ?? []), ("createRuntime", createRuntime ?? []), ("createContainer", createContainer ?? []),
     ("startContainer", startContainer ?? []), ("poststart", poststart ?? []), ("poststop", poststop ?? [])]
  }
}

extension Spec.Process {
  /// Checks `process` (also used for `exec --process`).
  public func validate() throws {
    guard let args, !args.isEmpty else { throw BerthError.invalid("process.args must not be empty") }
    guard cwd.hasPrefix("/") else { throw BerthError.invalid("process.cwd \(cwd) must be an absolute path") }
    for entry in env ?? [] where !entry.contains("=") {
      throw BerthError.invalid("process.env entry \"\(entry)\" is not KEY=value")
    }
    if let capabilities {
      for (set, list) in [
        ("bounding", capabilities.bounding), ("effective", capabilities.effective),
        ("inheritable", capabilities.inheritable), ("permitted", capabilities.permitted),
        ("ambient", capabilities.ambient),
      ] {
        for name in list ?? [] where Capability.number(of: name) == nil {
          throw BerthError.invalid("process.capabilities.\(set): unknown capability \(name)")
        }
      }
    }
    var seen = Set<String>()
    for limit in rlimits ?? [] {
      guard Known.rlimits.contains(limit.type) else {
        throw BerthError.invalid("process.rlimits: unknown type \(limit.type)")
      }
      guard seen.insert(limit.type).inserted else {
        throw BerthError.invalid("process.rlimits: \(limit.type) given twice")
      }
      guard limit.soft <= limit.hard else {
        throw BerthError.invalid("process.rlimits: \(limit.type) soft limit \(limit.soft) exceeds hard limit \(limit.hard)")
      }
    }
    if let score = oomScoreAdj, score < -1000 || score > 1000 {
      throw BerthError.invalid("process.oomScoreAdj \(score) is outside -1000...1000")
    }
    if let size = consoleSize, terminal != true, size.width > 0 || size.height > 0 {
      throw BerthError.invalid("process.consoleSize needs process.terminal")
    }
  }
}

extension Spec.Linux {
  /// True if a namespace of this type is listed (new or joined).
  public func has(_ type: String) -> Bool { namespaces?.contains { $0.type == type } ?? false }

  func validate() throws {
    var seen = Set<String>()
    for ns in namespaces ?? [] {
      guard Known.namespaces.contains(ns.type) else {
        throw BerthError.invalid("linux.namespaces: unknown namespace type \(ns.type)")
      }
      guard seen.insert(ns.type).inserted else {
        throw BerthError.invalid("linux.namespaces: \(ns.type) listed twice")
      }
      if let path = ns.path, !path.hasPrefix("/") {
        throw BerthError.invalid("linux.namespaces: \(ns.type) path \(path) must be absolute")
      }
    }
    if !(uidMappings ?? []).isEmpty || !(gidMappings ?? []).isEmpty {
      guard has("user") else { throw BerthError.invalid("linux.uidMappings/gidMappings need a user namespace") }
    }
    if has("user"), namespaces?.first(where: { $0.type == "user" })?.path == nil,
       (uidMappings ?? []).isEmpty || (gidMappings ?? []).isEmpty {
      throw BerthError.invalid("linux.uidMappings and gidMappings must be set for a new user namespace")
    }
    if timeOffsets != nil, !has("time") {
      throw BerthError.invalid("linux.timeOffsets need a time namespace")
    }
    if let propagation = rootfsPropagation, !propagation.isEmpty, !Known.rootfsPropagation.contains(propagation) {
      throw BerthError.invalid("linux.rootfsPropagation: invalid value \(propagation)")
    }
    for device in devices ?? [] {
      guard ["c", "b", "u", "p"].contains(device.type) else {
        throw BerthError.invalid("linux.devices: \(device.path) has invalid type \(device.type)")
      }
      guard device.path.hasPrefix("/") else {
        throw BerthError.invalid("linux.devices: path \(device.path) must be absolute")
      }
      if device.type != "p", device.major == nil || device.minor == nil {
        throw BerthError.invalid("linux.devices: \(device.path) needs major and minor numbers")
      }
    }
    for key in (sysctl ?? [:]).keys.sorted() { try validateSysctl(key) }
    if let seccomp { try seccomp.validate() }
    if let rules = resources?.devices {
      for rule in rules where !["a", "c", "b", nil].contains(rule.type) {
        throw BerthError.invalid("linux.resources.devices: invalid type \(rule.type ?? "")")
      }
    }
  }

  /// A sysctl is only safe to set in a namespace the container owns (runc's rule).
  func validateSysctl(_ key: String) throws {
    let ipc = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
               "kernel.shmmni", "kernel.shm_rmid_forced"]
    if ipc.contains(key) || key.hasPrefix("fs.mqueue.") {
      guard has("ipc") else { throw BerthError.invalid("linux.sysctl: \(key) needs an ipc namespace") }
    } else if key.hasPrefix("net.") {
      guard has("network") else { throw BerthError.invalid("linux.sysctl: \(key) needs a network namespace") }
    } else if key == "kernel.hostname" || key == "kernel.domainname" {
      guard has("uts") else { throw BerthError.invalid("linux.sysctl: \(key) needs a uts namespace") }
    } else if key.hasPrefix("kernel.") || key.hasPrefix("vm.") || key.hasPrefix("fs.") {
      throw BerthError.invalid("linux.sysctl: \(key) is not namespaced and cannot be set for a container")
    } else {
      throw BerthError.invalid("linux.sysctl: \(key) is not a known namespaced sysctl")
    }
  }
}

extension Spec.Seccomp {
  func validate() throws {
    guard Known.seccompActions.contains(defaultAction) else {
      throw BerthError.invalid("linux.seccomp.defaultAction: unknown action \(defaultAction)")
    }
    for flag in flags ?? [] where !Known.seccompFlags.contains(flag) {
      throw BerthError.invalid("linux.seccomp.flags: unknown flag \(flag)")
    }
    for rule in syscalls ?? [] {
      guard Known.seccompActions.contains(rule.action) else {
        throw BerthError.invalid("linux.seccomp.syscalls: unknown action \(rule.action)")
      }
      for arg in rule.args ?? [] where !Known.seccompOperators.contains(arg.op) {
        throw BerthError.invalid("linux.seccomp.syscalls: unknown operator \(arg.op)")
      }
      for arg in rule.args ?? [] where arg.index > 5 {
        throw BerthError.invalid("linux.seccomp.syscalls: argument index \(arg.index) is out of range")
      }
    }
    if defaultAction == "SCMP_ACT_NOTIFY" || (syscalls ?? []).contains(where: { $0.action == "SCMP_ACT_NOTIFY" }) {
      guard let path = listenerPath, !path.isEmpty else {
        throw BerthError.invalid("linux.seccomp: SCMP_ACT_NOTIFY needs listenerPath")
      }
    }
  }
}
