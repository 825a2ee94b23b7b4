import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: namespaces, cgroups, resources, devices, sysctls")
struct SpecLinuxTests {
  typealias F = SpecFixtures

  static func namespaces(_ spec: Spec) -> [String: String] {
    Dictionary(uniqueKeysWithValues: (spec.linux?.namespaces ?? []).map { ($0.type, $0.path ?? "new") })
  }

  @Test(
    "the PID namespace follows namespace_options.pid",
    arguments: [
      (Runtime_V1_NamespaceMode.container, false, false, "new"), (.pod, true, false, "/proc/4242/ns/pid"),
      (.pod, false, true, nil), (.node, false, false, nil), (.target, false, false, "/proc/77/ns/pid"),
    ] as [(Runtime_V1_NamespaceMode, Bool, Bool, String?)])
  func pid(_ mode: Runtime_V1_NamespaceMode, shared: Bool, hostPID: Bool, expected: String?) throws {
    var input = F.input(environment: F.environment(hostPID: hostPID, sharedPID: shared)) { config in
      config.linux.securityContext.namespaceOptions.pid = mode
      config.linux.securityContext.namespaceOptions.targetID = "other"
    }
    input.targetPIDNamespacePath = "/proc/77/ns/pid"
    #expect(Self.namespaces(try ContainerSpec.build(input))["pid"] == expected)
  }

  @Test(
    "PID modes that cannot be honoured are refused",
    arguments: [(Runtime_V1_NamespaceMode.pod, "does not share"), (.target, "no PID namespace"), (.UNRECOGNIZED(9), "unknown")])
  func pidRefused(_ mode: Runtime_V1_NamespaceMode, needle: String) {
    let error = F.error {
      try F.build { config in
        config.linux.securityContext.namespaceOptions.pid = mode
        config.linux.securityContext.namespaceOptions.targetID = "other"
      }
    }
    #expect(error?.code == .invalidArgument && error?.message.contains(needle) == true, "\(error?.message ?? "")")
  }

  @Test(
    "network, UTS and IPC are the pod's pinned namespaces, or the host's",
    arguments: [
      (false, false, ["mount": "new", "network": "/run/berth/netns/pod1", "uts": "/run/berth/utsns/pod1",
                      "ipc": "/run/berth/ipcns/pod1", "pid": "new"]),
      (true, false, ["mount": "new", "ipc": "/run/berth/ipcns/pod1", "pid": "new"]),
      (false, true, ["mount": "new", "network": "/run/berth/netns/pod1", "uts": "/run/berth/utsns/pod1", "pid": "new"]),
      (true, true, ["mount": "new", "pid": "new"]),
    ] as [(Bool, Bool, [String: String])])
  func podNamespaces(hostNetwork: Bool, hostIPC: Bool, expected: [String: String]) throws {
    let spec = try F.build(environment: F.environment(hostNetwork: hostNetwork, hostIPC: hostIPC))
    #expect(Self.namespaces(spec) == expected)
    #expect(spec.hostname == (hostNetwork ? nil : "pod-host"))
  }

  @Test("a cgroup namespace only on cgroup v2, and never for privileged containers")
  func cgroupNamespace() throws {
    var input = F.input()
    input.cgroupV2 = true
    #expect(Self.namespaces(try ContainerSpec.build(input))["cgroup"] == "new")
    input.sandbox = F.sandbox(privileged: true)
    input.config.linux.securityContext.privileged = true
    #expect(Self.namespaces(try ContainerSpec.build(input))["cgroup"] == nil)
    #expect(Self.namespaces(try F.build())["cgroup"] == nil)
  }

  @Test("user namespaces are refused as unsupported; NODE is fine")
  func userNamespace() throws {
    let error = F.error { try F.build { $0.linux.securityContext.namespaceOptions.usernsOptions.mode = .pod } }
    #expect(error?.code == .unsupported)
    _ = try F.build { $0.linux.securityContext.namespaceOptions.usernsOptions.mode = .node }
  }

