import BerthOCI

/// Berth's RuntimeDefault seccomp profile: an allow-list. Every syscall not listed fails with
/// EPERM.
///
/// Allowed for everyone: what ordinary programs use (files, memory, processes, signals, time,
/// sockets, SysV and POSIX IPC), `ptrace` of permitted tracees (safe against seccomp bypass since
/// Linux 4.8), `personality` only with the common personas, and `clone` only without namespace
/// flags. `clone3` returns ENOSYS (its flags sit in memory a filter cannot read, and libc then
/// falls back to `clone`).
///
/// Allowed only with a capability in the process's bounding set: mounting, namespaces and host
/// names (CAP_SYS_ADMIN), modules, reboot, raw I/O ports, clock setting, accounting, syslog,
/// NUMA placement of other processes, `bpf`, `perf_event_open`, `open_by_handle_at`, `chroot`.
///
/// Never allowed (left out): `kexec_load` and `kexec_file_load`, the keyring (`keyctl`,
/// `add_key`, `request_key`), `userfaultfd`, `io_uring_*`, `swapon`/`swapoff`, `modify_ldt`,
/// `vm86`, obsolete syscalls (`uselib`, `ustat`, `sysfs`, `_sysctl`, `nfsservctl`, ...).
///
/// Every name is one libseccomp 2.5 knows (a unit test checks them against its header); names
/// an architecture lacks are skipped by libseccomp for that architecture.
public enum DefaultSeccomp {
  /// The profile for a process with the default capabilities (`SpecCapabilities.defaults`).
  public static var profile: Spec.Seccomp { profile(capabilities: SpecCapabilities.defaults) }

  /// The allow-list every process gets, whatever its capabilities (built once: CreateContainer
  /// asks for a profile every time).
  static let base = Set(groups.flatMap(\.names))

