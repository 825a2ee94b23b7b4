#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// Device nodes in the container's /dev: the six every container gets, the config's
/// `linux.devices`, and the standard symlinks. In a user namespace mknod is not allowed, so
/// the host's node is bind-mounted onto an empty file instead.
enum Devices {
  static let defaults: [Spec.Device] = [
    Spec.Device(type: "c", path: "/dev/null", major: 1, minor: 3, fileMode: 0o666),
    Spec.Device(type: "c", path: "/dev/zero", major: 1, minor: 5, fileMode: 0o666),
    Spec.Device(type: "c", path: "/dev/full", major: 1, minor: 7, fileMode: 0o666),
    Spec.Device(type: "c", path: "/dev/random", major: 1, minor: 8, fileMode: 0o666),
    Spec.Device(type: "c", path: "/dev/urandom", major: 1, minor: 9, fileMode: 0o666),
    Spec.Device(type: "c", path: "/dev/tty", major: 5, minor: 0, fileMode: 0o666),
  ]

  static func createDefault(rootfs: String, bindFromHost: Bool) throws {
    try create(defaults, rootfs: rootfs, bindFromHost: bindFromHost)
  }

  static func create(_ devices: [Spec.Device], rootfs: String, bindFromHost: Bool) throws {
    for device in devices {
      let target = try Mounts.secureJoin(root: rootfs, path: device.path)
      let parent = String(target[..<(target.lastIndex(of: "/") ?? target.endIndex)])
      try Sys.mkdirAll(parent)
      if bindFromHost {
        try Mounts.makeMountPoint(target, directory: false)
        try Mounts.mount(device.path, target, nil, MountFlag.bind, nil)
        continue
      }
      let kind: mode_t =
        switch device.type {
        case "b": S_IFBLK
        case "p": S_IFIFO
        default: S_IFCHR
        }
      let mode = mode_t(device.fileMode ?? 0o666) & 0o7777
      unlink(target)
      if berth_mknod(target, kind | mode, UInt32(device.major ?? 0), UInt32(device.minor ?? 0)) != 0 {
        throw Sys.error("mknod \(device.path)")
      }
      try Sys.check(chmod(target, mode), "chmod \(device.path)")
      try Sys.check(chown(target, device.uid ?? 0, device.gid ?? 0), "chown \(device.path)")
    }
  }

  static func createSymlinks(rootfs: String) throws {
    let links = [
      ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"), ("/proc/self/fd/1", "/dev/stdout"),
      ("/proc/self/fd/2", "/dev/stderr"), ("/proc/kcore", "/dev/core"),
    ]
    for (target, link) in links where !Sys.exists(rootfs + link, follow: false) {
      if symlink(target, rootfs + link) != 0 && errno != EEXIST { throw Sys.error("symlink \(link)") }
    }
    if Sys.isDirectory(rootfs + "/dev/pts"), !Sys.exists(rootfs + "/dev/ptmx", follow: false) {
      if symlink("pts/ptmx", rootfs + "/dev/ptmx") != 0 && errno != EEXIST { throw Sys.error("symlink /dev/ptmx") }
    }
  }
}
