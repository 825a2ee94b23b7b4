// CLinuxSys: system calls and macros that Swift cannot reach through Glibc's module map.
// Each function is a thin wrapper; the reason it is C is given next to it. They return -1 and set
// errno on failure, like the calls they wrap.
#pragma once
#include <stdint.h>
#include <sys/types.h>

// clone(2) used like fork(2), with namespace flags: Swift cannot call the variadic syscall(2),
// and glibc's clone() wants a separate stack and a function pointer. Returns 0 in the child.
pid_t berth_clone(uint64_t flags);
int berth_unshare(int flags);
int berth_setns(int fd, int nstype);
// pivot_root has no glibc wrapper.
int berth_pivot_root(const char *new_root, const char *put_old);
// prctl and ioctl are variadic.
int berth_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
int berth_ioctl_ptr(int fd, unsigned long request, void *arg);
int berth_ioctl_int(int fd, unsigned long request, int arg);
// capget/capset have no glibc wrapper (libcap is not a dependency). Version 3, two 32-bit words.
int berth_capget(pid_t pid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);
int berth_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
// The highest capability number the kernel knows (from /proc/sys/kernel/cap_last_cap in callers).
// setrlimit with an int resource (glibc's prototype takes an enum Swift imports awkwardly).
int berth_setrlimit(int resource, uint64_t soft, uint64_t hard);
int berth_getrlimit(int resource, uint64_t *soft, uint64_t *hard);
// makedev is a macro.
int berth_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor);
unsigned int berth_major(uint64_t dev);
unsigned int berth_minor(uint64_t dev);
// pidfd calls have no glibc 2.36 wrappers usable from Swift.
int berth_pidfd_open(pid_t pid);
int berth_pidfd_send_signal(int pidfd, int sig);
// close_range(2): close every fd from `first` on, except those the caller keeps below it.
int berth_close_range(unsigned int first, unsigned int last, unsigned int flags);
// SCM_RIGHTS: CMSG_* are macros.
int berth_send_fd(int sock, int fd, const void *data, size_t len);
int berth_recv_fd(int sock, void *data, size_t len, size_t *received);
// ioprio_set and sched_setattr have no glibc wrappers.
int berth_ioprio_set(int which, int who, int ioprio);
int berth_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                        uint64_t runtime, uint64_t deadline, uint64_t period);
// mount_setattr(2) for recursive read-only / propagation on a whole tree (kernel >= 5.12).
int berth_mount_setattr_rdonly_recursive(int dirfd, const char *path);
// Signals: sigset macros and the full mask.
int berth_block_all_signals(void *old_set);
int berth_restore_signals(const void *old_set);
int berth_unblock_all_signals(void);
int berth_reset_signal_handlers(void);
// The errno string, thread-safe (strerror_r's GNU variant differs by feature macros).
const char *berth_strerror(int err);
// Number of threads of this process, from the kernel (debug check before clone/setns).
// keyctl(2) has no glibc wrapper: join a new named session keyring.
long berth_keyctl_join_session_keyring(const char *name);
// posix_spawn with fd remapping, a clean signal state and an optional new session. In C because
// POSIX_SPAWN_SETSID, addclosefrom_np and addchdir_np sit behind _GNU_SOURCE, which Swift's Glibc
// module does not define. Safe to call from a multithreaded process (glibc uses
// clone(CLONE_VM|CLONE_VFORK) and runs no code of ours in the child). `src[i]` becomes fd `dst[i]`
// in the child; every other fd >= 3 is closed. Returns 0 or an errno value (not -1).
int berth_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int *src,
                const int *dst, int count, int new_session, const char *cwd);
// Constants glibc hides behind feature macros or does not define.
static const int BERTH_O_PATH = 010000000;
static const unsigned int BERTH_CLOSE_RANGE_CLOEXEC = 4;
static const int BERTH_PR_SET_CHILD_SUBREAPER = 36;
static const int BERTH_PR_SET_NO_NEW_PRIVS = 38;
static const int BERTH_PR_CAPBSET_DROP = 24;
static const int BERTH_PR_SET_KEEPCAPS = 8;
static const int BERTH_PR_CAP_AMBIENT = 47;
static const int BERTH_PR_CAP_AMBIENT_RAISE = 2;
static const int BERTH_PR_SET_PDEATHSIG = 1;
static const unsigned long BERTH_TIOCSCTTY = 0x540E;
static const unsigned long BERTH_TIOCGPTN = 0x80045430;
static const unsigned long BERTH_TIOCSPTLCK = 0x40045431;
static const unsigned long BERTH_TIOCSWINSZ = 0x5414;
int berth_set_winsize(int fd, unsigned short rows, unsigned short cols);
// pipe2 is hidden behind _GNU_SOURCE in the module map.
int berth_pipe2(int fds[2], int flags);
// setresuid/setresgid/personality are GNU extensions the module map hides.
int berth_setresuid(uid_t r, uid_t e, uid_t s);
int berth_setresgid(gid_t r, gid_t e, gid_t s);
int berth_personality(unsigned long persona);
// bpf(2) has no glibc wrapper (cgroup v2 device programs).
int berth_bpf(int cmd, void *attr, unsigned int size);
// cgroup v2 device rules: loads `count` eBPF instructions as a BPF_PROG_TYPE_CGROUP_DEVICE
// program, attaches it to the cgroup directory `cgroup_fd` (BPF_F_ALLOW_MULTI) and then detaches
// every device program that was attached there before, so an update replaces the rules. The
// verifier's log goes to `log` (may be NULL). Returns 0, or -1 with errno. C because the bpf(2)
// attribute union is a kernel ABI struct.
int berth_cgroup_device_program_replace(int cgroup_fd, const void *insns, unsigned int count, char *log,
                                        unsigned int log_size);
// openat2(2) has no glibc 2.36 wrapper (layer unpacking resolves entry parents with
// RESOLVE_BENEATH). `resolve` is the RESOLVE_* mask; the mode is 0, so O_CREAT is not for this.
int berth_openat2(int dirfd, const char *path, int flags, unsigned long long resolve);
static const unsigned long long BERTH_RESOLVE_NO_MAGICLINKS = 0x02;
static const unsigned long long BERTH_RESOLVE_NO_SYMLINKS = 0x04;
static const unsigned long long BERTH_RESOLVE_BENEATH = 0x08;
static const unsigned long long BERTH_RESOLVE_IN_ROOT = 0x10;
// Sets the loopback interface of the calling process's network namespace up: struct ifreq is a
// union of interface fields Swift imports awkwardly. For new pod network namespaces.
int berth_loopback_up(void);
