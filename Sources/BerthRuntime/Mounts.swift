#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys

/// mount(2) helpers for the container's mount namespace.
enum Mounts {
  static func mount(_ source: String?, _ target: String, _ type: String?, _ flags: UInt, _ data: String?) throws {
    if Glibc.mount(source, target, type, flags, data) != 0 {
      throw Sys.error("mount \(source ?? "none") to \(target)\(type.map { " (\($0))" } ?? "")")
    }
  }

  /// Remounts `target` with `flags`, keeping the flags the kernel locks on a mount made in
  /// another user namespace (nosuid, nodev, noexec, atime) so the remount is not refused.
  static func remount(_ target: String, flags: UInt) throws {
    var fs = statvfs()
    var keep: UInt = 0
    if statvfs(target, &fs) == 0 {
      // statvfs ST_* bits → mount MS_* flags (equal except relatime).
      let table: [(UInt, UInt)] = [
        (2, MountFlag.nosuid), (4, MountFlag.nodev), (8, MountFlag.noexec), (1024, MountFlag.noatime),
        (2048, MountFlag.nodiratime), (4096, MountFlag.relatime),
      ]
      for (bit, flag) in table where UInt(fs.f_flag) & bit != 0 { keep |= flag }
    }
    try mount(nil, target, nil, flags | keep | MountFlag.remount, nil)
  }

  /// Resolves `path` inside `root` the way the container will see it: symlinks are followed
  /// relative to `root`, and ".." never climbs above it. Missing components are kept as they
  /// are (they will be created).
  static func secureJoin(root: String, path: String) throws -> String {
    var resolved: [Substring] = []
    var pending = path.split(separator: "/").reversed().map { $0 }
    var links = 0
    while let part = pending.popLast() {
      if part == "." { continue }
      if part == ".." { _ = resolved.popLast(); continue }
      let candidate = root + "/" + (resolved + [part]).joined(separator: "/")
      if let st = Sys.stat(candidate, follow: false), st.st_mode & S_IFMT == S_IFLNK {
        links += 1
        guard links <= 255 else { throw BerthError.invalid("too many symlinks resolving \(path) in the rootfs") }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(candidate, &buffer, Int(PATH_MAX))
        guard n >= 0 else { throw Sys.error("readlink \(candidate)") }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if target.hasPrefix("/") { resolved.removeAll() }
        pending.append(contentsOf: target.split(separator: "/").reversed())
        continue
      }
      resolved.append(part)
    }
    return root + (resolved.isEmpty ? "" : "/" + resolved.joined(separator: "/"))
  }

  /// Creates a directory, or an empty file for a file bind mount, if missing.
  static func makeMountPoint(_ target: String, directory: Bool) throws {
    if Sys.exists(target) { return }
    if directory {
      try Sys.mkdirAll(target)
    } else {
      let parent = String(target[..<(target.lastIndex(of: "/") ?? target.endIndex)])
      try Sys.mkdirAll(parent.isEmpty ? "/" : parent)
      let fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
      if fd < 0 { throw Sys.error("create mount point \(target)") }
      close(fd)
    }
  }

  /// The mount point (from /proc/self/mountinfo) under which `path` lies.
  static func mountPoint(containing path: String) -> String {
    let info = (try? Sys.readFile("/proc/self/mountinfo")) ?? ""
    var best = "/"
    for line in info.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count > 4 else { continue }
      let point = String(fields[4])
      if (path == point || path.hasPrefix(point == "/" ? "/" : point + "/")) && point.count > best.count { best = point }
    }
    return best
  }

  /// readonlyPaths: bind the path onto itself and remount it read-only.
  static func makeReadonly(_ path: String) throws {
    guard Sys.exists(path) else { return }
    try mount(path, path, nil, MountFlag.bind | MountFlag.rec, nil)
    try remount(path, flags: MountFlag.bind | MountFlag.rdonly | MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec)
  }

  /// maskedPaths: a directory gets an empty read-only tmpfs, anything else /dev/null.
  static func mask(_ path: String) throws {
    guard let st = Sys.stat(path) else { return }
    if st.st_mode & S_IFMT == S_IFDIR {
      try mount("tmpfs", path, "tmpfs", MountFlag.rdonly, nil)
    } else {
      try mount("/dev/null", path, nil, MountFlag.bind, nil)
    }
  }
}
