#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import CLinuxSys

/// One end of a SOCK_SEQPACKET socketpair between the runtime and the process it cloned. Each
/// message is one packet: a tag byte and a UTF-8 payload, so the stages exchange typed messages
/// (see `SyncMessage`) rather than magic strings.
public struct Channel: Sendable {
  public let fd: Int32
  public init(fd: Int32) { self.fd = fd }

  /// A connected pair, both close-on-exec.
  public static func pair() throws -> (Channel, Channel) {
    var fds: [Int32] = [0, 0]
    try Sys.check(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds), "socketpair")
    return (Channel(fd: fds[0]), Channel(fd: fds[1]))
  }

  public func send(_ message: SyncMessage) throws {
    var bytes: [UInt8] = [message.tag]
    bytes.append(contentsOf: message.payload.utf8)
    let n = Sys.retrying { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    if n < 0 { throw Sys.error("send on sync socket") }
  }

  /// Sends a message with a file descriptor attached (SCM_RIGHTS).
  public func send(_ message: SyncMessage, fd attached: Int32) throws {
    var bytes: [UInt8] = [message.tag]
    bytes.append(contentsOf: message.payload.utf8)
    let rc = bytes.withUnsafeBytes { berth_send_fd(fd, attached, $0.baseAddress, $0.count) }
    if rc < 0 { throw Sys.error("send fd on sync socket") }
  }

  /// Receives the next message; throws if the peer closed the socket.
  public func receive() throws -> SyncMessage {
    try receiveWithFD().message
  }

  /// Receives the next message and the file descriptor attached to it, if any.
  public func receiveWithFD() throws -> (message: SyncMessage, fd: Int32?) {
    var buffer = [UInt8](repeating: 0, count: 65536)
    var received = 0
    let fdOrError = buffer.withUnsafeMutableBytes { berth_recv_fd(fd, $0.baseAddress, $0.count, &received) }
    if fdOrError < 0 && errno != ENOMSG { throw Sys.error("receive on sync socket") }
    guard received > 0 else { throw BerthError(.io, "the container process closed the sync socket") }
    let message = SyncMessage(tag: buffer[0], payload: String(decoding: buffer[1..<received], as: UTF8.self))
    return (message, fdOrError >= 0 ? fdOrError : nil)
  }

  public func close() { _ = Glibc.close(fd) }
}

/// The messages between `create` (parent), an intermediate process and the container's init.
public enum SyncMessage: Equatable, Sendable {
  /// parent → child: go on (maps written, cgroup joined, hooks run).
  case proceed
  /// child → parent: the new user namespace exists, write its id maps.
  case userNamespaceReady
  /// intermediate → parent: the pid (in the parent's pid namespace) of the container's init.
  case pid(Int32)
  /// child → parent: mounts done, before pivot_root: run prestart and createRuntime hooks.
  case runtimeHooks
  /// parent → child: the state to give createContainer hooks on their stdin.
  case containerHooks(String)
  /// child → parent: set-up is complete; init waits for `start`.
  case ready
  /// either way: a failure, with its message.
  case failure(String)
  case unknown(UInt8)

  var tag: UInt8 {
    switch self {
    case .proceed: 1
    case .userNamespaceReady: 2
    case .pid: 3
    case .runtimeHooks: 4
    case .containerHooks: 5
    case .ready: 6
    case .failure: 7
    case .unknown(let tag): tag
    }
  }

  var payload: String {
    switch self {
    case .pid(let pid): String(pid)
    case .containerHooks(let state): state
    case .failure(let message): message
    default: ""
    }
  }

  init(tag: UInt8, payload: String) {
    switch tag {
    case 1: self = .proceed
    case 2: self = .userNamespaceReady
    case 3: self = .pid(Int32(payload) ?? -1)
    case 4: self = .runtimeHooks
    case 5: self = .containerHooks(payload)
    case 6: self = .ready
    case 7: self = .failure(payload)
    default: self = .unknown(tag)
    }
  }
}

/// An exclusive flock(2) on a file, released when closed.
public struct FileLock: ~Copyable {
  /// The locked file's descriptor; a forked child must close it, or it keeps the lock.
  public let fd: Int32
  /// Blocks until the lock on `path` (created if missing) is held.
  public init(path: String) throws {
    let fd = try Sys.check(Sys.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }, "open \(path)")
    if Sys.retrying({ flock(fd, LOCK_EX) }) != 0 {
      let err = errno
      Glibc.close(fd)
      throw Sys.error("flock \(path)", err)
    }
    self.fd = fd
  }
  deinit { Glibc.close(fd) }
}
