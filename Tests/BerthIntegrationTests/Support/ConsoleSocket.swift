import Foundation

/// The caller's side of `--console-socket`: a listening Unix socket that the runtime connects
/// to and sends the container's pseudo-terminal master through (one SCM_RIGHTS message, as
/// runc's recvtty does).
final class ConsoleSocket {
  let path: String
  private let listener: Int32

  /// Binds and listens on `path` (which must not exist yet and fit in sun_path).
  init(path: String) throws {
    self.path = path
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
      close(fd)
      throw FixtureError("console socket path \(path) is too long")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in bytes.enumerated() { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 4) == 0 else {
      let message = String(cString: strerror(errno))
      close(fd)
      throw FixtureError("bind/listen \(path): \(message)")
    }
    listener = fd
  }

  deinit {
    close(listener)
    unlink(path)
  }

  /// Accepts the runtime's connection and returns the descriptor it sent (the pty master) and
  /// the message that came with it (runc sends the slave's path). The runtime may already have
  /// sent and exited: the connection waits in the backlog with its message queued.
  func receiveDescriptor(timeout: TimeInterval = 5) throws -> (fd: Int32, message: String) {
    guard waitReadable(listener, timeout: timeout) else { throw FixtureError("no connection on \(path) within \(timeout) s") }
    // accept, not accept4 (Glibc's module lacks it): the runner closes every descriptor above
    // stdio in its children anyway.
    let connection = accept(listener, nil, nil)
    guard connection >= 0 else { throw FixtureError("accept: \(String(cString: strerror(errno)))") }
    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
    defer { close(connection) }
    guard waitReadable(connection, timeout: timeout) else { throw FixtureError("no message on \(path) within \(timeout) s") }

    var data = [UInt8](repeating: 0, count: 4096)
    // CMSG_SPACE(sizeof(int)): the header rounded to size_t alignment, then the int, rounded.
    let headerSize = MemoryLayout<cmsghdr>.stride
    let align = MemoryLayout<Int>.size
    let space = headerSize + ((MemoryLayout<Int32>.size + align - 1) / align) * align
    let control = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: MemoryLayout<cmsghdr>.alignment)
    defer { control.deallocate() }
    control.initializeMemory(as: UInt8.self, repeating: 0, count: space)
    let received: Int = data.withUnsafeMutableBytes { buffer in
      var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
      return withUnsafeMutablePointer(to: &iov) { iovPointer in
        var message = msghdr()
        message.msg_iov = iovPointer
        message.msg_iovlen = 1
        message.msg_control = control
        message.msg_controllen = space
        let n = recvmsg(connection, &message, Int32(MSG_CMSG_CLOEXEC))
        return n < 0 ? -Int(errno) : (message.msg_controllen >= headerSize ? n : -Int(ENOMSG))
      }
    }
    guard received >= 0 else { throw FixtureError("recvmsg: \(String(cString: strerror(Int32(-received))))") }
    let header = control.load(as: cmsghdr.self)
    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS),
      header.cmsg_len >= headerSize + MemoryLayout<Int32>.size
    else { throw FixtureError("the message on \(path) carries no SCM_RIGHTS descriptor") }
    let fd = control.load(fromByteOffset: headerSize, as: Int32.self)
    return (fd, String(decoding: data.prefix(received), as: UTF8.self))
  }
}

/// Whether `fd` becomes readable (or hung up) within `timeout`.
func waitReadable(_ fd: Int32, timeout: TimeInterval) -> Bool {
  var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
  let deadline = Date().addingTimeInterval(timeout)
  while true {
    let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
    let ready = poll(&pfd, 1, left)
    if ready > 0 { return true }
    if ready == 0 || errno != EINTR { return false }
  }
}

/// Reads `fd` until the text read so far satisfies `done`, the other end is gone (EOF, or EIO
/// from a pty master whose slaves are all closed), or `timeout` passes.
func readText(_ fd: Int32, timeout: TimeInterval = 5, until done: (String) -> Bool) -> String {
  var bytes: [UInt8] = []
  let deadline = Date().addingTimeInterval(timeout)
  var chunk = [UInt8](repeating: 0, count: 4096)
  while !done(String(decoding: bytes, as: UTF8.self)) {
    guard waitReadable(fd, timeout: max(0, deadline.timeIntervalSinceNow)) else { break }
    let n = read(fd, &chunk, chunk.count)
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { break }
    bytes += chunk.prefix(n)
  }
  return String(decoding: bytes, as: UTF8.self)
}
