import BerthError
import BerthOCI
import CLibseccomp
import Glibc

/// An OCI `linux.seccomp` profile translated into a libseccomp filter, ready to load.
///
/// The container's init process builds one before it drops privileges and calls `load()` right
/// before execve, while it is still single-threaded. The type owns the libseccomp context and
/// releases it when it goes away, so it cannot be copied.
///
/// The translation follows runc and crun:
/// - the default action and every rule's action map one to one onto libseccomp's; `SCMP_ACT_ERRNO`
///   returns `errnoRet` (the default action: `defaultErrnoRet`), EPERM when unset, and
///   `SCMP_ACT_TRACE` passes the same value to the tracer;
/// - syscall names libseccomp does not know for any architecture are skipped, so one profile
///   serves older and newer kernels;
/// - a rule whose action equals the default action is skipped (libseccomp rejects it, and it
///   changes nothing);
/// - conditions are grouped as described in `Seccomp.conditionSets`.
public struct SeccompProfile: ~Copyable {
  /// The libseccomp filter context (`scmp_filter_ctx`), released in `deinit`.
  private let context: scmp_filter_ctx

  /// Translates a profile into a libseccomp filter without loading it.
  /// - Parameter spec: the `linux.seccomp` section of the container's config
  /// - Throws: `BerthError` with code `.invalidArgument` for an unknown action, operator,
  ///   architecture or flag, or an out-of-range argument index or errno; `.unsupported` for
  ///   `SCMP_ACT_NOTIFY` and for flags this libseccomp cannot set; `.syscall` when libseccomp
  ///   refuses a rule or attribute, naming the syscall and errno
  public init(_ spec: Spec.Seccomp) throws {
    let defaultAction = try Seccomp.action(spec.defaultAction, errnoRet: spec.defaultErrnoRet)
    guard let context = seccomp_init(defaultAction) else {
      throw BerthError(.syscall, "seccomp: cannot create a filter with default action \(spec.defaultAction)")
    }
    do {
      try Self.configure(context, spec, defaultAction: defaultAction)
    } catch {
      seccomp_release(context)
      throw error
    }
    self.context = context
  }

  deinit { seccomp_release(context) }

  /// Loads the filter into the calling thread with seccomp(2). The filter then applies to this
  /// process and everything it executes; it cannot be removed.
  ///
  /// No-new-privileges is not set here (the profile sets `SCMP_FLTATR_CTL_NNP` to 0): the
  /// caller must either have set it or hold CAP_SYS_ADMIN, or the kernel refuses with EACCES.
  /// - Throws: `BerthError` with code `.syscall` and the errno the kernel returned
  public func load() throws {
    let rc = seccomp_load(context)
    guard rc == 0 else { throw Self.failure("load filter", rc) }
  }

  /// The filter as the BPF program the kernel would receive: `struct sock_filter` entries of
  /// 8 bytes each, in host byte order.
  /// - Throws: `BerthError` when libseccomp cannot generate or write the program
  public func exportBPF() throws -> [UInt8] {
    try Self.capture("export bpf") { seccomp_export_bpf(context, $0) }
  }

  /// The filter as libseccomp's pseudo filter code: human-readable text listing, per
  /// architecture, each syscall with its number, conditions and action, then the default action.
  /// - Throws: `BerthError` when libseccomp cannot generate or write the text
  public func exportPFC() throws -> String {
    String(decoding: try Self.capture("export pfc") { seccomp_export_pfc(context, $0) }, as: UTF8.self)
  }

  // MARK: - Translation

  /// Sets attributes, architectures and rules, in that order: libseccomp adds a rule only to the
  /// architectures already in the filter, so architectures must come before any rule.
  private static func configure(_ context: scmp_filter_ctx, _ spec: Spec.Seccomp, defaultAction: UInt32) throws {
    // libseccomp sets no_new_privs on load by default; the runtime decides that itself
    // (`process.noNewPrivileges`), so turn libseccomp's off.
    try setAttribute(context, SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP")
    // Report the kernel's errno from seccomp_load instead of libseccomp's generic ECANCELED.
    try setAttribute(context, SCMP_FLTATR_API_SYSRAWRC, 1, "SCMP_FLTATR_API_SYSRAWRC")
    for flag in spec.flags ?? [] {
      try setAttribute(context, try Seccomp.attribute(forFlag: flag), 1, flag)
    }
    for name in spec.architectures ?? [] {
      let rc = seccomp_arch_add(context, try Seccomp.architecture(name))
      // The native architecture is in every new filter already.
      guard rc == 0 || rc == -EEXIST else { throw failure("add architecture \(name)", rc) }
    }
    for entry in spec.syscalls ?? [] {
      try addRules(context, entry, defaultAction: defaultAction)
    }
  }

  /// Adds the rules of one `syscalls` entry: one per known name and condition set.
  private static func addRules(_ context: scmp_filter_ctx, _ entry: Spec.Seccomp.Syscall, defaultAction: UInt32) throws {
    // Translate first so a bad action or operator is reported even if the rule is skipped.
    let action = try Seccomp.action(entry.action, errnoRet: entry.errnoRet)
    let sets = try Seccomp.conditionSets(entry.args ?? [], syscall: entry.names.first ?? "")
    guard action != defaultAction else { return }
    for name in entry.names {
      // Names unknown to libseccomp resolve to __NR_SCMP_ERROR (-1). Names known but absent on
      // the native architecture resolve to negative pseudo numbers, which libseccomp maps for
      // each architecture in the filter.
      let number = seccomp_syscall_resolve_name(name)
      guard number != __NR_SCMP_ERROR else { continue }
      for conditions in sets {
        // seccomp_rule_add is variadic, which Swift cannot call; the array form is the same
        // call (not the _exact variant), so libseccomp still rewrites rules per architecture.
        let rc = conditions.withUnsafeBufferPointer {
          seccomp_rule_add_array(context, action, number, UInt32($0.count), $0.baseAddress)
        }
        guard rc == 0 else { throw failure("add rule for syscall \(name)", rc) }
      }
    }
  }

  private static func setAttribute(_ context: scmp_filter_ctx, _ attribute: scmp_filter_attr, _ value: UInt32, _ name: String) throws {
    let rc = seccomp_attr_set(context, attribute, value)
    guard rc == 0 else { throw failure("set \(name)", rc) }
  }

  /// An error for a libseccomp call that returned `-errno`.
  static func failure(_ what: String, _ rc: Int32) -> BerthError {
    let code = rc < 0 ? -rc : rc
    return BerthError(.syscall, "seccomp: \(what) failed: \(String(cString: strerror(code)).lowercased()) (errno \(code))", errno: code)
  }
}
