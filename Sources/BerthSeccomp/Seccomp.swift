import BerthError
import BerthOCI
import CLibseccomp
import Glibc

/// The seccomp vocabulary Berth understands, and the translation of OCI names into libseccomp values.
///
/// The tables are what the runtime reports under `linux.seccomp` in its `features` output.
public enum Seccomp {
  /// OCI actions a profile may use. `SCMP_ACT_NOTIFY` is missing: Berth has no seccomp agent support.
  public static let supportedActions: [String] = Known.seccompActions.filter { $0 != "SCMP_ACT_NOTIFY" }

  /// OCI argument comparison operators, all of which libseccomp supports.
  public static let supportedOperators: [String] = Known.seccompOperators

  /// OCI architecture names (`SCMP_ARCH_X86_64`, ...) the linked libseccomp can resolve.
  public static let supportedArchitectures: [String] = ociArchitectures.filter { (try? architecture($0)) != nil }

  /// Every filter flag the runtime spec defines.
  public static let knownFlags: [String] = Known.seccompFlags

  /// Filter flags Berth can apply with the linked libseccomp (2.5 has no attribute for
  /// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, which only matters with notify anyway).
  public static let supportedFlags: [String] = Known.seccompFlags.filter { flagAttributes[$0] != nil }

  /// The architectures the runtime spec lists, in its order.
  static let ociArchitectures = [
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
  ]

  /// OCI flag → the libseccomp filter attribute that makes libseccomp pass the flag to seccomp(2).
  static let flagAttributes: [String: scmp_filter_attr] = [
    "SECCOMP_FILTER_FLAG_TSYNC": SCMP_FLTATR_CTL_TSYNC,
    "SECCOMP_FILTER_FLAG_LOG": SCMP_FLTATR_CTL_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": SCMP_FLTATR_CTL_SSB,
  ]

  // MARK: - Action values
  // The SCMP_ACT_* values are macros in <seccomp.h>; the plain ones import as constants but the
  // function-like ones do not, so they are restated here.

  /// `#define SCMP_ACT_ERRNO(x) (0x00050000U | ((x) & 0x0000ffffU))` in <seccomp.h>.
  static func actErrno(_ errno: UInt32) -> UInt32 { 0x0005_0000 | (errno & 0x0000_ffff) }

  /// `#define SCMP_ACT_TRACE(x) (0x7ff00000U | ((x) & 0x0000ffffU))` in <seccomp.h>.
  static func actTrace(_ message: UInt32) -> UInt32 { 0x7ff0_0000 | (message & 0x0000_ffff) }

  /// Translates an OCI action name into a libseccomp action value.
  /// - Parameters:
  ///   - name: the OCI action, `SCMP_ACT_ALLOW` and so on
  ///   - errnoRet: the errno for `SCMP_ACT_ERRNO` (or the tracer's message for `SCMP_ACT_TRACE`);
  ///     EPERM when nil, as runc does
  /// - Throws: `.invalidArgument` for an unknown name or an errno that does not fit 16 bits,
  ///   `.unsupported` for `SCMP_ACT_NOTIFY`
  static func action(_ name: String, errnoRet: UInt32?) throws -> UInt32 {
    let ret = errnoRet ?? UInt32(EPERM)
    switch name {
    case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return SCMP_ACT_KILL_THREAD
    case "SCMP_ACT_KILL_PROCESS": return SCMP_ACT_KILL_PROCESS
    case "SCMP_ACT_TRAP": return SCMP_ACT_TRAP
    case "SCMP_ACT_ALLOW": return SCMP_ACT_ALLOW
    case "SCMP_ACT_LOG": return SCMP_ACT_LOG
    case "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE":
      guard ret <= 0xffff else {
        throw BerthError.invalid("seccomp: errnoRet \(ret) of \(name) is out of range 0...65535")
      }
      return name == "SCMP_ACT_ERRNO" ? actErrno(ret) : actTrace(ret)
    case "SCMP_ACT_NOTIFY":
      throw BerthError(.unsupported, "seccomp notify (SCMP_ACT_NOTIFY with listenerPath) is not supported")
    default:
      throw BerthError.invalid("seccomp: unknown action \(name)")
    }
  }

  /// Translates an OCI comparison operator into libseccomp's.
  /// - Throws: `.invalidArgument` for an unknown operator
  static func comparison(_ op: String) throws -> scmp_compare {
    switch op {
    case "SCMP_CMP_NE": return SCMP_CMP_NE
    case "SCMP_CMP_LT": return SCMP_CMP_LT
    case "SCMP_CMP_LE": return SCMP_CMP_LE
    case "SCMP_CMP_EQ": return SCMP_CMP_EQ
    case "SCMP_CMP_GE": return SCMP_CMP_GE
    case "SCMP_CMP_GT": return SCMP_CMP_GT
    case "SCMP_CMP_MASKED_EQ": return SCMP_CMP_MASKED_EQ
    default: throw BerthError.invalid("seccomp: unknown operator \(op)")
    }
  }

  /// Resolves an OCI architecture name (`SCMP_ARCH_AARCH64`) to a libseccomp architecture token:
  /// libseccomp names architectures by the lower-case suffix (`aarch64`).
  /// - Throws: `.invalidArgument` when the name is malformed or this libseccomp does not know it
  static func architecture(_ name: String) throws -> UInt32 {
    let prefix = "SCMP_ARCH_"
    guard name.hasPrefix(prefix), name.count > prefix.count, name != "SCMP_ARCH_NATIVE" else {
      throw BerthError.invalid("seccomp: unknown architecture \(name)")
    }
    let token = seccomp_arch_resolve_name(String(name.dropFirst(prefix.count)).lowercased())
    guard token != 0 else { throw BerthError.invalid("seccomp: unknown architecture \(name)") }
    return token
  }

  /// The libseccomp attribute for an OCI filter flag.
  /// - Throws: `.invalidArgument` for an unknown flag, `.unsupported` for a known one libseccomp
  ///   2.5 cannot set
  static func attribute(forFlag flag: String) throws -> scmp_filter_attr {
    if let attribute = flagAttributes[flag] { return attribute }
    guard knownFlags.contains(flag) else { throw BerthError.invalid("seccomp: unknown flag \(flag)") }
    throw BerthError(.unsupported, "seccomp: flag \(flag) is not supported by this libseccomp")
  }
}
