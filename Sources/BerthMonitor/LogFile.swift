#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthSys

/// The CRI log file the monitor appends to. `reopen` follows a rename by the daemon (rotation);
/// with a size limit, the file is truncated when a write would pass it (as conmon does).
struct LogFile {
  let path: String
  let sizeMax: Int
  private(set) var fd: Int32 = -1
  private var size = 0

  /// Opens `path` for appending ("" = drop everything).
  init(path: String, sizeMax: Int) throws {
    self.path = path
    self.sizeMax = sizeMax
    try open()
  }

  /// Closes the file and opens `path` again (created if it was renamed away).
  mutating func reopen() throws {
    close()
    try open()
  }

  mutating func close() {
    if fd >= 0 { _ = Glibc.close(fd) }
    fd = -1
  }

  /// Appends `bytes`. A failed write is dropped: the container must not block on its log.
  mutating func write(_ bytes: [UInt8]) {
    guard fd >= 0, !bytes.isEmpty else { return }
    if sizeMax > 0 && size + bytes.count > sizeMax && size > 0 {
      if ftruncate(fd, 0) == 0 { size = 0 }
    }
    if (try? Sys.writeAll(fd: fd, bytes, what: path)) != nil { size += bytes.count }
  }

  private mutating func open() throws {
    guard !path.isEmpty else { return }
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex, !Sys.isDirectory(String(path[..<slash])) {
      try Sys.mkdirAll(String(path[..<slash]))
    }
    fd = try Sys.check(
      Sys.retrying { Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640) }, "open log file \(path)")
    var st = stat()
    size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
  }
}
