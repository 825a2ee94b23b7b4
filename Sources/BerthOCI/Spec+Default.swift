extension Spec {
  /// The paths a container must not read, as runc and crun mask them by default.
  public static let defaultMaskedPaths = [
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/sys/devices/virtual/powercap",
  ]
  /// The paths a container may read but not write.
  public static let defaultReadonlyPaths = [
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
  ]

  /// The template `spec` writes: a shell in a busybox-like `rootfs` with the usual namespaces,
  /// as `runc spec` does.
  /// - Parameter rootless: a config for an unprivileged user (a user namespace mapping `uid`/`gid`
  ///   to root, no network namespace, no cgroup limits).
  public static func template(rootless: Bool = false, uid: UInt32 = 0, gid: UInt32 = 0) -> Spec {
    let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    var process = Process(
      terminal: true, user: User(uid: 0, gid: 0), args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], cwd: "/",
      capabilities: Capabilities(bounding: caps, effective: caps, permitted: caps),
      rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)], noNewPrivileges: true)
    process.terminal = true
    var mounts = [
      Mount(destination: "/proc", type: "proc", source: "proc"),
      Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
      Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
      Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
      Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
      Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
      Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]
    var linux = Linux(namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { Namespace(type: $0) })
    linux.maskedPaths = defaultMaskedPaths
    linux.readonlyPaths = defaultReadonlyPaths
    if rootless {
      linux.namespaces = ["pid", "ipc", "uts", "mount", "cgroup", "user"].map { Namespace(type: $0) }
      linux.uidMappings = [IDMapping(containerID: 0, hostID: uid, size: 1)]
      linux.gidMappings = [IDMapping(containerID: 0, hostID: gid, size: 1)]
      mounts.removeAll { $0.destination == "/sys" || $0.destination == "/sys/fs/cgroup" }
      mounts.append(Mount(destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]))
      mounts[2].options?.removeAll { $0 == "gid=5" }
    } else {
      var resources = Resources()
      resources.devices = [Resources.DeviceRule(allow: false, access: "rwm")]
      linux.resources = resources
    }
    return Spec(process: process, root: Root(path: "rootfs", readonly: true), hostname: "berth", mounts: mounts, linux: linux)
  }
}
