import BerthError
import BerthOCI
import CLibseccomp
import Testing

@testable import BerthSeccomp

@Suite("seccomp argument conditions")
struct SeccompConditionTests {
  typealias Arg = Spec.Seccomp.Arg

  /// Each rule rendered as "index op value" strings, for readable comparisons.
  func shape(_ sets: [[scmp_arg_cmp]]) -> [[String]] {
    sets.map { $0.map { "a\($0.arg) \($0.op.rawValue) \($0.datum_a)/\($0.datum_b)" } }
  }

  @Test func noConditionsIsOneRule() throws {
    #expect(shape(try Seccomp.conditionSets([], syscall: "read")) == [[]])
  }

  @Test func distinctIndexesShareOneRule() throws {
    let sets = try Seccomp.conditionSets(
      [Arg(index: 0, value: 1, op: "SCMP_CMP_EQ"), Arg(index: 2, value: 5, op: "SCMP_CMP_GT")], syscall: "x")
    #expect(shape(sets) == [["a0 4 1/0", "a2 6 5/0"]])
  }

  @Test func sameIndexSplitsIntoRulesKeepingOtherIndexes() throws {
    let sets = try Seccomp.conditionSets(
      [
        Arg(index: 0, value: 1, op: "SCMP_CMP_EQ"), Arg(index: 1, value: 3, op: "SCMP_CMP_EQ"),
        Arg(index: 0, value: 2, op: "SCMP_CMP_EQ"),
      ], syscall: "x")
    #expect(shape(sets) == [["a0 4 1/0", "a1 4 3/0"], ["a0 4 2/0", "a1 4 3/0"]])
  }

  @Test func twoRepeatedIndexesMultiply() throws {
    let args = [0, 0, 1, 1, 1].enumerated().map { Arg(index: UInt32($1), value: UInt64($0), op: "SCMP_CMP_EQ") }
    #expect(try Seccomp.conditionSets(args, syscall: "x").count == 6)
  }

  @Test func maskedEqualUsesValueAsMaskAndValueTwoAsDatum() throws {
    let cmp = try Seccomp.condition(Arg(index: 1, value: 0xff00, valueTwo: 0x1200, op: "SCMP_CMP_MASKED_EQ"))
    #expect(cmp.arg == 1 && cmp.op == SCMP_CMP_MASKED_EQ && cmp.datum_a == 0xff00 && cmp.datum_b == 0x1200)
  }

  @Test func indexOutOfRangeIsInvalid() {
    let error = #expect(throws: BerthError.self) {
      try Seccomp.conditionSets([Arg(index: 6, value: 0, op: "SCMP_CMP_EQ")], syscall: "x")
    }
    #expect(error?.message == "seccomp: argument index 6 is out of range 0...5")
  }

  @Test func explosionIsRejected() {
    let args = (0..<6).flatMap { index in (0..<3).map { Arg(index: UInt32(index), value: UInt64($0), op: "SCMP_CMP_EQ") } }
    let error = #expect(throws: BerthError.self) { try Seccomp.conditionSets(args, syscall: "ioctl") }
    #expect(error?.message.contains("ioctl") == true)
  }
}
