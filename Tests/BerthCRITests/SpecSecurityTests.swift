import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: capabilities, privileged, masked paths, AppArmor")
struct SpecSecurityTests {
  typealias F = SpecFixtures

  static let defaults = Set(SpecCapabilities.defaults)

  @Test(
    "add and drop apply in containerd's order: ALL first, then names; drops win",
    arguments: [
      ([], [], defaults),
      (["NET_ADMIN"], [], defaults.union(["CAP_NET_ADMIN"])),
      (["cap_sys_admin"], ["CHOWN"], defaults.union(["CAP_SYS_ADMIN"]).subtracting(["CAP_CHOWN"])),
      (["ALL"], [], Set(Capability.names)),
      (["ALL"], ["CHOWN", "CAP_KILL"], Set(Capability.names).subtracting(["CAP_CHOWN", "CAP_KILL"])),
      ([], ["ALL"], []),
      (["NET_RAW", "SYS_TIME"], ["ALL"], ["CAP_NET_RAW", "CAP_SYS_TIME"]),
      (["NET_ADMIN"], ["NET_ADMIN"], defaults),
      (["all"], ["all"], []),
    ] as [([String], [String], Set<String>)])
  func addDrop(add: [String], drop: [String], expected: Set<String>) throws {
    let spec = try F.build { config in
      config.linux.securityContext.capabilities.addCapabilities = add
      config.linux.securityContext.capabilities.dropCapabilities = drop
    }
    let caps = try #require(spec.process?.capabilities)
    #expect(Set(caps.bounding ?? []) == expected)
    #expect(caps.effective == caps.bounding && caps.permitted == caps.bounding)
    #expect(caps.ambient == [] && caps.inheritable == [])
  }

  @Test("ambient capabilities go into every set, inheritable and ambient included")
  func ambient() throws {
    let spec = try F.build { config in
      config.linux.securityContext.capabilities.addAmbientCapabilities = ["NET_BIND_SERVICE", "CAP_NET_ADMIN"]
      config.linux.securityContext.capabilities.dropCapabilities = ["ALL"]
    }
    let caps = try #require(spec.process?.capabilities)
    let expected = ["CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"]
    #expect(caps.bounding == expected && caps.ambient == expected && caps.inheritable == expected)
  }

  @Test("an unknown capability is INVALID_ARGUMENT naming it", arguments: ["CAP_FLY", "BOGUS"])
  func unknownCapability(_ name: String) {
    let error = F.error { try F.build { $0.linux.securityContext.capabilities.addCapabilities = [name] } }
    #expect(error?.code == .invalidArgument && error?.message.contains(name) == true)
  }

  @Test("privileged: all caps, no masks, rw sysfs and cgroupfs, all devices, no seccomp")
  func privileged() throws {
    var input = F.input(sandbox: F.sandbox(privileged: true)) { config in
      config.linux.securityContext.privileged = true
      config.linux.securityContext.capabilities.dropCapabilities = ["ALL"]
      config.linux.securityContext.seccomp.profileType = .runtimeDefault
      config.linux.securityContext.maskedPaths = ["/proc/kcore"]
    }
    input.hostDevices = { [Spec.Device(type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 0o666)] }
    let spec = try ContainerSpec.build(input)
    #expect(spec.process?.capabilities?.bounding == Capability.names)
    #expect(spec.linux?.maskedPaths == nil && spec.linux?.readonlyPaths == nil && spec.linux?.seccomp == nil)
    #expect(spec.linux?.resources?.devices == [Resources.DeviceRule(allow: true, type: "a", access: "rwm")])
    #expect(spec.linux?.devices?.map(\.path) == ["/dev/fuse"])
    #expect(spec.mounts?.first { $0.destination == "/sys" }?.options?.contains("rw") == true)
    #expect(spec.mounts?.first { $0.destination == "/sys/fs/cgroup" }?.options?.contains("rw") == true)
  }

  @Test("a privileged container needs a privileged pod")
  func privilegedNeedsPrivilegedPod() {
    let error = F.error { try F.build { $0.linux.securityContext.privileged = true } }
    #expect(error?.code == .invalidArgument && error?.message.contains("privileged") == true)
  }

  @Test(
    "masked and read-only paths: the runtime defaults unless the request lists its own",
    arguments: [
      ([], [], Spec.defaultMaskedPaths, Spec.defaultReadonlyPaths),
      (["/bin/ls"], [], ["/bin/ls"], Spec.defaultReadonlyPaths),
      ([], ["/tmp"], Spec.defaultMaskedPaths, ["/tmp"]),
    ] as [([String], [String], [String], [String])])
  func maskedPaths(masked: [String], readonly: [String], expectedMasked: [String], expectedReadonly: [String]) throws {
    let spec = try F.build { config in
      config.linux.securityContext.maskedPaths = masked
      config.linux.securityContext.readonlyPaths = readonly
    }
    #expect(spec.linux?.maskedPaths == expectedMasked && spec.linux?.readonlyPaths == expectedReadonly)
  }

  @Test(
    "AppArmor: unconfined and runtime default are accepted, a named profile is refused",
    arguments: [
      (nil, "", nil), (Runtime_V1_SecurityProfile.ProfileType.unconfined, "", nil), (.runtimeDefault, "", nil),
      (nil, "runtime/default", nil), (nil, "unconfined", nil),
      (.localhost, "", BerthError.Code.invalidArgument), (nil, "localhost/deny-write", .unsupported),
      (nil, "deny-write", .invalidArgument),
    ] as [(Runtime_V1_SecurityProfile.ProfileType?, String, BerthError.Code?)])
  func apparmor(type: Runtime_V1_SecurityProfile.ProfileType?, name: String, expected: BerthError.Code?) {
    let error = F.error {
      try F.build { config in
        if let type { config.linux.securityContext.apparmor.profileType = type }
        config.linux.securityContext.apparmorProfile = name
      }
    }
    #expect(error?.code == expected, "\(error?.message ?? "")")
  }

  @Test("a Localhost AppArmor profile is refused as unsupported, naming the profile")
  func apparmorLocalhost() {
    let error = F.error {
      try F.build { config in
        config.linux.securityContext.apparmor.profileType = .localhost
        config.linux.securityContext.apparmor.localhostRef = "localhost/deny-write"
      }
    }
    #expect(error?.code == .unsupported && error?.message.contains("deny-write") == true)
  }
}
