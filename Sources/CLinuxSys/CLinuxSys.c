#define _GNU_SOURCE
#include "CLinuxSys.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

pid_t berth_clone(uint64_t flags) {
  return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, 0UL);
}

int berth_unshare(int flags) { return unshare(flags); }
int berth_setns(int fd, int nstype) { return setns(fd, nstype); }

int berth_pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int berth_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  return prctl(option, a2, a3, a4, a5);
}

int berth_ioctl_ptr(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
int berth_ioctl_int(int fd, unsigned long request, int arg) { return ioctl(fd, request, arg); }

int berth_capget(pid_t pid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capget, &hdr, data) < 0) return -1;
  *effective = ((uint64_t)data[1].effective << 32) | data[0].effective;
  *permitted = ((uint64_t)data[1].permitted << 32) | data[0].permitted;
  *inheritable = ((uint64_t)data[1].inheritable << 32) | data[0].inheritable;
  return 0;
}

int berth_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  data[0].effective = (uint32_t)effective;
  data[1].effective = (uint32_t)(effective >> 32);
  data[0].permitted = (uint32_t)permitted;
  data[1].permitted = (uint32_t)(permitted >> 32);
  data[0].inheritable = (uint32_t)inheritable;
  data[1].inheritable = (uint32_t)(inheritable >> 32);
  return (int)syscall(SYS_capset, &hdr, data);
}

int berth_setrlimit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit64 lim = {soft, hard};
  return prlimit64(0, resource, &lim, NULL);
}

int berth_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
  struct rlimit64 lim;
  if (prlimit64(0, resource, NULL, &lim) < 0) return -1;
  *soft = lim.rlim_cur;
  *hard = lim.rlim_max;
  return 0;
}

int berth_mknod(const char *path, mode_t mode, unsigned int major, unsigned int minor) {
  return mknod(path, mode, makedev(major, minor));
}
unsigned int berth_major(uint64_t dev) { return major(dev); }
unsigned int berth_minor(uint64_t dev) { return minor(dev); }

int berth_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int berth_pidfd_send_signal(int pidfd, int sig) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int berth_close_range(unsigned int first, unsigned int last, unsigned int flags) {
  return (int)syscall(SYS_close_range, first, last, flags);
}

int berth_send_fd(int sock, int fd, const void *data, size_t len) {
  char byte = 0;
  struct iovec iov = {(void *)(len ? data : &byte), len ? len : 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof(u.buf);
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do { n = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int berth_recv_fd(int sock, void *data, size_t len, size_t *received) {
  char byte;
  struct iovec iov = {len ? data : &byte, len ? len : 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.buf;
  msg.msg_controllen = sizeof(u.buf);
  ssize_t n;
  do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  if (received) *received = (size_t)n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      return fd;
    }
  }
  errno = ENOMSG;
  return -1;
}

int berth_ioprio_set(int which, int who, int ioprio) {
  return (int)syscall(SYS_ioprio_set, which, who, ioprio);
}

struct berth_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

int berth_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                        uint64_t runtime, uint64_t deadline, uint64_t period) {
  struct berth_sched_attr attr = {sizeof(attr), policy, flags, nice, priority, runtime, deadline, period};
  return (int)syscall(SYS_sched_setattr, pid, &attr, 0);
}

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct berth_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

int berth_mount_setattr_rdonly_recursive(int dirfd, const char *path) {
  struct berth_mount_attr attr = {0x00000001 /* MOUNT_ATTR_RDONLY */, 0, 0, 0};
  return (int)syscall(SYS_mount_setattr, dirfd, path, 0x8000 /* AT_RECURSIVE */, &attr, sizeof(attr));
}

int berth_block_all_signals(void *old_set) {
  sigset_t all;
  sigfillset(&all);
  return sigprocmask(SIG_SETMASK, &all, (sigset_t *)old_set);
}
int berth_restore_signals(const void *old_set) { return sigprocmask(SIG_SETMASK, (const sigset_t *)old_set, NULL); }
int berth_unblock_all_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, NULL);
}
int berth_reset_signal_handlers(void) {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
  return 0;
}

