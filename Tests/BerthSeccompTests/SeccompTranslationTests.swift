import BerthError
import BerthOCI
import CLibseccomp
import Glibc
import Testing

@testable import BerthSeccomp

@Suite("seccomp name translation")
struct SeccompTranslationTests {
  @Test(arguments: [
    ("SCMP_ACT_KILL", nil, UInt32(0x0000_0000)),
    ("SCMP_ACT_KILL_THREAD", nil, 0x0000_0000),
    ("SCMP_ACT_KILL_PROCESS", nil, 0x8000_0000),
    ("SCMP_ACT_TRAP", nil, 0x0003_0000),
    ("SCMP_ACT_ERRNO", nil, 0x0005_0001),  // EPERM
    ("SCMP_ACT_ERRNO", 38, 0x0005_0026),  // ENOSYS
    ("SCMP_ACT_TRACE", nil, 0x7ff0_0001),
    ("SCMP_ACT_TRACE", 7, 0x7ff0_0007),
    ("SCMP_ACT_ALLOW", nil, 0x7fff_0000),
    ("SCMP_ACT_LOG", nil, 0x7ffc_0000),
  ] as [(String, UInt32?, UInt32)])
  func action(name: String, errnoRet: UInt32?, expected: UInt32) throws {
    #expect(try Seccomp.action(name, errnoRet: errnoRet) == expected)
  }

  @Test func actionMacrosMatchHeaderConstants() throws {
    #expect(try Seccomp.action("SCMP_ACT_KILL", errnoRet: nil) == SCMP_ACT_KILL)
    #expect(try Seccomp.action("SCMP_ACT_ALLOW", errnoRet: nil) == SCMP_ACT_ALLOW)
    #expect(Seccomp.actErrno(0x1_0005) == 0x0005_0005)
  }

  @Test func notifyIsUnsupported() {
    let error = #expect(throws: BerthError.self) { try Seccomp.action("SCMP_ACT_NOTIFY", errnoRet: nil) }
    #expect(error?.code == .unsupported)
    #expect(error?.message == "seccomp notify (SCMP_ACT_NOTIFY with listenerPath) is not supported")
  }

  @Test(arguments: ["SCMP_ACT_NOPE", "allow", ""])
  func unknownActionIsInvalid(name: String) {
    let error = #expect(throws: BerthError.self) { try Seccomp.action(name, errnoRet: nil) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "seccomp: unknown action \(name)")
  }

  @Test func errnoOutOfRangeIsInvalid() {
    let error = #expect(throws: BerthError.self) { try Seccomp.action("SCMP_ACT_ERRNO", errnoRet: 70000) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("70000") == true)
  }

  @Test(arguments: [
    ("SCMP_CMP_NE", SCMP_CMP_NE), ("SCMP_CMP_LT", SCMP_CMP_LT), ("SCMP_CMP_LE", SCMP_CMP_LE),
    ("SCMP_CMP_EQ", SCMP_CMP_EQ), ("SCMP_CMP_GE", SCMP_CMP_GE), ("SCMP_CMP_GT", SCMP_CMP_GT),
    ("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ),
  ] as [(String, scmp_compare)])
  func comparison(name: String, expected: scmp_compare) throws {
    #expect(try Seccomp.comparison(name) == expected)
  }

  @Test func unknownOperatorIsInvalid() {
    let error = #expect(throws: BerthError.self) { try Seccomp.comparison("SCMP_CMP_XOR") }
    #expect(error?.message == "seccomp: unknown operator SCMP_CMP_XOR")
  }

  @Test(arguments: [
    ("SCMP_ARCH_X86_64", "x86_64"), ("SCMP_ARCH_X86", "x86"), ("SCMP_ARCH_X32", "x32"),
    ("SCMP_ARCH_AARCH64", "aarch64"), ("SCMP_ARCH_ARM", "arm"), ("SCMP_ARCH_PPC64LE", "ppc64le"),
    ("SCMP_ARCH_S390X", "s390x"), ("SCMP_ARCH_RISCV64", "riscv64"), ("SCMP_ARCH_MIPSEL64N32", "mipsel64n32"),
  ])
  func architecture(name: String, libseccompName: String) throws {
    let token = try Seccomp.architecture(name)
    #expect(token != 0)
    #expect(token == seccomp_arch_resolve_name(libseccompName))
  }

  @Test(arguments: ["SCMP_ARCH_VAX", "x86_64", "SCMP_ARCH_", "SCMP_ARCH_NATIVE"])
  func unknownArchitectureIsInvalid(name: String) {
    let error = #expect(throws: BerthError.self) { try Seccomp.architecture(name) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "seccomp: unknown architecture \(name)")
  }

  @Test(arguments: [
    ("SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC), ("SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG),
    ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB),
  ] as [(String, scmp_filter_attr)])
  func flag(name: String, expected: scmp_filter_attr) throws {
    #expect(try Seccomp.attribute(forFlag: name) == expected)
  }

  @Test func waitKillableRecvIsUnsupported() {
    let error = #expect(throws: BerthError.self) {
      try Seccomp.attribute(forFlag: "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
    }
    #expect(error?.code == .unsupported)
    #expect(error?.message.contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == true)
  }

  @Test func unknownFlagIsInvalid() {
    let error = #expect(throws: BerthError.self) { try Seccomp.attribute(forFlag: "SECCOMP_FILTER_FLAG_NOPE") }
    #expect(error?.code == .invalidArgument)
  }

  @Test func featureTables() {
    #expect(!Seccomp.supportedActions.contains("SCMP_ACT_NOTIFY"))
    #expect(Seccomp.supportedActions.count == Known.seccompActions.count - 1)
    #expect(Seccomp.supportedOperators.count == 7)
    #expect(Seccomp.supportedArchitectures.contains("SCMP_ARCH_X86_64"))
    #expect(Seccomp.supportedArchitectures.contains("SCMP_ARCH_AARCH64"))
    #expect(Seccomp.knownFlags == Known.seccompFlags)
    #expect(Seccomp.supportedFlags == [
      "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    ])
    for name in Seccomp.supportedArchitectures { #expect((try? Seccomp.architecture(name)) != nil) }
  }
}
