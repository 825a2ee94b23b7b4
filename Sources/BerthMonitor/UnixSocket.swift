#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CLinuxSys

/// Unix stream sockets by path. A path longer than sun_path (107 bytes) is reached through
/// `/proc/self/fd/<dir>/<name>`, so deep state directories work too.
public enum UnixSocket {
  /// A listening, non-blocking, close-on-exec socket bound at `path` (a stale file is removed).
  public static func listen(_ path: String, backlog: Int32 = 16) throws -> Int32 {
    let fd = try Sys.check(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0), "socket")
    do {
      unlink(path)
      try withAddress(path) { address, length in
        _ = try Sys.check(bind(fd, address, length), "bind \(path)")
      }
      try Sys.check(Glibc.listen(fd, backlog), "listen \(path)")
      return fd
    } catch {
      close(fd)
      throw error
    }
  }

  /// A blocking, close-on-exec socket connected to `path`.
  public static func connect(_ path: String) throws -> Int32 {
    let fd = try Sys.check(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
    do {
      try withAddress(path) { address, length in
        _ = try Sys.check(Sys.retrying { Glibc.connect(fd, address, length) }, "connect \(path)")
      }
      return fd
    } catch {
      close(fd)
      throw error
    }
  }

  /// Calls `body` with a sockaddr_un for `path`.
  static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void) throws {
    var target = path
    var dirFD: Int32 = -1
    defer { if dirFD >= 0 { close(dirFD) } }
    var address = sockaddr_un()
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    if target.utf8.count >= capacity {
      let slash = target.lastIndex(of: "/") ?? target.startIndex
      let directory = String(target[..<slash])
      dirFD = try Sys.check(open(directory.isEmpty ? "/" : directory, BERTH_O_PATH | O_CLOEXEC), "open \(directory)")
      target = "/proc/self/fd/\(dirFD)/" + target[target.index(after: slash)...]
      guard target.utf8.count < capacity else { throw BerthError.invalid("socket name too long: \(path)") }
    }
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, byte) in target.utf8.enumerated() { raw[i] = byte }
      raw[target.utf8.count] = 0
    }
    try withUnsafePointer(to: &address) {
      try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        try body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
  }
}
