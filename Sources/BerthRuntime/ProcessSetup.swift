#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSeccomp
import BerthSys
import CLinuxSys

/// The last steps before the user's program: limits, identity, capabilities, no_new_privs,
/// seccomp and execve. Shared by a container's init and by `exec`.
struct ProcessSetup {
  let process: Spec.Process
  let linux: Spec.Linux?
  let preserveFDs: Int

  var env: [String] { process.env ?? [] }
  var noNewPrivileges: Bool { process.noNewPrivileges ?? false }

  /// Seccomp must be loaded while we still hold CAP_SYS_ADMIN unless no_new_privs is set; when
  /// the final capabilities keep CAP_SYS_ADMIN (or with no_new_privs), it is loaded last, right
  /// before execve, so that nothing the runtime does afterwards is filtered.
  var seccompLast: Bool {
    noNewPrivileges || (process.capabilities?.effective ?? []).contains { Capability.number(of: $0) == 21 }
  }

  /// The program to exec, resolved in the container's PATH.
  func executable() throws -> String {
    let name = process.args![0]
    guard let path = Processes.lookPath(name, env: env) else {
      throw BerthError(.notFound, "exec: \"\(name)\": executable file not found in $PATH")
    }
    if !name.contains("/") || Sys.exists(path) { return path }
    throw BerthError(.notFound, "exec: \"\(name)\": no such file or directory")
  }

  /// Everything that can fail in a way `create` (or `exec`) should report.
  func prepare() throws {
    for limit in process.rlimits ?? [] {
      guard let resource = Security.rlimitNumber(limit.type) else { continue }
      if berth_setrlimit(resource, limit.soft, limit.hard) != 0 {
        throw Sys.error("setrlimit \(limit.type) soft \(limit.soft) hard \(limit.hard)")
      }
    }
    try Security.applyScheduling(process)
    if let personality = linux?.personality { try Security.applyPersonality(personality) }
    if chdir(process.cwd) != 0 {
      let err = errno
      if err == ENOENT, (try? Sys.mkdirAll(process.cwd)) != nil, chdir(process.cwd) == 0 {
      } else {
        throw Sys.error("chdir to cwd \(process.cwd) set in config.json", err)
      }
    }
    _ = try executable()
    try Security.applyLabels(process)
    if let seccomp = linux?.seccomp, !seccompLast {
      try SeccompProfile(seccomp).load()
    }
    try Security.applyIdentity(process, inUserNamespace: linux?.has("user") ?? false)
    if noNewPrivileges, berth_prctl(BERTH_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
      throw Sys.error("prctl no_new_privs")
    }
    umask(mode_t(process.user.umask ?? 0o022))
    if let seccomp = linux?.seccomp, seccompLast {
      // Translate now so a bad profile fails `create`; load it right before execve.
      _ = try SeccompProfile(seccomp)
    }
  }

  /// Closes what the program must not inherit, loads a deferred seccomp filter and execs.
  func exec() -> Never {
    let path: String
    do { path = try executable() } catch { InitProcess.fail("\(error)") }
    let first = UInt32(3 + preserveFDs)
    _ = berth_close_range(first, UInt32.max, BERTH_CLOSE_RANGE_CLOEXEC)
    if preserveFDs > 0 {
      for fd in 3..<(3 + Int32(preserveFDs)) { _ = fcntl(fd, F_SETFD, 0) }
    }
    _ = berth_reset_signal_handlers()
    _ = berth_unblock_all_signals()
    if let seccomp = linux?.seccomp, seccompLast {
      do { try SeccompProfile(seccomp).load() } catch { InitProcess.fail("\(error)") }
    }
    let err = Processes.exec(path, args: process.args!, env: env)
    InitProcess.fail("exec \(path): \(Sys.describe(err))")
  }
}
