#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CLinuxSys

/// Resolution of parents under the root, and removal, all through descriptors.
///
/// A parent is opened with `openat2(rootfd, "a/b", RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`:
/// the kernel follows symlinks left by this or a lower layer only while they stay under the root,
/// and fails with EXDEV when an absolute symlink, a `..` or a relative symlink would leave it.
/// The last component is then a plain name used with `*at` calls that never follow it
/// (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`, `linkat` without `AT_SYMLINK_FOLLOW`).
extension LayerWriter {
  static let resolveFlags = BERTH_RESOLVE_BENEATH | BERTH_RESOLVE_NO_MAGICLINKS

  /// Opens the directory `components` under the root (an `O_PATH` descriptor the caller closes),
  /// creating missing directories (0755, root-owned after the id offset) when `create` is set.
  func openParent<C: Collection<String>>(_ components: C, create: Bool, role: String = "parent") throws -> Int32 {
    let flags = BERTH_O_PATH | O_DIRECTORY | O_CLOEXEC
    let path = components.isEmpty ? "." : components.joined(separator: "/")
    let fd = berth_openat2(rootfd, path, flags, Self.resolveFlags)
    if fd >= 0 { return fd }
    guard errno == ENOENT, create else { throw resolveError(errno, role: role, path: path) }
    // Slow path: a layer may omit its parent directories. Walk down, creating what is missing.
    var dir = berth_openat2(rootfd, ".", flags, Self.resolveFlags)
    try check(dir, "opening the root")
    var prefix: [String] = []
    for component in components {
      prefix.append(component)
      let sub = prefix.joined(separator: "/")
      var next = berth_openat2(rootfd, sub, flags, Self.resolveFlags)
      if next < 0 && errno == ENOENT {
        if mkdirat(dir, component, 0o755) == 0 {
          written.insert(sub)
          if options.preserveOwnership {
            fchownat(dir, component, options.uidOffset, options.gidOffset, AT_SYMLINK_NOFOLLOW)
          }
        }
        next = berth_openat2(rootfd, sub, flags, Self.resolveFlags)
      }
      let err = errno
      close(dir)
      if next < 0 { throw resolveError(err, role: role, path: sub) }
      dir = next
    }
    return dir
  }

  /// The error for a parent that could not be resolved.
  func resolveError(_ err: Int32, role: String, path: String) -> BerthError {
    switch err {
    case EXDEV: refuse("\(role) \"\(path)\" escapes the root through a symlink")
    case ELOOP: refuse("\(role) \"\(path)\" has too many levels of symlinks")
    case ENOTDIR: refuse("\(role) \"\(path)\" is not a directory")
    case ENOENT: refuse("\(role) \"\(path)\" does not exist")
    default:
      BerthError(.syscall, "layer entry \"\(current)\": opening \(role) \"\(path)\": \(Sys.describe(err))", errno: err)
    }
  }

  /// Removes what is at `name` so the entry can take its place, except that an existing
  /// directory stays (and is merged into) when the entry is a directory too.
  /// - Returns: whether an existing directory was kept
  func clearExisting(parent: Int32, name: String, forDirectory: Bool) throws -> Bool {
    var st = stat()
    if fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 {
      if errno == ENOENT { return false }
      try check(-1, "fstatat")
    }
    if forDirectory && st.st_mode & S_IFMT == S_IFDIR { return true }
    try removeTree(parent: parent, name: name)
    return false
  }

  /// Removes `name` in `parent`, recursively for a directory, without following symlinks.
  func removeTree(parent: Int32, name: String) throws {
    if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
    if errno != EISDIR { try check(-1, "removing \"\(name)\"") }
    let dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    try check(dir, "opening \"\(name)\" for removal")
    defer { close(dir) }
    try Self.removeContents(of: dir)
    try check(unlinkat(parent, name, AT_REMOVEDIR), "removing directory \"\(name)\"")
  }

  /// Removes everything inside the directory `dir`, without following symlinks.
  static func removeContents(of dir: Int32) throws {
    for name in try children(of: dir) {
      if unlinkat(dir, name, 0) == 0 || errno == ENOENT { continue }
      if errno != EISDIR { throw Sys.error("removing \"\(name)\"") }
      let sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if sub < 0 { throw Sys.error("opening \"\(name)\" for removal") }
      defer { close(sub) }
      try removeContents(of: sub)
      if unlinkat(dir, name, AT_REMOVEDIR) != 0 { throw Sys.error("removing directory \"\(name)\"") }
    }
  }

  /// The names in the directory `dir` (a readable descriptor, left open), without `.` and `..`.
  static func children(of dir: Int32) throws -> [String] {
    let copy = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if copy < 0 { throw Sys.error("opening directory for listing") }
    guard let stream = fdopendir(copy) else {
      close(copy)
      throw Sys.error("fdopendir")
    }
    defer { closedir(stream) }
    var names: [String] = []
    while let item = readdir(stream) {
      let name = withUnsafeBytes(of: item.pointee.d_name) { bytes in
        bytes.baseAddress.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
