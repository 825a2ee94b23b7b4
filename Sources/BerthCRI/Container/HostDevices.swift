#if canImport(Glibc)
import Glibc
#endif
import BerthOCI
import BerthSys

/// The host's device nodes, as the spec builder asks for them.
enum HostDevices {
  /// Type, major, minor and mode of a device node; nil if `path` is not one.
  @Sendable static func stat(_ path: String) -> (type: String, major: Int64, minor: Int64, mode: UInt32)? {
    guard let info = Sys.stat(path) else { return nil }
    let kind = info.st_mode & S_IFMT
    let type: String
    switch kind {
    case S_IFCHR: type = "c"
    case S_IFBLK: type = "b"
    case S_IFIFO: type = "p"
    default: return nil
    }
    let rdev = UInt64(info.st_rdev)
    let major = Int64(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~UInt64(0xfff)))
    let minor = Int64((rdev & 0xff) | ((rdev >> 12) & ~UInt64(0xff)))
    return (type, major, minor, UInt32(info.st_mode))
  }

  /// The character and block devices directly under the host's /dev, for privileged
  /// containers; the terminal and console nodes the runtime makes itself are left out.
  @Sendable static func all() -> [Spec.Device] {
    let skipped: Set<String> = ["console", "ptmx", "tty", "full", "null", "random", "urandom", "zero"]
    return ((try? Sys.listDirectory("/dev")) ?? []).sorted().compactMap { name in
      guard !skipped.contains(name), let node = stat("/dev/" + name), node.type != "p" else { return nil }
      return Spec.Device(type: node.type, path: "/dev/" + name, major: node.major, minor: node.minor, fileMode: node.mode & 0o7777)
    }
  }
}