const char *berth_strerror(int err) { return strerrordesc_np(err) ? strerrordesc_np(err) : "unknown error"; }

long berth_keyctl_join_session_keyring(const char *name) {
  return syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name);
}

#include <termios.h>
int berth_set_winsize(int fd, unsigned short rows, unsigned short cols) {
  struct winsize ws = {rows, cols, 0, 0};
  return ioctl(fd, TIOCSWINSZ, &ws);
}

int berth_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

#include <sys/personality.h>
int berth_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int berth_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }
int berth_personality(unsigned long persona) { return personality(persona); }
int berth_bpf(int cmd, void *attr, unsigned int size) { return (int)syscall(SYS_bpf, cmd, attr, size); }

#include <linux/bpf.h>
static int bpf_call(int cmd, union bpf_attr *attr) { return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

int berth_cgroup_device_program_replace(int cgroup_fd, const void *insns, unsigned int count, char *log,
                                        unsigned int log_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = count;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  if (log && log_size) {
    log[0] = 0;
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
  }
  int prog = bpf_call(BPF_PROG_LOAD, &attr);
  if (prog < 0 && log && log_size) {
    // Retry without a log: a too-small log buffer makes the load fail with ENOSPC.
    int saved = errno;
    attr.log_buf = 0;
    attr.log_size = 0;
    attr.log_level = 0;
    prog = bpf_call(BPF_PROG_LOAD, &attr);
    if (prog < 0) errno = saved;
  }
  if (prog < 0) return -1;

  uint32_t old[64];
  memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = (uint32_t)cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)old;
  attr.query.prog_cnt = 64;
  uint32_t old_count = bpf_call(BPF_PROG_QUERY, &attr) == 0 ? attr.query.prog_cnt : 0;

  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)cgroup_fd;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf_call(BPF_PROG_ATTACH, &attr) < 0) {
    int saved = errno;
    close(prog);
    errno = saved;
    return -1;
  }
  for (uint32_t i = 0; i < old_count && i < 64; i++) {
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = old[i];
    int fd = bpf_call(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd < 0) continue;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    bpf_call(BPF_PROG_DETACH, &attr);
    close(fd);
  }
  close(prog);  // the attachment keeps the program alive
  return 0;
}

// openat2: see the header. The struct comes from <linux/openat2.h>.
#include <linux/openat2.h>
int berth_openat2(int dirfd, const char *path, int flags, unsigned long long resolve) {
  struct open_how how = {.flags = (uint64_t)(unsigned)flags, .mode = 0, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int berth_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int *src,
                const int *dst, int count, int new_session, const char *cwd) {
  int highest = 2;
  for (int i = 0; i < count; i++)
    if (dst[i] > highest) highest = dst[i];
  // Move the sources above every target first, so one dup2 cannot clobber another's source.
  // The copies are close-on-exec: dup2 in the child clears the flag on the target only.
  int copies[count > 0 ? count : 1];
  int err = 0;
  for (int i = 0; i < count; i++) {
    copies[i] = fcntl(src[i], F_DUPFD_CLOEXEC, highest + 1);
    if (copies[i] < 0) {
      err = errno;
      for (int j = 0; j < i; j++) close(copies[j]);
      return err;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  for (int i = 0; i < count; i++) posix_spawn_file_actions_adddup2(&actions, copies[i], dst[i]);
  posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
  if (cwd != NULL) posix_spawn_file_actions_addchdir_np(&actions, cwd);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);
  err = posix_spawn(pid, path, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  for (int i = 0; i < count; i++) close(copies[i]);
  return err;
}

#include <net/if.h>
int berth_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct ifreq request;
  memset(&request, 0, sizeof request);
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &request);
  if (rc == 0 && !(request.ifr_flags & IFF_UP)) {
    request.ifr_flags |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, &request);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}
