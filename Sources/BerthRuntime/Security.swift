#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// Capabilities, user identity, labels, scheduling.
enum Security {
  /// RLIMIT_* name → resource number (asm-generic/resource.h, x86_64 and arm64 alike).
  static let rlimitNumbers: [String: Int32] = [
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4, "RLIMIT_RSS": 5,
    "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10,
    "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
  ]
  static func rlimitNumber(_ name: String) -> Int32? { rlimitNumbers[name] }

  /// The highest capability the running kernel knows.
  static var lastCapability: Int {
    (try? Sys.readFile("/proc/sys/kernel/cap_last_cap")).flatMap { Int($0.trimmed()) }
      ?? Capability.names.count - 1
  }

  /// A capability list as a bit mask. Unknown names are refused at validation; capabilities the
  /// kernel does not have are left out.
  static func mask(_ names: [String]?, last: Int) -> UInt64 {
    var mask: UInt64 = 0
    for name in names ?? [] {
      if let number = Capability.number(of: name), number <= last { mask |= 1 << UInt64(number) }
    }
    return mask
  }

  /// Is the LSM behind a label loaded? A label for a missing LSM is an error, never ignored.
  static func checkLSM(_ process: Spec.Process?, mountLabel: String?) throws {
    let labels = [process?.apparmorProfile, process?.selinuxLabel, mountLabel]
    guard labels.contains(where: { !($0 ?? "").isEmpty }) else { return }
    let lsms = (try? Sys.readFile("/sys/kernel/security/lsm")) ?? ""
    if let profile = process?.apparmorProfile, !profile.isEmpty, !lsms.contains("apparmor") {
      throw BerthError(.unsupported, "process.apparmorProfile \(profile) is set but AppArmor is not enabled on this host")
    }
    if let label = process?.selinuxLabel, !label.isEmpty, !lsms.contains("selinux") {
      throw BerthError(.unsupported, "process.selinuxLabel \(label) is set but SELinux is not enabled on this host")
    }
    if let label = mountLabel, !label.isEmpty, !lsms.contains("selinux") {
      throw BerthError(.unsupported, "linux.mountLabel \(label) is set but SELinux is not enabled on this host")
    }
  }

  /// Sets the AppArmor profile / SELinux label the next execve switches to.
  static func applyLabels(_ process: Spec.Process) throws {
    if let profile = process.apparmorProfile, !profile.isEmpty {
      let path = Sys.exists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec"
      try Sys.writeFile(path, "exec \(profile)", create: false)
    }
    if let label = process.selinuxLabel, !label.isEmpty {
      try Sys.writeFile("/proc/self/attr/exec", label, create: false)
    }
  }

  /// Drops the bounding set, switches to the process's uid/gid/groups keeping the capabilities it
  /// is granted, then sets the effective, permitted, inheritable and ambient sets. The bounding
  /// set goes first (dropping needs CAP_SETPCAP, which the user may not keep), setuid comes with
  /// keep-caps so the permitted set survives it.
  static func applyIdentity(_ process: Spec.Process, inUserNamespace: Bool) throws {
    let last = lastCapability
    let caps = process.capabilities
    let bounding = mask(caps?.bounding, last: last)
    for cap in 0...last where bounding & (1 << UInt64(cap)) == 0 {
      if berth_prctl(BERTH_PR_CAPBSET_DROP, UInt(cap), 0, 0, 0) != 0, errno != EINVAL {
        throw Sys.error("drop capability \(Capability.name(of: cap) ?? String(cap)) from the bounding set")
      }
    }
    if berth_prctl(BERTH_PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 { throw Sys.error("prctl keepcaps") }
    let user = process.user
    var groups = (user.additionalGids ?? []).map { gid_t($0) }
    if setgroups(groups.count, &groups) != 0 {
      // In a user namespace whose setgroups is denied, only an empty list could be set anyway.
      if !(inUserNamespace && errno == EPERM && groups.isEmpty) { throw Sys.error("setgroups \(groups)") }
    }
    if berth_setresgid(user.gid, user.gid, user.gid) != 0 { throw Sys.error("setresgid \(user.gid)") }
    if berth_setresuid(user.uid, user.uid, user.uid) != 0 { throw Sys.error("setresuid \(user.uid)") }
    let effective = mask(caps?.effective, last: last)
    let permitted = mask(caps?.permitted, last: last)
    let inheritable = mask(caps?.inheritable, last: last)
    if berth_capset(effective, permitted, inheritable) != 0 { throw Sys.error("capset") }
    for name in caps?.ambient ?? [] {
      // The kernel only lets a capability be ambient when it is permitted and inheritable too;
      // configs such as `runc spec`'s list ambient ones without inheritable: those are skipped.
      guard let number = Capability.number(of: name), number <= last else { continue }
      let bit: UInt64 = 1 << UInt64(number)
      guard permitted & bit != 0, inheritable & bit != 0 else { continue }
      if berth_prctl(BERTH_PR_CAP_AMBIENT, UInt(BERTH_PR_CAP_AMBIENT_RAISE), UInt(number), 0, 0) != 0 {
        throw Sys.error("raise ambient capability \(name)")
      }
    }
    if berth_prctl(BERTH_PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 { throw Sys.error("prctl keepcaps") }
  }

  /// process.ioPriority and process.scheduler.
  static func applyScheduling(_ process: Spec.Process) throws {
    if let io = process.ioPriority {
      let classes = ["IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3]
      guard let cls = classes[io.class] else { throw BerthError.invalid("process.ioPriority: unknown class \(io.class)") }
      if berth_ioprio_set(1 /* IOPRIO_WHO_PROCESS */, 0, Int32(cls << 13 | (io.priority ?? 0))) != 0 {
        throw Sys.error("ioprio_set")
      }
    }
    if let scheduler = process.scheduler {
      let policies = ["SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6]
      guard let policy = policies[scheduler.policy] else {
        throw BerthError.invalid("process.scheduler: unknown policy \(scheduler.policy)")
      }
      let flagValues = ["SCHED_FLAG_RESET_ON_FORK": 1, "SCHED_FLAG_RECLAIM": 2, "SCHED_FLAG_DL_OVERRUN": 4, "SCHED_FLAG_KEEP_POLICY": 8,
                        "SCHED_FLAG_KEEP_PARAMS": 16, "SCHED_FLAG_UTIL_CLAMP_MIN": 32, "SCHED_FLAG_UTIL_CLAMP_MAX": 64]
      var flags: UInt64 = 0
      for flag in scheduler.flags ?? [] {
        guard let value = flagValues[flag] else { throw BerthError.invalid("process.scheduler: unknown flag \(flag)") }
        flags |= UInt64(value)
      }
      if berth_sched_setattr(0, UInt32(policy), flags, scheduler.nice ?? 0, UInt32(scheduler.priority ?? 0),
                             scheduler.runtime ?? 0, scheduler.deadline ?? 0, scheduler.period ?? 0) != 0 {
        throw Sys.error("sched_setattr \(scheduler.policy)")
      }
    }
  }

  static func applyPersonality(_ personality: Spec.Personality) throws {
    let domains: [String: UInt] = ["LINUX": 0, "LINUX32": 0x0008]
    guard let domain = domains[personality.domain] else {
      throw BerthError.invalid("linux.personality: unknown domain \(personality.domain)")
    }
    if berth_personality(domain) < 0 { throw Sys.error("personality \(personality.domain)") }
  }
}

extension String {
  /// The string without leading and trailing white space.
  func trimmed() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
    while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
    return String(scalars)
  }
}