  /// The profile for a process whose bounding set is `capabilities` (`CAP_` names): the base
  /// allow-list plus the groups those capabilities unlock.
  public static func profile(capabilities: [String]) -> Spec.Seccomp {
    let held = Set(capabilities.map { $0.uppercased() })
    var allowed = base
    for (capability, names) in capabilityGroups where held.contains(capability) { allowed.formUnion(names) }

    var rules = [Spec.Seccomp.Syscall(names: allowed.sorted(), action: "SCMP_ACT_ALLOW")]
    // personality(2): only the Linux personas (and the query value 0xffffffff).
    for persona: UInt64 in [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff] {
      rules.append(
        Spec.Seccomp.Syscall(
          names: ["personality"], action: "SCMP_ACT_ALLOW",
          args: [Spec.Seccomp.Arg(index: 0, value: persona, op: "SCMP_CMP_EQ")]))
    }
    if !held.contains("CAP_SYS_ADMIN") {
      // clone(2) without any CLONE_NEW* flag; the flags are argument 0 on every architecture here.
      rules.append(
        Spec.Seccomp.Syscall(
          names: ["clone"], action: "SCMP_ACT_ALLOW",
          args: [Spec.Seccomp.Arg(index: 0, value: namespaceFlags, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]))
      rules.append(Spec.Seccomp.Syscall(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: enosys))
    }
    var seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_ERRNO", syscalls: rules)
    seccomp.defaultErrnoRet = 1  // EPERM
    seccomp.architectures = architectures
    return seccomp
  }

  /// The architectures of this build's host, with the compat ones its kernel also runs.
  public static var architectures: [String] {
    #if arch(arm64)
      ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    #else
      ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    #endif
  }

  /// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
  /// CLONE_NEWNET.
  static let namespaceFlags: UInt64 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000
    | 0x2000_0000 | 0x4000_0000
  /// ENOSYS.
  static let enosys: UInt32 = 38

  /// The base allow-list by purpose.
  static let groups: [(purpose: String, names: [String])] = [
    ("file I/O", [
      "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
      "open", "openat", "openat2", "creat", "close", "close_range", "lseek", "_llseek", "dup", "dup2", "dup3",
      "pipe", "pipe2", "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync", "sync", "syncfs",
      "sync_file_range", "truncate", "truncate64", "ftruncate", "ftruncate64", "fallocate", "fadvise64",
      "fadvise64_64", "readahead", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range",
    ]),
    ("file metadata and directories", [
      "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "newfstatat", "fstatat64", "statx", "statfs",
      "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2", "chmod", "fchmod", "fchmodat",
      "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32", "umask", "utime", "utimes",
      "utimensat", "utimensat_time64", "futimesat", "mkdir", "mkdirat", "rmdir", "rename", "renameat",
      "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "readlink", "readlinkat",
      "mknod", "mknodat", "chdir", "fchdir", "getcwd", "getdents", "getdents64", "name_to_handle_at",
      "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr", "llistxattr",
      "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "inotify_init", "inotify_init1",
      "inotify_add_watch", "inotify_rm_watch",
    ]),
    ("waiting for events", [
      "select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64", "epoll_create",
      "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
      "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime",
      "timerfd_gettime64", "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
      "io_pgetevents_time64",
    ]),
    ("memory", [
      "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "pkey_mprotect", "pkey_alloc", "pkey_free",
      "madvise", "mlock", "mlock2", "munlock", "mlockall", "munlockall", "mincore", "msync", "membarrier",
      "memfd_create", "remap_file_pages", "get_mempolicy",
    ]),
    ("processes and threads", [
      "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid", "getpid",
      "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
      "set_robust_list", "get_robust_list", "futex", "futex_time64", "futex_waitv", "rseq", "arch_prctl",
      "prctl", "capget", "capset", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
      "ptrace", "process_vm_readv", "process_vm_writev", "getpriority", "setpriority", "nice", "sched_yield",
      "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam", "sched_getscheduler",
      "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
      "sched_rr_get_interval_time64", "sched_getattr", "sched_setattr", "ioprio_get", "ioprio_set", "getrlimit",
      "setrlimit", "prlimit64", "ugetrlimit", "getrusage", "times", "uname", "sysinfo", "getrandom",
      "restart_syscall", "pause", "getcpu", "get_thread_area", "set_thread_area", "seccomp",
      "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    ]),
    ("user and group IDs", [
      "getuid", "geteuid", "getgid", "getegid", "getuid32", "geteuid32", "getgid32", "getegid32", "getresuid",
      "getresgid", "getresuid32", "getresgid32", "setuid", "setuid32", "setgid", "setgid32", "setreuid",
      "setreuid32", "setregid", "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32", "setfsuid",
      "setfsuid32", "setfsgid", "setfsgid32", "getgroups", "getgroups32", "setgroups", "setgroups32",
    ]),
    ("signals", [
      "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait",
      "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaction", "sigprocmask", "sigreturn",
      "sigpending", "sigsuspend", "sigaltstack", "signal",
    ]),
    ("time", [
      "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
      "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "alarm", "getitimer", "setitimer",
      "timer_create", "timer_settime", "timer_settime64", "timer_gettime", "timer_gettime64", "timer_getoverrun",
      "timer_delete",
    ]),
    ("sockets", [
      "socket", "socketpair", "socketcall", "bind", "connect", "listen", "accept", "accept4", "getsockname",
      "getpeername", "getsockopt", "setsockopt", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg",
      "recvmmsg", "recvmmsg_time64", "shutdown",
    ]),
    ("SysV and POSIX IPC", [
      "ipc", "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semtimedop_time64", "semctl",
      "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64",
      "mq_timedreceive", "mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
    ]),
    ("32-bit Arm", [
      "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls",
    ]),
  ]

  /// Syscalls a capability unlocks, by capability.
  static let capabilityGroups: [(capability: String, names: [String])] = [
    ("CAP_SYS_ADMIN", [
      "sethostname", "setdomainname", "mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree",
      "fsopen", "fsconfig", "fsmount", "fspick", "pivot_root", "unshare", "setns", "clone", "clone3", "quotactl",
      "fanotify_init", "bpf", "perf_event_open", "lookup_dcookie",
    ]),
    ("CAP_SYS_CHROOT", ["chroot"]),
    ("CAP_SYS_PTRACE", ["kcmp", "process_madvise"]),
    ("CAP_SYS_MODULE", ["init_module", "finit_module", "delete_module"]),
    ("CAP_SYS_BOOT", ["reboot"]),
    ("CAP_SYS_RAWIO", ["iopl", "ioperm"]),
    ("CAP_SYS_TIME", [
      "settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime",
      "clock_adjtime64",
    ]),
    ("CAP_SYS_PACCT", ["acct"]),
    ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
    ("CAP_SYSLOG", ["syslog"]),
    ("CAP_SYS_NICE", ["mbind", "set_mempolicy", "migrate_pages", "move_pages"]),
    ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
    ("CAP_BPF", ["bpf"]),
    ("CAP_PERFMON", ["perf_event_open"]),
  ]
}
