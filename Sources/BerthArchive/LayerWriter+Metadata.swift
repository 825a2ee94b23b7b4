#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CArchive
import CLinuxSys

/// Ownership, mode, xattrs and times of a placed entry.
///
/// Order matters: chown first (it clears setuid/setgid and `security.capability`), then the mode,
/// then xattrs, then times (every other change updates ctime only, but writes update mtime).
/// Directories get their mode and times in `finishDirectories`, deepest first.
extension LayerWriter {
  func applyMetadata(_ entry: OpaquePointer, parent: Int32, name: String, path: String, type: mode_t, dataFD: Int32)
    throws
  {
    if options.preserveOwnership {
      let (uid, gid) = try owner(entry)
      try check(fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW), "lchown")
    }
    let mode = archive_entry_perm(entry) & 0o7777
    let times = (
      Self.time(archive_entry_atime_is_set(entry) != 0 ? archive_entry_atime(entry) : archive_entry_mtime(entry),
        archive_entry_atime_is_set(entry) != 0 ? archive_entry_atime_nsec(entry) : archive_entry_mtime_nsec(entry)),
      Self.time(archive_entry_mtime(entry), archive_entry_mtime_nsec(entry))
    )
    if type == S_IFDIR {
      directories[path] = DirectoryMetadata(mode: mode, times: times)
      let dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      try check(dir, "opening directory")
      defer { close(dir) }
      try setXattrs(entry, fd: dir, viaProc: false)
      return
    }
    if dataFD >= 0 {
      try check(fchmod(dataFD, mode), "fchmod")
      try setXattrs(entry, fd: dataFD, viaProc: false)
    } else {
      // Symlinks, FIFOs and devices are not opened (a FIFO would block): an O_PATH descriptor
      // of the node itself, reached through /proc/self/fd, which names exactly that inode.
      let node = openat(parent, name, BERTH_O_PATH | O_NOFOLLOW | O_CLOEXEC)
      try check(node, "opening node")
      defer { close(node) }
      if type != S_IFLNK { try check(chmod("/proc/self/fd/\(node)", mode), "chmod") }
      try setXattrs(entry, fd: node, viaProc: true)
    }
    var ts = [times.0, times.1]
    try check(utimensat(parent, name, &ts, AT_SYMLINK_NOFOLLOW), "utimensat")
  }

  /// The entry's owner after the id offsets.
  func owner(_ entry: OpaquePointer) throws -> (uid_t, gid_t) {
    let uid = archive_entry_uid(entry) + Int64(options.uidOffset)
    let gid = archive_entry_gid(entry) + Int64(options.gidOffset)
    guard uid >= 0, uid < Int64(UInt32.max), gid >= 0, gid < Int64(UInt32.max) else {
      throw refuse("owner \(uid):\(gid) is out of range")
    }
    return (uid_t(uid), gid_t(gid))
  }

  /// Sets the entry's extended attributes (PAX `SCHILY.xattr.*`, GNU or libarchive headers).
  /// Overlay xattrs from the layer are never copied: they would steer the overlay mount.
  func setXattrs(_ entry: OpaquePointer, fd: Int32, viaProc: Bool) throws {
    guard archive_entry_xattr_reset(entry) > 0 else { return }
    var rawName: UnsafePointer<CChar>?
    var value: UnsafeRawPointer?
    var size = 0
    while archive_entry_xattr_next(entry, &rawName, &value, &size) == ARCHIVE_OK {
      guard let rawName else { continue }
      let name = String(cString: rawName)
      if name.hasPrefix("trusted.overlay.") || name.hasPrefix("user.overlay.") {
        result.warnings.append("layer entry \"\(current)\": overlay xattr \(name) skipped")
        continue
      }
      let rc =
        viaProc
        ? berth_archive_setxattr("/proc/self/fd/\(fd)", name, value, size) : berth_archive_fsetxattr(fd, name, value, size)
      if rc == 0 { continue }
      let err = errno
      if options.strictXattrs {
        throw BerthError(.syscall, "layer entry \"\(current)\": setting xattr \(name): \(Sys.describe(err))", errno: err)
      }
      result.warnings.append("layer entry \"\(current)\": xattr \(name) not set: \(Sys.describe(err))")
    }
  }

  /// Mode and times of every directory entry, deepest first, after all entries are in place.
  func finishDirectories() throws {
    let ordered = directories.sorted { $0.key.split(separator: "/").count > $1.key.split(separator: "/").count }
    for (path, metadata) in ordered {
      current = path
      let components = path.split(separator: "/").map(String.init)
      guard let name = components.last else { continue }
      // A directory removed or replaced by a later entry or whiteout is skipped.
      guard let parent = try? openParent(components.dropLast(), create: false) else { continue }
      defer { close(parent) }
      let dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if dir < 0 { continue }
      defer { close(dir) }
      try check(fchmod(dir, metadata.mode), "fchmod")
      var ts = [metadata.times.0, metadata.times.1]
      try check(futimens(dir, &ts), "futimens")
    }
  }

  static func time(_ seconds: time_t, _ nanoseconds: Int) -> timespec {
    timespec(tv_sec: seconds, tv_nsec: nanoseconds)
  }
}
