import BerthCRIProto
import BerthError
import BerthOCI
import Foundation
import Testing

@testable import BerthCRI

@Suite("Spec: seccomp")
struct SpecSeccompTests {
  typealias F = SpecFixtures

  enum Expect: Sendable, Equatable { case unconfined, runtimeDefault, blockChmod, error(String) }

  static let blockChmod = Spec.Seccomp(
    defaultAction: "SCMP_ACT_ALLOW", syscalls: [Spec.Seccomp.Syscall(names: ["chmod"], action: "SCMP_ACT_ERRNO")])

  static func profile(_ type: Runtime_V1_SecurityProfile.ProfileType, _ ref: String = "") -> Runtime_V1_SecurityProfile {
    var profile = Runtime_V1_SecurityProfile()
    profile.profileType = type
    profile.localhostRef = ref
    return profile
  }

  @Test(
    "the seccomp message wins; else seccomp_profile_path, where empty is unconfined",
    arguments: [
      (nil, "", Expect.unconfined), (nil, "unconfined", .unconfined), (nil, "runtime/default", .runtimeDefault),
      (nil, "docker/default", .runtimeDefault), (nil, "localhost//etc/berth/seccomp/block-chmod.json", .blockChmod),
      (nil, "/etc/berth/seccomp/block-chmod.json", .error("seccomp_profile_path")),
      (nil, "localhost/", .error("seccomp_profile_path")),
      (profile(.unconfined), "runtime/default", .unconfined), (profile(.runtimeDefault), "", .runtimeDefault),
      (profile(.localhost, "/etc/berth/seccomp/block-chmod.json"), "", .blockChmod),
      (profile(.localhost, "localhost//etc/berth/seccomp/block-chmod.json"), "", .blockChmod),
      (profile(.localhost, "/etc/berth/seccomp/missing.json"), "", .error("cannot read")),
      (profile(.localhost, "/etc/berth/seccomp/garbage.json"), "", .error("not an OCI seccomp profile")),
      (profile(.localhost), "", .error("needs localhost_ref")),
      (profile(.runtimeDefault, "/x.json"), "", .error("only be set with profile_type Localhost")),
      (profile(.localhost, "block-chmod.json"), "", .error("absolute")),
      (profile(.UNRECOGNIZED(7)), "", .error("unknown profile_type")),
    ] as [(Runtime_V1_SecurityProfile?, String, Expect)])
  func choice(_ message: Runtime_V1_SecurityProfile?, path: String, expected: Expect) {
    let result = Result {
      try F.build { config in
        if let message { config.linux.securityContext.seccomp = message }
        config.linux.securityContext.seccompProfilePath = path
      }
    }
    switch (result, expected) {
    case (.success(let spec), .unconfined): #expect(spec.linux?.seccomp == nil)
    case (.success(let spec), .runtimeDefault): #expect(spec.linux?.seccomp == DefaultSeccomp.profile)
    case (.success(let spec), .blockChmod): #expect(spec.linux?.seccomp == Self.blockChmod)
    case (.failure(let error as BerthError), .error(let needle)):
      #expect(error.code == .invalidArgument && error.message.contains(needle), "\(error.message)")
    default: Issue.record("expected \(expected), got \(result)")
    }
  }

  @Test("relative Localhost profiles are read under seccompProfileRoot")
  func profileRoot() throws {
    var input = F.input { $0.linux.securityContext.seccomp = Self.profile(.localhost, "block-chmod.json") }
    input.seccompProfileRoot = "/etc/berth/seccomp"
    #expect(try ContainerSpec.build(input).linux?.seccomp == Self.blockChmod)
  }

  @Test("RuntimeDefault follows the container's capabilities: SYS_ADMIN unlocks sethostname, mount and namespaces")
  func capabilityRules() throws {
    let plain = try #require(try F.build { $0.linux.securityContext.seccompProfilePath = "runtime/default" }.linux?.seccomp)
    let admin = try #require(
      try F.build { config in
        config.linux.securityContext.seccompProfilePath = "runtime/default"
        config.linux.securityContext.capabilities.addCapabilities = ["SYS_ADMIN"]
      }.linux?.seccomp)
    let plainAllowed = Set(plain.syscalls?.first?.names ?? [])
    let adminAllowed = Set(admin.syscalls?.first?.names ?? [])
    for name in ["sethostname", "mount", "unshare", "setns", "clone", "clone3"] {
      #expect(!plainAllowed.contains(name) && adminAllowed.contains(name), "\(name)")
    }
    #expect(plain.syscalls?.contains { $0.names == ["clone3"] && $0.errnoRet == 38 } == true)
    #expect(plain.syscalls?.contains { $0.names == ["clone"] && $0.args?.first?.op == "SCMP_CMP_MASKED_EQ" } == true)
    #expect(admin.syscalls?.contains { $0.names == ["clone3"] || $0.names == ["clone"] } == false)
  }

  @Test("the default profile denies by EPERM, covers this host's architectures and leaves the dangerous syscalls out")
  func defaultProfile() throws {
    let profile = DefaultSeccomp.profile
    #expect(profile.defaultAction == "SCMP_ACT_ERRNO" && profile.defaultErrnoRet == 1)
    #if arch(x86_64)
      #expect(profile.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    #endif
    let allowed = Set(profile.syscalls?.filter { $0.action == "SCMP_ACT_ALLOW" && $0.args == nil }.flatMap(\.names) ?? [])
    for name in ["read", "write", "openat", "execve", "futex", "socket", "chroot", "ptrace"] {
      #expect(allowed.contains(name), "\(name)")
    }
    for name in [
      "kexec_load", "kexec_file_load", "init_module", "finit_module", "mount", "umount2", "unshare", "setns", "keyctl",
      "add_key", "request_key", "userfaultfd", "bpf", "perf_event_open", "reboot", "swapon", "open_by_handle_at",
      "sethostname", "io_uring_setup", "clone", "personality", "syslog", "settimeofday",
    ] {
      #expect(!allowed.contains(name), "\(name)")
    }
    let personas = profile.syscalls?.filter { $0.names == ["personality"] }.compactMap { $0.args?.first?.value }
    #expect(personas == [0, 8, 0x20000, 0x20008, 0xffff_ffff])
    var spec = try F.build()
    spec.linux?.seccomp = profile
    try spec.validate()
  }

  @Test(
    "every syscall name of the default profile is one libseccomp knows (libseccomp-dev's header)",
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/seccomp-syscalls.h")))
  func namesAreSyscalls() throws {
    let header = try String(contentsOfFile: "/usr/include/seccomp-syscalls.h", encoding: .utf8)
    var known = Set<String>()
    for line in header.split(separator: "\n") where line.hasPrefix("#define __SNR_") {
      let name = line.dropFirst("#define __SNR_".count).prefix { !$0.isWhitespace }
      known.insert(String(name))
    }
    #expect(known.count > 300)
    let names = DefaultSeccomp.groups.flatMap(\.names) + DefaultSeccomp.capabilityGroups.flatMap(\.names)
      + ["personality", "clone", "clone3"]
    let unknown = names.filter { !known.contains($0) }
    #expect(unknown.isEmpty, "unknown to libseccomp: \(unknown)")
    let base = DefaultSeccomp.groups.flatMap(\.names)
    #expect(Set(base).count == base.count, "a syscall is listed twice in the base groups")
  }

  @Test("every capability a group names is a real capability")
  func groupCapabilities() {
    for (capability, _) in DefaultSeccomp.capabilityGroups {
      #expect(Capability.number(of: capability) != nil, "\(capability)")
    }
  }
}
