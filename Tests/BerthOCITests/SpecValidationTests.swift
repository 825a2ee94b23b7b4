import BerthError
import BerthOCI
import Foundation
import Testing

/// One way to break a valid config, and the key the error must name.
struct InvalidCase: Sendable, CustomTestStringConvertible {
  let name: String
  /// Text the error message must contain (the key, and the offending value where there is one).
  let mentions: [String]
  let mutate: @Sendable (inout Spec) -> Void

  init(_ name: String, _ mentions: [String], _ mutate: @escaping @Sendable (inout Spec) -> Void) {
    self.name = name
    self.mentions = mentions
    self.mutate = mutate
  }

  var testDescription: String { name }
}

private func editLinux(_ spec: inout Spec, _ body: (inout Spec.Linux) -> Void) {
  var linux = spec.linux ?? Spec.Linux()
  body(&linux)
  spec.linux = linux
}

private func editProcess(_ spec: inout Spec, _ body: (inout Spec.Process) -> Void) {
  var process = spec.process ?? Spec.Process()
  body(&process)
  spec.process = process
}

private func withSeccomp(_ spec: inout Spec, _ seccomp: Spec.Seccomp) {
  editLinux(&spec) { $0.seccomp = seccomp }
}

/// `Spec.TimeOffset` has no public initializer; configs only ever decode it.
private let oneSecond: Spec.TimeOffset = {
  do { return try JSONDecoder().decode(Spec.TimeOffset.self, from: Data(#"{"secs": 1}"#.utf8)) } catch {
    preconditionFailure("\(error)")
  }
}()

let invalidCases: [InvalidCase] = [
  InvalidCase("ociVersion 2.0.0", ["ociVersion", "2.0.0"]) { $0.ociVersion = "2.0.0" },
  InvalidCase("ociVersion 1.0", ["ociVersion", "1.0"]) { $0.ociVersion = "1.0" },
  InvalidCase("ociVersion abc", ["ociVersion", "abc"]) { $0.ociVersion = "abc" },
  InvalidCase("ociVersion empty", ["ociVersion"]) { $0.ociVersion = "" },
  InvalidCase("missing root", ["root.path"]) { $0.root = nil },
  InvalidCase("empty root path", ["root.path"]) { $0.root = Spec.Root(path: "") },
  InvalidCase("missing process", ["process"]) { $0.process = nil },
  InvalidCase("empty args", ["process.args"]) { s in editProcess(&s) { $0.args = [] } },
  InvalidCase("nil args", ["process.args"]) { s in editProcess(&s) { $0.args = nil } },
  InvalidCase("relative cwd", ["process.cwd", "srv"]) { s in editProcess(&s) { $0.cwd = "srv" } },
  InvalidCase("env without =", ["process.env", "NOEQUALS"]) { s in editProcess(&s) { $0.env = ["NOEQUALS"] } },
  InvalidCase("unknown capability", ["process.capabilities.bounding", "CAP_TEST"]) { s in
    editProcess(&s) { $0.capabilities?.bounding = ["CAP_KILL", "CAP_TEST"] }
  },
  InvalidCase("unknown ambient capability", ["process.capabilities.ambient", "CAP_TEST"]) { s in
    editProcess(&s) { $0.capabilities?.ambient = ["CAP_TEST"] }
  },
  InvalidCase("unknown rlimit type", ["process.rlimits", "RLIMIT_BOGUS"]) { s in
    editProcess(&s) { $0.rlimits = [Spec.Rlimit(type: "RLIMIT_BOGUS", hard: 1, soft: 1)] }
  },
  InvalidCase("duplicate rlimit", ["process.rlimits", "RLIMIT_NOFILE", "twice"]) { s in
    editProcess(&s) {
      $0.rlimits = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 10, soft: 10), Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 20, soft: 20)]
    }
  },
  InvalidCase("soft above hard", ["process.rlimits", "RLIMIT_CORE", "soft"]) { s in
    editProcess(&s) { $0.rlimits = [Spec.Rlimit(type: "RLIMIT_CORE", hard: 10, soft: 11)] }
  },
  InvalidCase("oomScoreAdj out of range", ["process.oomScoreAdj", "1001"]) { s in editProcess(&s) { $0.oomScoreAdj = 1001 } },
  InvalidCase("consoleSize without terminal", ["process.consoleSize"]) { s in
    editProcess(&s) {
      $0.terminal = false
      $0.consoleSize = Spec.ConsoleSize(height: 24, width: 80)
    }
  },
  InvalidCase("mount without destination", ["mounts", "destination"]) { $0.mounts = [Spec.Mount(destination: "")] },
  InvalidCase("unknown namespace type", ["linux.namespaces", "foo"]) { s in
    editLinux(&s) { $0.namespaces?.append(Spec.Namespace(type: "foo")) }
  },
  InvalidCase("duplicate namespace", ["linux.namespaces", "pid", "twice"]) { s in
    editLinux(&s) { $0.namespaces?.append(Spec.Namespace(type: "pid", path: "/proc/1/ns/pid")) }
  },
  InvalidCase("relative namespace path", ["linux.namespaces", "proc/1/ns/ipc"]) { s in
    editLinux(&s) { $0.namespaces = [Spec.Namespace(type: "ipc", path: "proc/1/ns/ipc")] }
  },
  InvalidCase("uid mappings without user ns", ["linux.uidMappings", "user namespace"]) { s in
    editLinux(&s) { $0.uidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)] }
  },
  InvalidCase("gid mappings without user ns", ["gidMappings", "user namespace"]) { s in
    editLinux(&s) { $0.gidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)] }
  },
  InvalidCase("new user ns without mappings", ["linux.uidMappings", "new user namespace"]) { s in
    editLinux(&s) { $0.namespaces?.append(Spec.Namespace(type: "user")) }
  },
  InvalidCase("new user ns with uid but no gid mappings", ["gidMappings", "new user namespace"]) { s in
    editLinux(&s) {
      $0.namespaces?.append(Spec.Namespace(type: "user"))
      $0.uidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    }
  },
  InvalidCase("time offsets without time ns", ["linux.timeOffsets", "time namespace"]) { s in
    editLinux(&s) { $0.timeOffsets = ["monotonic": oneSecond] }
  },
  InvalidCase("rootfsPropagation bogus", ["linux.rootfsPropagation", "bogus"]) { s in editLinux(&s) { $0.rootfsPropagation = "bogus" } },
  InvalidCase("device with bad type", ["linux.devices", "/dev/weird", "x"]) { s in
    editLinux(&s) { $0.devices = [Spec.Device(type: "x", path: "/dev/weird", major: 1, minor: 1)] }
  },
  InvalidCase("device with relative path", ["linux.devices", "dev/fuse"]) { s in
    editLinux(&s) { $0.devices = [Spec.Device(type: "c", path: "dev/fuse", major: 10, minor: 229)] }
  },
  InvalidCase("char device without numbers", ["linux.devices", "/dev/fuse", "major"]) { s in
    editLinux(&s) { $0.devices = [Spec.Device(type: "c", path: "/dev/fuse")] }
  },
  InvalidCase("net sysctl without network ns", ["linux.sysctl", "net.ipv4.ip_forward", "network namespace"]) { s in
    editLinux(&s) {
      $0.namespaces?.removeAll { $0.type == "network" }
      $0.sysctl = ["net.ipv4.ip_forward": "1"]
    }
  },
  InvalidCase("ipc sysctl without ipc ns", ["linux.sysctl", "kernel.shmmax", "ipc namespace"]) { s in
    editLinux(&s) {
      $0.namespaces?.removeAll { $0.type == "ipc" }
      $0.sysctl = ["kernel.shmmax": "1"]
    }
  },
  InvalidCase("hostname sysctl without uts ns", ["linux.sysctl", "kernel.hostname", "uts namespace"]) { s in
    editLinux(&s) {
      $0.namespaces?.removeAll { $0.type == "uts" }
      $0.sysctl = ["kernel.hostname": "x"]
    }
  },
  InvalidCase("non-namespaced sysctl", ["linux.sysctl", "kernel.panic", "not namespaced"]) { s in
    editLinux(&s) { $0.sysctl = ["kernel.panic": "1"] }
  },
  InvalidCase("unknown sysctl", ["linux.sysctl", "dev.cdrom.autoclose"]) { s in
    editLinux(&s) { $0.sysctl = ["dev.cdrom.autoclose": "0"] }
  },
  InvalidCase("seccomp unknown default action", ["linux.seccomp.defaultAction", "SCMP_ACT_BOGUS"]) { s in
    withSeccomp(&s, Spec.Seccomp(defaultAction: "SCMP_ACT_BOGUS"))
  },
  InvalidCase("seccomp unknown rule action", ["linux.seccomp.syscalls", "SCMP_ACT_MAYBE"]) { s in
    withSeccomp(&s, Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["read"], action: "SCMP_ACT_MAYBE")]))
  },
  InvalidCase("seccomp unknown operator", ["linux.seccomp.syscalls", "SCMP_CMP_SOMETIMES"]) { s in
    let arg = Spec.Seccomp.Arg(index: 0, value: 1, op: "SCMP_CMP_SOMETIMES")
    withSeccomp(&s, Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["read"], action: "SCMP_ACT_ERRNO", args: [arg])]))
  },
  InvalidCase("seccomp argument index above 5", ["linux.seccomp.syscalls", "6"]) { s in
    let arg = Spec.Seccomp.Arg(index: 6, value: 1, op: "SCMP_CMP_EQ")
    withSeccomp(&s, Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["read"], action: "SCMP_ACT_ERRNO", args: [arg])]))
  },
  InvalidCase("seccomp unknown flag", ["linux.seccomp.flags", "SECCOMP_FILTER_FLAG_BOGUS"]) { s in
    var seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW")
    seccomp.flags = ["SECCOMP_FILTER_FLAG_BOGUS"]
    withSeccomp(&s, seccomp)
  },
  InvalidCase("seccomp NOTIFY without listenerPath", ["linux.seccomp", "listenerPath"]) { s in
    withSeccomp(&s, Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [.init(names: ["mount"], action: "SCMP_ACT_NOTIFY")]))
  },
  InvalidCase("seccomp default NOTIFY with empty listenerPath", ["linux.seccomp", "listenerPath"]) { s in
    var seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_NOTIFY")
    seccomp.listenerPath = ""
    withSeccomp(&s, seccomp)
  },
  InvalidCase("resources device rule with bad type", ["linux.resources.devices", "z"]) { s in
    editLinux(&s) { $0.resources?.devices = [Resources.DeviceRule(allow: true, type: "z")] }
  },
  InvalidCase("hook with relative path", ["hooks.poststart", "bin/hook", "absolute"]) { s in
    var hooks = Spec.Hooks()
    hooks.poststart = [Spec.Hook(path: "bin/hook")]
    s.hooks = hooks
  },
  InvalidCase("hook with zero timeout", ["hooks.createRuntime", "timeout"]) { s in
    var hooks = Spec.Hooks()
    hooks.createRuntime = [Spec.Hook(path: "/bin/hook", timeout: 0)]
    s.hooks = hooks
  },
]

