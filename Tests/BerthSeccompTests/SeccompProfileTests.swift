import BerthError
import BerthOCI
import Glibc
import Testing

@testable import BerthSeccomp

/// Compiles profiles and inspects libseccomp's output. Never calls `load()`: that would filter the
/// test runner itself; loading is covered by the runtime's integration tests.
@Suite("seccomp profile compilation")
struct SeccompProfileTests {
  typealias Rule = Spec.Seccomp.Syscall
  typealias Arg = Spec.Seccomp.Arg

  /// A small profile in the shape of Docker's default: deny by errno, allow a list, arg rules.
  func sample(denyMkdir: Bool = true) -> Spec.Seccomp {
    var spec = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        Rule(names: ["read", "write", "exit_group"], action: "SCMP_ACT_ALLOW"),
        Rule(names: ["personality"], action: "SCMP_ACT_ALLOW", args: [Arg(index: 0, value: 8, op: "SCMP_CMP_EQ")]),
        Rule(names: ["chmod"], action: "SCMP_ACT_KILL_PROCESS"),
      ])
    if denyMkdir { spec.syscalls?.append(Rule(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13)) }
    spec.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"]
    return spec
  }

  func pfc(_ spec: Spec.Seccomp) throws -> String { try SeccompProfile(spec).exportPFC() }

  /// Translates and drops a profile, for tests that expect the translation to fail.
  func compile(_ spec: Spec.Seccomp) throws { _ = try SeccompProfile(spec) }

  /// The number of times `needle` occurs in `text`.
  func count(_ needle: String, in text: String) -> Int { text.split(separator: needle, omittingEmptySubsequences: false).count - 1 }

  @Test func sampleCompilesToBPF() throws {
    let bpf = try SeccompProfile(sample()).exportBPF()
    #expect(!bpf.isEmpty)
    #expect(bpf.count % 8 == 0)  // struct sock_filter is 8 bytes
  }

  @Test func bpfChangesWithARule() throws {
    let with = try SeccompProfile(sample()).exportBPF()
    let without = try SeccompProfile(sample(denyMkdir: false)).exportBPF()
    #expect(with != without)
    #expect(try SeccompProfile(sample()).exportBPF() == with)  // deterministic
  }

  @Test func pfcNamesSyscallsActionsAndArchitectures() throws {
    let text = try pfc(sample())
    for name in ["read", "write", "exit_group", "personality", "chmod", "mkdir"] {
      #expect(text.contains("filter for syscall \"\(name)\""), "\(name) missing")
    }
    #expect(text.contains("action ERRNO(13);"))
    #expect(text.contains("action KILL_PROCESS;"))
    #expect(text.contains("action ALLOW;"))
    #expect(text.contains("== 8)"))  // personality(8)
    for arch in ["x86_64", "x86", "aarch64"] { #expect(text.contains("filter for arch \(arch) (")) }
  }

  @Test func defaultErrnoIsEPERMUnlessDefaultErrnoRetIsSet() throws {
    var spec = Spec.Seccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [Rule(names: ["read"], action: "SCMP_ACT_ALLOW")])
    #expect(try pfc(spec).contains("action ERRNO(\(EPERM));"))
    spec.defaultErrnoRet = UInt32(ENOSYS)
    let text = try pfc(spec)
    #expect(text.contains("action ERRNO(\(ENOSYS));"))
    #expect(!text.contains("action ERRNO(\(EPERM));"))
  }

  @Test func ruleErrnoDefaultsToEPERMAndIgnoresDefaultErrnoRet() throws {
    var spec = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [Rule(names: ["mkdir"], action: "SCMP_ACT_ERRNO")])
    spec.defaultErrnoRet = 99
    #expect(try pfc(spec).contains("action ERRNO(\(EPERM));"))
  }

  @Test(arguments: [
    ("SCMP_ACT_TRAP", "action TRAP;"), ("SCMP_ACT_LOG", "action LOG;"), ("SCMP_ACT_TRACE", "action TRACE(1);"),
    ("SCMP_ACT_KILL", "action KILL;"), ("SCMP_ACT_KILL_THREAD", "action KILL;"),
  ])
  func ruleAction(action: String, expected: String) throws {
    let spec = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [Rule(names: ["mkdir"], action: action)])
    #expect(try pfc(spec).contains(expected))
  }

  @Test func unknownSyscallNamesAreSkipped() throws {
    let known = Spec.Seccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: [Rule(names: ["read"], action: "SCMP_ACT_ALLOW")])
    let mixed = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        Rule(names: ["no_such_syscall", "read", "also_not_a_syscall"], action: "SCMP_ACT_ALLOW"),
        Rule(names: ["not_one_either"], action: "SCMP_ACT_KILL"),
      ])
    let text = try pfc(mixed)
    #expect(text == (try pfc(known)))
    #expect(!text.contains("no_such_syscall"))
  }

  @Test func ruleWithTheDefaultActionIsSkipped() throws {
    let spec = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [
        Rule(names: ["mkdir"], action: "SCMP_ACT_ERRNO"),  // same as the default: skipped
        Rule(names: ["rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 2),  // differs by errno: kept
      ])
    let text = try pfc(spec)
    #expect(!text.contains("\"mkdir\""))
    #expect(text.contains("\"rmdir\""))
  }

  @Test func sameIndexConditionsSplitIntoSeveralRules() throws {
    func profile(_ args: [Arg]) throws -> SeccompProfile {
      try SeccompProfile(Spec.Seccomp(
        defaultAction: "SCMP_ACT_ERRNO", syscalls: [Rule(names: ["personality"], action: "SCMP_ACT_ALLOW", args: args)]))
    }
    let first = Arg(index: 0, value: 0x1111, op: "SCMP_CMP_EQ")
    let second = Arg(index: 0, value: 0x2222, op: "SCMP_CMP_EQ")
    let other = Arg(index: 1, value: 0x3333, op: "SCMP_CMP_EQ")
    let one = try profile([first, other])
    let split = try profile([first, other, second])
    let text = try split.exportPFC()
    // PFC prints values in decimal: 0x1111 = 4369, 0x2222 = 8738, 0x3333 = 13107.
    #expect(text.contains("== 4369)") && text.contains("== 8738)"))
    #expect(count("== 13107)", in: text) == 2)  // the other index is ANDed into both rules
    #expect(count("action ALLOW;", in: text) == 2 * count("action ALLOW;", in: try one.exportPFC()))
    #expect(try split.exportBPF().count > (try one.exportBPF().count))
  }

  @Test func maskedEqualReachesTheFilter() throws {
    let spec = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [
        Rule(names: ["clone"], action: "SCMP_ACT_ERRNO", args: [
          Arg(index: 0, value: 0x7e02_0000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")
        ])
      ])
    let text = try pfc(spec)
    #expect(text.contains("& 0x7e020000"))
  }

  @Test func notifyIsUnsupported() {
    var spec = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [Rule(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")])
    spec.listenerPath = "/run/agent.sock"
    let error = #expect(throws: BerthError.self) { try compile(spec) }
    #expect(error?.code == .unsupported)
    let defaultNotify = #expect(throws: BerthError.self) { try compile(Spec.Seccomp(defaultAction: "SCMP_ACT_NOTIFY")) }
    #expect(defaultNotify?.code == .unsupported)
  }

  @Test func badArchitectureIsInvalid() {
    var spec = sample()
    spec.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11"]
    let error = #expect(throws: BerthError.self) { try compile(spec) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "seccomp: unknown architecture SCMP_ARCH_PDP11")
  }

  @Test func badOperatorIsInvalidEvenInASkippedRule() {
    let spec = Spec.Seccomp(
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [Rule(names: ["read"], action: "SCMP_ACT_ALLOW", args: [Arg(index: 0, value: 1, op: "SCMP_CMP_SOMETIMES")])])
    let error = #expect(throws: BerthError.self) { try compile(spec) }
    #expect(error?.code == .invalidArgument)
  }

  @Test(arguments: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"])
  func supportedFlagCompiles(flag: String) throws {
    var spec = sample()
    spec.flags = [flag]
    #expect(try !SeccompProfile(spec).exportBPF().isEmpty)
  }

  @Test func waitKillableRecvFlagIsUnsupported() {
    var spec = sample()
    spec.flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    let error = #expect(throws: BerthError.self) { try compile(spec) }
    #expect(error?.code == .unsupported)
  }

  @Test func emptyProfileCompiles() throws {
    let text = try pfc(Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW"))
    #expect(text.contains("action ALLOW;"))
  }
}
