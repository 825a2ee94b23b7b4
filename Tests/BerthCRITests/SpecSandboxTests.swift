import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: the pod's infra container, and specs as JSON")
struct SpecSandboxTests {
  typealias F = SpecFixtures

  static func input(
    image: ImageConfig = F.image(user: "65535:65535", env: ["PATH=/"], entrypoint: ["/pause"], cmd: nil),
    config: Runtime_V1_PodSandboxConfig = F.sandbox(), environment: SandboxEnvironment = F.environment(),
    floor: Int = 0
  ) -> SandboxSpecInput {
    SandboxSpecInput(
      podID: "pod1", config: config, image: image, imageName: "registry.k8s.io/pause:3.9",
      rootfs: "/var/lib/berth/pods/pod1/rootfs", environment: environment, oomScoreAdjFloor: floor)
  }

  @Test("the infra runs the pause image as its user, read-only, without privileges")
  func basics() throws {
    let spec = try SandboxSpec.build(Self.input())
    let process = try #require(spec.process)
    #expect(process.args == ["/pause"] && process.user == Spec.User(uid: 65535, gid: 65535, additionalGids: [65535]))
    #expect(process.env == ["PATH=/"] && process.cwd == "/" && process.noNewPrivileges == true)
    #expect(process.capabilities == Spec.Capabilities(bounding: [], effective: [], permitted: []))
    #expect(process.oomScoreAdj == 0)
    #expect(spec.root == Spec.Root(path: "/var/lib/berth/pods/pod1/rootfs", readonly: true))
    #expect(spec.hostname == "pod-host")
    #expect(spec.linux?.cgroupsPath == "/kubepods/besteffort/podabc/pod1")
    #expect(spec.linux?.resources?.cpu?.shares == 2)
    #expect(spec.linux?.maskedPaths == Spec.defaultMaskedPaths && spec.linux?.seccomp == nil)
    #expect(spec.mounts?.last == Spec.Mount(
      destination: "/dev/shm", type: "bind", source: "/run/berth/pods/pod1/shm",
      options: ["rbind", "rprivate", "nosuid", "nodev", "noexec", "rw"]))
    #expect(spec.annotations?[CRIAnnotations.containerType] == "sandbox")
    #expect(spec.annotations?[CRIAnnotations.sandboxLogDirectory] == "/var/log/pods/default_web_uid-1")
    #expect(spec.annotations?[CRIAnnotations.sandboxID] == "pod1")
  }

  @Test(
    "the infra's command: Entrypoint then Cmd, else /pause",
    arguments: [(["/pause"], nil, ["/pause"]), (nil, nil, ["/pause"]), (nil, ["/bin/sleep", "inf"], ["/bin/sleep", "inf"]),
                (["/e"], ["-v"], ["/e", "-v"]), ([""], nil, ["/pause"])] as [([String]?, [String]?, [String])])
  func command(entrypoint: [String]?, cmd: [String]?, expected: [String]) throws {
    let spec = try SandboxSpec.build(Self.input(image: F.image(entrypoint: entrypoint, cmd: cmd)))
    #expect(spec.process?.args == expected)
  }

  @Test(
    "the infra's oomScoreAdj is -998 raised to the floor",
    arguments: [(0, 0), (-999, -998), (-1000, -998), (-500, -500), (200, 200)])
  func oom(floor: Int, expected: Int) throws {
    #expect(try SandboxSpec.build(Self.input(floor: floor)).process?.oomScoreAdj == expected)
  }

  @Test(
    "the infra joins the pinned namespaces and owns a new PID namespace",
    arguments: [
      (false, false, false, ["mount": "new", "network": "/run/berth/netns/pod1", "uts": "/run/berth/utsns/pod1",
                             "ipc": "/run/berth/ipcns/pod1", "pid": "new"]),
      (true, true, true, ["mount": "new"]),
      (false, false, true, ["mount": "new", "network": "/run/berth/netns/pod1", "uts": "/run/berth/utsns/pod1",
                            "ipc": "/run/berth/ipcns/pod1"]),
    ] as [(Bool, Bool, Bool, [String: String])])
  func namespaces(hostNetwork: Bool, hostIPC: Bool, hostPID: Bool, expected: [String: String]) throws {
    let environment = F.environment(hostNetwork: hostNetwork, hostIPC: hostIPC, hostPID: hostPID)
    let spec = try SandboxSpec.build(Self.input(environment: environment))
    #expect(SpecLinuxTests.namespaces(spec) == expected)
    if hostIPC { #expect(spec.mounts?.last?.source == "/run/berth/pods/pod1/shm") }
  }

  @Test("the sandbox security context sets the infra's user, seccomp and privileges; sysctls apply")
  func securityContext() throws {
    var config = F.sandbox(privileged: true)
    config.linux.securityContext.runAsUser = F.int64(0)
    config.linux.securityContext.seccompProfilePath = "runtime/default"
    config.linux.sysctls = ["net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"]
    let spec = try SandboxSpec.build(Self.input(config: config))
    #expect(spec.process?.user.uid == 0 && spec.process?.user.gid == 0)
    #expect(spec.process?.capabilities?.bounding == Capability.names)
    #expect(spec.linux?.seccomp == nil && spec.linux?.maskedPaths == nil)
    #expect(spec.linux?.sysctl == ["net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"])
    config.linux.securityContext.privileged = false
    let confined = try SandboxSpec.build(Self.input(config: config))
    #expect(confined.linux?.seccomp == DefaultSeccomp.profile(capabilities: []))
  }

  @Test(
    "bad sandbox requests are refused",
    arguments: [
      ({ @Sendable (c: inout Runtime_V1_PodSandboxConfig) in c.linux.securityContext.runAsGroup = F.int64(1) }, "run_as_group"),
      ({ c in c.linux.sysctls = ["vm.overcommit_memory": "1"] }, "vm.overcommit_memory"),
      ({ c in c.linux.securityContext.seccompProfilePath = "my-profile" }, "seccomp_profile_path"),
      ({ c in c.linux.securityContext.namespaceOptions.usernsOptions.mode = .pod }, "user namespaces"),
    ] as [(@Sendable (inout Runtime_V1_PodSandboxConfig) -> Void, String)])
  func refused(_ edit: @Sendable (inout Runtime_V1_PodSandboxConfig) -> Void, needle: String) {
    var config = F.sandbox()
    edit(&config)
    let error = F.error { try SandboxSpec.build(Self.input(config: config)) }
    #expect(error?.message.contains(needle) == true, "\(error?.message ?? "no error")")
  }

  @Test("a pod with its own network namespace but no path for it is a bug, not a request error")
  func missingNetworkPath() {
    var environment = F.environment()
    environment.namespacePaths["network"] = nil
    #expect(F.error { try SandboxSpec.build(Self.input(environment: environment)) }?.code == .internalError)
  }

  @Test("container and sandbox specs pass validation and survive a JSON round trip")
  func json() throws {
    var sandbox = F.sandbox(privileged: true)
    sandbox.linux.sysctls = ["net.core.somaxconn": "1024"]
    var input = F.input(sandbox: sandbox) { config in
      config.tty = true
      config.mounts = [SpecMountTests.mount("/data", "/data", readonly: true, propagation: .propagationHostToContainer)]
      config.envs = [F.keyValue("K", "v \"quoted\" ü")]
      config.linux.resources.memoryLimitInBytes = 1 << 30
      config.linux.securityContext.seccompProfilePath = "runtime/default"
      config.linux.securityContext.capabilities.addCapabilities = ["NET_ADMIN"]
    }
    input.targetPIDNamespacePath = nil
    let specs = [try ContainerSpec.build(input), try SandboxSpec.build(Self.input(config: sandbox))]
    for spec in specs {
      try spec.validate()
      let bytes = try JSON.encode(spec)
      let decoded = try JSON.decode(Spec.self, from: bytes)
      #expect(decoded == spec)
    }
    #expect(specs[0].linux?.seccomp?.syscalls?.isEmpty == false)
  }
}
