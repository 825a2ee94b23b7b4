#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import Crypto

/// The file-level steps of the store that BerthSys does not have: a non-blocking ingest lock,
/// streaming hashes, fsync of directories, and the ordered removal of an ingest directory.
enum FileOps {
  static let chunkSize = 1 << 20

  /// Wall-clock time in nanoseconds since the Unix epoch.
  static func nowNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  static func mtimeNanoseconds(_ st: stat) -> Int64 {
    Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
  }

  /// Takes the ingest lock of `dir` without waiting, creating the lock file if missing and the
  /// directory too when `create` is true. Returns the locked descriptor, or nil when `create` is
  /// false and the ingest is gone. Throws the "locked by another writer" error when someone else
  /// holds it.
  ///
  /// After flock succeeds, the lock file's path must still name the inode we locked: the previous
  /// holder may have removed the directory between our open and our flock, and a lock on an
  /// unlinked file protects nothing. In that case we start over.
  static func lockIngest(_ dir: String, ref: String, create: Bool) throws -> Int32? {
    let path = dir + "/lock"
    for _ in 0..<100 {
      if create && mkdir(dir, 0o700) != 0 && errno != EEXIST {
        throw Sys.error("mkdir \(dir)")
      }
      let fd = Sys.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
      if fd < 0 {
        if errno == ENOENT { if create { continue } else { return nil } }
        throw Sys.error("open \(path)")
      }
      if Sys.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
        let err = errno
        close(fd)
        if err == EWOULDBLOCK { throw BerthError(.invalidState, "ingest \(ref) is locked by another writer") }
        throw Sys.error("flock \(path)", err)
      }
      var held = stat()
      if fstat(fd, &held) == 0, let current = Sys.stat(path, follow: false),
        current.st_ino == held.st_ino && current.st_dev == held.st_dev
      {
        return fd
      }
      close(fd)
      if !create { return nil }
    }
    throw BerthError(.internalError, "ingest \(ref): the lock file \(path) kept changing under us")
  }

  /// Removes an ingest directory whose lock the caller holds: the content first and the lock file
  /// last, so a process that locks the old lock file afterwards sees it unlinked and starts over.
  /// A failed rmdir because a new writer already created a fresh lock file is not an error.
  static func removeIngest(_ dir: String) throws {
    let names = (try? Sys.listDirectory(dir)) ?? []
    for name in names where name != "lock" {
      try Sys.removeAll(dir + "/" + name)
    }
    if unlink(dir + "/lock") != 0 && errno != ENOENT { throw Sys.error("unlink \(dir)/lock") }
    if rmdir(dir) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST {
      throw Sys.error("rmdir \(dir)")
    }
  }

  /// Feeds `fd` from its current position to end of file into `hasher`; returns the byte count.
  static func hash(fd: Int32, into hasher: inout SHA256, what: String) throws -> Int64 {
    var buffer = [UInt8](repeating: 0, count: chunkSize)
    var total: Int64 = 0
    while true {
      let n = Sys.retrying { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
      if n < 0 { throw Sys.error("read \(what)") }
      if n == 0 { return total }
      buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
      total += Int64(n)
    }
  }

  /// Writes all of `bytes` to `fd`.
  static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, what: String) throws {
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let n = Sys.retrying { write(fd, base, left) }
      if n < 0 { throw Sys.error("write \(what)") }
      base += n
      left -= n
    }
  }

  /// fsync(2) of a directory, so an entry just linked or removed in it survives a crash.
  static func syncDirectory(_ path: String) throws {
    let fd = try Sys.check(Sys.retrying { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }, "open \(path)")
    defer { close(fd) }
    try Sys.check(Sys.retrying { fsync(fd) }, "fsync \(path)")
  }

  /// The decimal nanoseconds in a `startedat` file, or nil if it is missing or unreadable.
  static func readTimestamp(_ path: String) -> Int64? {
    guard let text = try? Sys.readFile(path) else { return nil }
    return Int64(text)
  }
}