  @Test("cgroupsPath is <cgroupParent>/<containerID>")
  func cgroupsPath() throws {
    #expect(try F.build().linux?.cgroupsPath == "/kubepods/besteffort/podabc/ctr1")
    var environment = F.environment()
    environment.cgroupParent = "/berth/pod1/"
    #expect(try F.build(environment: environment).linux?.cgroupsPath == "/berth/pod1/ctr1")
  }

  @Test(
    "the cgroup parent is the kubelet's, else /berth/<podID>; systemd slices are refused",
    arguments: [("", "/berth/pod9"), ("/kubepods/burstable/pod1", "/kubepods/burstable/pod1"),
                ("kubepods-besteffort.slice", nil), ("kubepods", nil)] as [(String, String?)])
  func cgroupParent(_ parent: String, expected: String?) {
    var config = Runtime_V1_PodSandboxConfig()
    config.linux.cgroupParent = parent
    #expect((try? SandboxEnvironment.cgroupParent(podID: "pod9", config: config)) == expected)
  }

  @Test("resources map field by field; zero means unset")
  func resources() throws {
    let spec = try F.build { config in
      config.linux.resources.cpuPeriod = 100_000
      config.linux.resources.cpuQuota = 50_000
      config.linux.resources.cpuShares = 512
      config.linux.resources.cpusetCpus = "0-1"
      config.linux.resources.cpusetMems = "0"
      config.linux.resources.memoryLimitInBytes = 15 << 20
      config.linux.resources.memorySwapLimitInBytes = 15 << 20
      var page = Runtime_V1_HugepageLimit()
      page.pageSize = "2MB"
      page.limit = 1 << 21
      config.linux.resources.hugepageLimits = [page]
    }
    let resources = try #require(spec.linux?.resources)
    #expect(resources.cpu == Resources.CPU(shares: 512, quota: 50_000, period: 100_000, cpus: "0-1", mems: "0"))
    #expect(resources.memory == Resources.Memory(limit: 15 << 20, swap: 15 << 20))
    #expect(resources.hugepageLimits == [Resources.HugepageLimit(pageSize: "2MB", limit: 1 << 21)])
    #expect(resources.devices == [Resources.DeviceRule(allow: false, access: "rwm")])
    let empty = try F.build { $0.linux.resources = Runtime_V1_LinuxContainerResources() }
    #expect(empty.linux?.resources?.cpu == nil && empty.linux?.resources?.memory == nil)
    #expect(empty.process?.oomScoreAdj == 0)
  }

  @Test(
    "bad resources are refused naming the field",
    arguments: [
      ("cpu_shares", { @Sendable (r: inout Runtime_V1_LinuxContainerResources) in r.cpuShares = -2 }),
      ("cpu_period", { r in r.cpuPeriod = -1 }),
      ("cpu_quota", { r in r.cpuQuota = -5 }),
      ("memory_limit_in_bytes", { r in r.memoryLimitInBytes = -1 }),
      ("page_size", { r in
        var page = Runtime_V1_HugepageLimit()
        page.pageSize = "2M"
        r.hugepageLimits = [page]
      }),
      ("unified", { r in r.unified = ["memory.high": "1000000"] }),
    ] as [(String, @Sendable (inout Runtime_V1_LinuxContainerResources) -> Void)])
  func badResources(_ needle: String, edit: @Sendable (inout Runtime_V1_LinuxContainerResources) -> Void) {
    let error = F.error { try F.build { edit(&$0.linux.resources) } }
    #expect(error?.code == .invalidArgument && error?.message.contains(needle) == true, "\(error?.message ?? "")")
  }

  @Test("unified resources pass through on cgroup v2")
  func unified() throws {
    var input = F.input { $0.linux.resources.unified = ["memory.high": "1000000"] }
    input.cgroupV2 = true
    #expect(try ContainerSpec.build(input).linux?.resources?.unified == ["memory.high": "1000000"])
  }

