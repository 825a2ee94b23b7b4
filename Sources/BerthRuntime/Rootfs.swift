#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// The container's root filesystem, set up in its mount namespace: propagation, the bind of the
/// rootfs onto itself, the config's mounts, devices, pivot_root, then sysctls, masked and
/// read-only paths and a read-only root.
struct Rootfs {
  let config: InitConfig
  var rootfs: String { config.rootfs }
  var spec: Spec { config.spec }
  var userNamespace: Bool { config.plan.creates(.user) || config.plan.joins(.user) }
  /// Mounts whose propagation must be set once all mounts exist.
  var pendingPropagation: [(String, UInt)] = []

  init(config: InitConfig) { self.config = config }

  /// The requested propagation of "/" as mount flags (default rslave, as runc).
  var rootPropagation: UInt {
    guard let name = spec.linux?.rootfsPropagation, !name.isEmpty, let flag = MountOptions.propagationTable[name] else {
      return MountFlag.slave | MountFlag.rec
    }
    return flag
  }

  mutating func prepare() throws {
    // Keep our mounts from propagating back to the host (or honour rootfsPropagation); the
    // mount holding the rootfs must not be shared for pivot_root to work.
    var flag = rootPropagation
    if flag & MountFlag.unbindable != 0 { flag = MountFlag.slave | MountFlag.rec }
    if flag & MountFlag.rec == 0 { flag |= MountFlag.rec }
    try Mounts.mount(nil, "/", nil, flag, nil)
    if flag & MountFlag.shared != 0 { try makeParentPrivate() }
    try Mounts.mount(rootfs, rootfs, nil, MountFlag.bind | MountFlag.rec, nil)
  }

  /// pivot_root refuses a new root whose parent mount is shared. The new root is the bind of
  /// the rootfs onto itself, whose parent is the mount holding the rootfs: the rootfs itself
  /// when it is a mount point (an overlay mounted by berthd or containerd), else the mount of a
  /// directory above it. Make that mount private.
  func makeParentPrivate() throws {
    try Mounts.mount(nil, Mounts.mountPoint(containing: rootfs), nil, MountFlag.private, nil)
  }