@Suite struct SpecValidationTests {
  @Test func templateIsValid() throws {
    try Spec.template().validate()
  }

  @Test(arguments: invalidCases)
  func rejects(_ invalid: InvalidCase) throws {
    var spec = Spec.template()
    invalid.mutate(&spec)
    let error = try #require(throws: BerthError.self) { try spec.validate() }
    #expect(error.code == .invalidArgument)
    for text in invalid.mentions {
      #expect(error.message.contains(text), "\"\(error.message)\" should mention \(text)")
    }
  }

  @Test func processIsOptionalForCreate() throws {
    var spec = Spec.template()
    spec.process = nil
    try spec.validate(requireProcess: false)
  }

  @Test(arguments: ["1.0.0", "1.2.0", "1.0.2-dev", "1.3.0-rc.1", "1.10.20"])
  func acceptsVersions(_ version: String) throws {
    var spec = Spec.template()
    spec.ociVersion = version
    try spec.validate()
  }

  @Test func acceptsWhatTheRulesAllow() throws {
    var spec = Spec.template()
    var hooks = Spec.Hooks()
    hooks.prestart = [Spec.Hook(path: "/bin/true", timeout: 3)]
    spec.hooks = hooks
    var linux = try #require(spec.linux)
    linux.namespaces?.append(Spec.Namespace(type: "user", path: "/proc/42/ns/user"))
    linux.uidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    linux.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmax": "1", "fs.mqueue.msg_max": "10", "kernel.domainname": "x"]
    linux.rootfsPropagation = ""
    linux.devices = [Spec.Device(type: "p", path: "/dev/fifo")]
    var seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_NOTIFY")
    seccomp.listenerPath = "/run/seccomp.sock"
    linux.seccomp = seccomp
    spec.linux = linux
    try spec.validate()
  }
}
