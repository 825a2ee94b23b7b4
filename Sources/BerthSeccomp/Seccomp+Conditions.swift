import BerthError
import BerthOCI
import CLibseccomp

extension Seccomp {
  /// The most rules one syscall entry may expand into (see `conditionSets`). A profile that needs
  /// more is almost certainly a mistake, and the BPF would grow past what the kernel accepts.
  static let maxConditionSets = 256

  /// Translates one OCI argument condition into libseccomp's `struct scmp_arg_cmp`
  /// (fields `arg`, `op`, `datum_a`, `datum_b`).
  ///
  /// For `SCMP_CMP_MASKED_EQ`, `value` is the mask and `valueTwo` the datum compared with the
  /// masked argument, as in the runtime spec; libseccomp takes them in that order too.
  static func condition(_ arg: Spec.Seccomp.Arg) throws -> scmp_arg_cmp {
    guard arg.index <= 5 else {
      throw BerthError.invalid("seccomp: argument index \(arg.index) is out of range 0...5")
    }
    return scmp_arg_cmp(arg: arg.index, op: try comparison(arg.op), datum_a: arg.value, datum_b: arg.valueTwo ?? 0)
  }

  /// Groups a syscall entry's conditions into the libseccomp rules that express it.
  ///
  /// libseccomp ANDs the conditions of one rule but rejects (EINVAL) two conditions on the same
  /// argument index. Conditions on distinct indexes therefore go into one rule. When an index
  /// has several conditions, runc falls back to one rule per condition, which are ORed; Berth
  /// instead emits one rule per choice of a condition for each repeated index, each rule also
  /// carrying the conditions of every other index. So `a0 == 1, a0 == 2, a1 == 3` becomes the
  /// rules `(a0 == 1 && a1 == 3)` and `(a0 == 2 && a1 == 3)`: same-index conditions are ORed,
  /// distinct indexes stay ANDed, and with a single index this is exactly runc's result.
  /// - Returns: one array of conditions per rule; `[[]]` for an entry without conditions
  /// - Throws: `.invalidArgument` for a bad index or operator, or when the expansion exceeds
  ///   `maxConditionSets` rules
  static func conditionSets(_ args: [Spec.Seccomp.Arg], syscall: String) throws -> [[scmp_arg_cmp]] {
    var byIndex: [(index: UInt32, conditions: [scmp_arg_cmp])] = []
    for arg in args {
      let cmp = try condition(arg)
      if let slot = byIndex.firstIndex(where: { $0.index == arg.index }) {
        byIndex[slot].conditions.append(cmp)
      } else {
        byIndex.append((arg.index, [cmp]))
      }
    }
    var sets: [[scmp_arg_cmp]] = [[]]
    for group in byIndex {
      guard sets.count * group.conditions.count <= maxConditionSets else {
        throw BerthError.invalid(
          "seccomp: conditions of syscall \(syscall) expand to more than \(maxConditionSets) rules")
      }
      sets = sets.flatMap { prefix in group.conditions.map { prefix + [$0] } }
    }
    return sets
  }
}