  mutating func mountAll() throws {
    var hasDev = false
    for mount in spec.mounts ?? [] {
      let destination = Runtime.normalize(mount.destination.hasPrefix("/") ? mount.destination : "/" + mount.destination)
      if destination == "/dev" { hasDev = true }
      try mountOne(mount, destination: destination)
    }
    if hasDev {
      try Devices.createDefault(rootfs: rootfs, bindFromHost: userNamespace)
      try Devices.createSymlinks(rootfs: rootfs)
    }
    try Devices.create(spec.linux?.devices ?? [], rootfs: rootfs, bindFromHost: userNamespace)
    if spec.process?.terminal == true, Sys.isDirectory(rootfs + "/dev"), !Sys.exists(rootfs + "/dev/console", follow: false) {
      let fd = open(rootfs + "/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
      if fd >= 0 { close(fd) }
    }
    for (target, flag) in pendingPropagation { try Mounts.mount(nil, target, nil, flag, nil) }
  }

  mutating func mountOne(_ mount: Spec.Mount, destination: String) throws {
    let options = try MountOptions(mount.options ?? [])
    let type = mount.type ?? (options.isBind ? "bind" : "")
    let target = try Mounts.secureJoin(root: rootfs, path: destination)
    if type == "cgroup" || type == "cgroup2" {
      try CgroupMounts(config: config).mount(at: target, options: options)
      return
    }
    if options.isBind || type == "bind" {
      guard let source = mount.source, !source.isEmpty else {
        throw BerthError.invalid("mounts: bind mount to \(destination) has no source")
      }
      let sourcePath = source.hasPrefix("/") ? source : config.bundle + "/" + source
      guard let st = Sys.stat(sourcePath) else { throw BerthError(.notFound, "mount source \(sourcePath) does not exist") }
      try Mounts.makeMountPoint(target, directory: st.st_mode & S_IFMT == S_IFDIR)
      var flags = options.flags | MountFlag.bind
      try Mounts.mount(sourcePath, target, nil, flags & (MountFlag.bind | MountFlag.rec), nil)
      // A bind mount takes other flags only through a remount of the new mount.
      flags &= ~(MountFlag.bind | MountFlag.rec | MountFlag.remount)
      if flags != 0 {
        try Mounts.remount(target, flags: flags | MountFlag.bind)
      }
      if options.recursiveReadonly, options.flags & MountFlag.rec != 0 {
        if berth_mount_setattr_rdonly_recursive(AT_FDCWD, target) != 0 { throw Sys.error("mount_setattr rro \(destination)") }
      }
    } else {
      try Mounts.makeMountPoint(target, directory: true)
      let source = mount.source ?? type
      var flags = options.flags
      var data = options.dataString
      if let label = spec.linux?.mountLabel, !label.isEmpty, type == "tmpfs" {
        data += (data.isEmpty ? "" : ",") + "context=\"\(label)\""
      }
      do {
        try Mounts.mount(source, target, type, flags, data.isEmpty ? nil : data)
      } catch let error as BerthError where type == "sysfs" && (error.errno == EPERM || error.errno == EBUSY) {
        // Without a network namespace of its own (or in a user namespace), sysfs cannot be
        // mounted anew: bind the host's instead, read-only as asked.
        flags |= MountFlag.bind | MountFlag.rec
        try Mounts.mount("/sys", target, nil, MountFlag.bind | MountFlag.rec, nil)
        if options.flags & ~MountFlag.rec != 0 { try Mounts.remount(target, flags: options.flags | MountFlag.bind) }
      } catch let error as BerthError where type == "mqueue" && error.errno == EPERM {
        try Mounts.mount("/dev/mqueue", target, nil, MountFlag.bind | MountFlag.rec, nil)
      }
    }
    for flag in options.propagation { pendingPropagation.append((target, flag)) }
  }

  /// pivot_root into the rootfs (or, with --no-pivot, move it over / and chroot).
  func pivot() throws {
    try Sys.check(chdir(rootfs), "chdir \(rootfs)")
    if config.noPivot {
      try Mounts.mount(rootfs, "/", nil, MountFlag.move, nil)
      try Sys.check(chroot("."), "chroot \(rootfs)")
    } else {
      // pivot_root(".", ".") stacks the old root on top of the new one; detach it right away.
      // Making it a slave first keeps the detach from propagating to the host. The old root
      // is reached through a descriptor opened before the pivot: "." names the new root's
      // directory, and a recursive slave there would cut the container's rshared mounts off
      // from their host peers.
      let oldRoot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC)
      if oldRoot < 0 { throw Sys.error("open the old root") }
      defer { close(oldRoot) }
      try Sys.check(berth_pivot_root(".", "."), "pivot_root \(rootfs)")
      try Sys.check(fchdir(oldRoot), "fchdir to the old root")
      try Mounts.mount(nil, ".", nil, MountFlag.slave | MountFlag.rec, nil)
      try Sys.check(umount2(".", Int32(MNT_DETACH)), "unmount the old root")
    }
    try Sys.check(chdir("/"), "chdir /")
  }

  /// After pivot_root: propagation of /, sysctls, read-only and masked paths, read-only root.
  /// Sysctls go before read-only paths (which cover /proc/sys); masking comes after both.
  func finish() throws {
    if let name = spec.linux?.rootfsPropagation, !name.isEmpty, let flag = MountOptions.propagationTable[name] {
      try Mounts.mount(nil, "/", nil, flag, nil)
    }
    for (key, value) in (spec.linux?.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
      let path = "/proc/sys/" + key.replacingDots()
      do { try Sys.writeFile(path, value, create: false) } catch let error as BerthError {
        throw BerthError(error.code, "set sysctl \(key)=\(value): \(error.message)")
      }
    }
    for path in spec.linux?.readonlyPaths ?? [] { try Mounts.makeReadonly(path) }
    for path in spec.linux?.maskedPaths ?? [] { try Mounts.mask(path) }
    if spec.root?.readonly == true {
      try Mounts.remount("/", flags: MountFlag.bind | MountFlag.rdonly)
    }
  }
}

extension String {
  /// "net.ipv4.ip_forward" → "net/ipv4/ip_forward" (a sysctl name to its /proc/sys path).
  func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
