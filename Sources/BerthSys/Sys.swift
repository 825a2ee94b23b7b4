#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import CLinuxSys

/// Small, synchronous wrappers over the system calls Berth uses. Every failure becomes a
/// `BerthError` naming the call and its argument, with `errno` attached.
public enum Sys {
  /// The errno description ("No such file or directory").
  public static func describe(_ err: Int32) -> String { String(cString: berth_strerror(err)) }

  /// An error for a failed call, from the current `errno`.
  public static func error(_ what: String, _ err: Int32 = errno) -> BerthError {
    let code: BerthError.Code =
      switch err {
      case ENOENT: .notFound
      case EEXIST: .alreadyExists
      case EPERM, EACCES: .permissionDenied
      default: .syscall
      }
    return BerthError(code, "\(what): \(describe(err))", errno: err)
  }

  /// Throws if `rc` is negative.
  @discardableResult
  public static func check<T: BinaryInteger>(_ rc: T, _ what: @autoclosure () -> String) throws -> T {
    if rc < 0 { throw error(what()) }
    return rc
  }

  /// Repeats a call while it fails with EINTR.
  @inline(__always)
  public static func retrying<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
      let rc = body()
      if rc < 0 && errno == EINTR { continue }
      return rc
    }
  }

  /// True if `path` exists (without following a final symlink when `follow` is false).
  public static func exists(_ path: String, follow: Bool = true) -> Bool {
    stat(path, follow: follow) != nil
  }

  /// The `stat` of a path, or nil if it does not exist.
  public static func stat(_ path: String, follow: Bool = true) -> stat? {
    var st = Glibc.stat()
    let rc = follow ? statFollowing(path, &st) : lstat(path, &st)
    return rc == 0 ? st : nil
  }

  public static func isDirectory(_ path: String) -> Bool {
    guard let st = stat(path) else { return false }
    return st.st_mode & S_IFMT == S_IFDIR
  }

  /// Reads a whole file as UTF-8.
  public static func readFile(_ path: String) throws -> String {
    String(decoding: try readBytes(path), as: UTF8.self)
  }

  /// Reads a whole file.
  public static func readBytes(_ path: String) throws -> [UInt8] {
    let fd = try check(retrying { open(path, O_RDONLY | O_CLOEXEC) }, "open \(path)")
    defer { close(fd) }
    return try readAll(fd: fd, what: path)
  }

  /// Reads from `fd` until end of file.
  public static func readAll(fd: Int32, what: String) throws -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16384)
    while true {
      let n = retrying { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
      if n < 0 { throw error("read \(what)") }
      if n == 0 { return result }
      result.append(contentsOf: buffer[0..<n])
    }
  }

  /// Writes `content` to `path` in one write(2) (creating it with `mode` unless `create` is false).
  public static func writeFile(_ path: String, _ content: String, mode: mode_t = 0o644, create: Bool = true, truncate: Bool = true) throws {
    var flags = O_WRONLY | O_CLOEXEC
    if create { flags |= O_CREAT }
    if truncate { flags |= O_TRUNC }
    let fd = try check(retrying { open(path, flags, mode) }, "open \(path)")
    defer { close(fd) }
    try writeAll(fd: fd, Array(content.utf8), what: path)
  }

  /// Writes `content` to a temporary file beside `path` and renames it over `path`.
  public static func writeFileAtomically(_ path: String, _ content: [UInt8], mode: mode_t = 0o600) throws {
    let temporary = path + ".tmp"
    let fd = try check(retrying { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }, "open \(temporary)")
    do {
      try writeAll(fd: fd, content, what: temporary)
      close(fd)
    } catch {
      close(fd)
      unlink(temporary)
      throw error
    }
    try check(rename(temporary, path), "rename \(temporary)")
  }

  /// Writes all of `bytes`.
  public static func writeAll(fd: Int32, _ bytes: [UInt8], what: String) throws {
    var offset = 0
    while offset < bytes.count {
      let n = retrying { bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
      if n < 0 { throw error("write \(what)") }
      offset += n
    }
  }

  /// mkdir -p.
  public static func mkdirAll(_ path: String, mode: mode_t = 0o755) throws {
    // The common cases cost one call: the directory exists, or only its last part is missing.
    if mkdir(path, mode) == 0 { return }
    switch errno {
    case EEXIST:
      if isDirectory(path) { return }
      throw error("mkdir \(path)", ENOTDIR)
    case ENOENT:
      let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
      guard !parent.isEmpty, parent != path else { throw error("mkdir \(path)") }
      try mkdirAll(parent, mode: mode)
      if mkdir(path, mode) != 0 && errno != EEXIST { throw error("mkdir \(path)") }
    default:
      throw error("mkdir \(path)")
    }
  }

  /// Names in a directory, without "." and "..".
  public static func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw error("opendir \(path)") }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// rm -rf that never crosses into another filesystem (a mount left inside is an error, not
  /// a deletion of what it shows).
  public static func removeAll(_ path: String) throws {
    guard let st = stat(path, follow: false) else { return }
    if st.st_mode & S_IFMT == S_IFDIR {
      for name in try listDirectory(path) {
        let child = path + "/" + name
        if let cst = stat(child, follow: false), cst.st_mode & S_IFMT == S_IFDIR, cst.st_dev != st.st_dev {
          throw BerthError(.invalidState, "refusing to remove \(child): it is a mount point")
        }
        try removeAll(child)
      }
      if rmdir(path) != 0 && errno != ENOENT { throw error("rmdir \(path)") }
    } else if unlink(path) != 0 && errno != ENOENT {
      throw error("unlink \(path)")
    }
  }

  /// A pipe whose ends are close-on-exec.
  public static func pipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    try check(berth_pipe2(&fds, O_CLOEXEC), "pipe2")
    return (fds[0], fds[1])
  }

  /// The process's environment as KEY=value strings.
  public static func environment() -> [String] {
    var result: [String] = []
    var pointer = environ
    while let entry = pointer.pointee {
      result.append(String(cString: entry))
      pointer += 1
    }
    return result
  }
}

/// stat(2) at file scope, where the name means the function rather than `Sys.stat`.
private func statFollowing(_ path: String, _ st: inout Glibc.stat) -> Int32 { stat(path, &st) }

extension StringProtocol {
  /// The text without leading and trailing spaces, tabs, carriage returns and newlines.
  public var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[start...end])
  }
}
