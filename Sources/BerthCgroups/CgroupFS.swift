#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError

/// The seam between the cgroup managers and the kernel: the real cgroup filesystem, or an
/// in-memory fake in tests. Paths are absolute.
public protocol CgroupFS: Sendable {
  /// Reads the whole file.
  func read(_ path: String) throws -> String
  /// Writes `value` with one write(2), like `echo value > path`; errors carry errno and the path.
  func write(_ path: String, _ value: String) throws
  /// Creates the directory and any missing parents.
  func mkdirAll(_ path: String) throws
  /// Removes one empty directory (a cgroup).
  func rmdir(_ path: String) throws
  /// Whether a file or directory exists at `path`.
  func exists(_ path: String) -> Bool
  /// Whether `path` is a directory.
  func isDirectory(_ path: String) -> Bool
  /// The names of the entries in a directory, without "." and "..".
  func list(_ path: String) throws -> [String]
}

/// The kernel's cgroup filesystem through plain libc calls.
public struct RealCgroupFS: CgroupFS {
  /// Creates the real filesystem seam.
  public init() {}

  public func read(_ path: String) throws -> String {
    let fd = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
    if fd < 0 { throw fsError(.io, "open", path) }
    defer { _ = close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = chunk.withUnsafeMutableBytes { buf in
        retryingEINTR { libcRead(fd, buf.baseAddress, buf.count) }
      }
      if n < 0 { throw fsError(.io, "read", path) }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  public func write(_ path: String, _ value: String) throws {
    let fd = retryingEINTR { open(path, O_WRONLY | O_CLOEXEC) }
    if fd < 0 { throw fsError(.io, "write", path) }
    defer { _ = close(fd) }
    var bytes = Array(value.utf8)
    let n = bytes.withUnsafeMutableBytes { buf in
      retryingEINTR { libcWrite(fd, buf.baseAddress, buf.count) }
    }
    if n < 0 { throw fsError(.io, "write", path) }
    if n != bytes.count {
      throw BerthError(.io, "write \(path): short write of \(n) of \(bytes.count) bytes")
    }
    bytes.removeAll()
  }

  public func mkdirAll(_ path: String) throws {
    var current = ""
    for component in path.split(separator: "/") {
      current += "/" + component
      if libcMkdir(current, 0o755) != 0 {
        let err = errno
        if err == EEXIST, isDirectory(current) { continue }
        throw BerthError(.syscall, "mkdir \(current): \(errnoText(err))", errno: err)
      }
    }
  }

  public func rmdir(_ path: String) throws {
    if libcRmdir(path) != 0 { throw fsError(.syscall, "rmdir", path) }
  }

  public func exists(_ path: String) -> Bool {
    access(path, F_OK) == 0
  }

  public func isDirectory(_ path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0 else { return false }
    return (st.st_mode & S_IFMT) == S_IFDIR
  }

  public func list(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw fsError(.syscall, "opendir", path) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}

/// Text of an errno value, as strerror(3) gives it.
func errnoText(_ err: Int32) -> String {
  String(cString: strerror(err))
}

/// An error for the failed call `op` on `path` from the current errno.
private func fsError(_ code: BerthError.Code, _ op: String, _ path: String) -> BerthError {
  let err = errno
  return BerthError(code, "\(op) \(path): \(errnoText(err))", errno: err)
}

/// Runs `call` again while it fails with EINTR.
private func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
  while true {
    let result = call()
    if result < 0 && errno == EINTR { continue }
    return result
  }
}

/// Sleeps for `microseconds`; the managers poll with it while a freeze settles or a cgroup empties.
func sleepMicroseconds(_ microseconds: UInt32) {
  _ = usleep(microseconds)
}

// Free functions so the libc calls are not shadowed by the CgroupFS methods of the same name.
private func libcRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }
private func libcWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buf, count) }
private func libcMkdir(_ path: String, _ mode: mode_t) -> Int32 { mkdir(path, mode) }
private func libcRmdir(_ path: String) -> Int32 { rmdir(path) }