  @Test("devices become nodes and allow rules; permissions default to rwm")
  func devices() throws {
    var input = F.input { config in
      var fuse = Runtime_V1_Device()
      fuse.hostPath = "/dev/fuse"
      fuse.containerPath = "/dev/fuse"
      var disk = Runtime_V1_Device()
      disk.hostPath = "/dev/sda"
      disk.containerPath = "/dev/xvda"
      disk.permissions = "r"
      config.devices = [fuse, disk]
    }
    input.statDevice = { path in
      path == "/dev/fuse" ? ("c", 10, 229, 0o20666) : path == "/dev/sda" ? ("b", 8, 0, 0o60660) : nil
    }
    let spec = try ContainerSpec.build(input)
    #expect(
      spec.linux?.devices == [
        Spec.Device(type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 0o666),
        Spec.Device(type: "b", path: "/dev/xvda", major: 8, minor: 0, fileMode: 0o660),
      ])
    #expect(
      spec.linux?.resources?.devices == [
        Resources.DeviceRule(allow: false, access: "rwm"),
        Resources.DeviceRule(allow: true, type: "c", major: 10, minor: 229, access: "rwm"),
        Resources.DeviceRule(allow: true, type: "b", major: 8, minor: 0, access: "r"),
      ])
  }

  @Test(
    "devices that are not device nodes, or bad permissions, are refused",
    arguments: [("/dev/nothing", "", "not a device node"), ("/dev/fuse", "rwx", "permissions"), ("dev/fuse", "", "absolute")])
  func badDevices(_ host: String, permissions: String, needle: String) {
    var input = F.input { config in
      var device = Runtime_V1_Device()
      device.hostPath = host
      device.permissions = permissions
      config.devices = [device]
    }
    input.statDevice = { $0 == "/dev/fuse" ? ("c", 10, 229, 0o666) : nil }
    let error = F.error { try ContainerSpec.build(input) }
    #expect(error?.code == .invalidArgument && error?.message.contains(needle) == true, "\(error?.message ?? "")")
  }

  @Test("CDI devices are refused as unsupported")
  func cdi() {
    var device = Runtime_V1_CDIDevice()
    device.name = "vendor.com/gpu=0"
    #expect(F.error { try F.build { $0.cdiDevices = [device] } }?.code == .unsupported)
  }

  @Test(
    "pod sysctls: only those of a namespace the pod owns",
    arguments: [
      ("net.ipv4.ip_forward", false, false, true), ("net.ipv4.ip_forward", true, false, false),
      ("kernel.shm_rmid_forced", false, false, true), ("kernel.shm_rmid_forced", false, true, false),
      ("kernel.msgmax", false, false, true), ("kernel.sem", false, false, true), ("fs.mqueue.msg_max", false, false, true),
      ("fs.mqueue.msg_max", false, true, false), ("kernel.domainname", false, false, true),
      ("kernel.domainname", true, false, false), ("kernel.hostname", false, false, false),
      ("vm.swappiness", false, false, false), ("kernel.pid_max", false, false, false), ("fs.file-max", false, false, false),
    ] as [(String, Bool, Bool, Bool)])
  func sysctls(_ key: String, hostNetwork: Bool, hostIPC: Bool, allowed: Bool) throws {
    var sandbox = F.sandbox()
    sandbox.linux.sysctls = [key: "1"]
    let result = Result { try F.build(sandbox: sandbox, environment: F.environment(hostNetwork: hostNetwork, hostIPC: hostIPC)) }
    switch result {
    case .success(let spec):
      #expect(allowed && spec.linux?.sysctl == [key: "1"])
    case .failure(let error):
      #expect(!allowed && (error as? BerthError)?.code == .invalidArgument)
      #expect("\(error)".contains(key))
    }
  }
}
