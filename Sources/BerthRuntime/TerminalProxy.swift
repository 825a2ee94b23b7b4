#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CLinuxSys

/// Foreground `run` of a container with `terminal: true` and no console socket (as `runc run`
/// does): the runtime receives the pty master itself over a socketpair, puts its own terminal
/// in raw mode, and copies bytes both ways until the container's terminal closes.
final class TerminalProxy {
  /// The end handed to `create` (the container's init sends the master on it).
  let remoteEnd: Int32
  private let localEnd: Int32
  private var master: Int32 = -1
  private var saved: termios?

  init() throws {
    var fds: [Int32] = [0, 0]
    try Sys.check(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds), "socketpair")
    localEnd = fds[0]
    remoteEnd = fds[1]
  }

  deinit {
    close(localEnd)
    close(remoteEnd)
    if master >= 0 { close(master) }
  }

  /// Whether the container's init sent a pty master. It does so before it reports ready, so
  /// once `create` has returned the answer is final.
  var masterSent: Bool {
    var fds = [pollfd(fd: localEnd, events: Int16(POLLIN), revents: 0)]
    return poll(&fds, 1, 0) > 0 && fds[0].revents & Int16(POLLIN) != 0
  }

  /// Takes the master the container's init sent, sizes it like our terminal, and makes our
  /// terminal raw (keys go to the container unprocessed).
  func receiveMaster() throws {
    var name = [UInt8](repeating: 0, count: 256)
    var received = 0
    let fd = name.withUnsafeMutableBytes { berth_recv_fd(localEnd, $0.baseAddress, $0.count, &received) }
    guard fd >= 0 else { throw Sys.error("receive the container's terminal") }
    master = fd
    var size = winsize()
    if berth_ioctl_ptr(0, UInt(TIOCGWINSZ), &size) == 0 { _ = berth_set_winsize(master, size.ws_row, size.ws_col) }
    if isatty(0) == 1 {
      var mode = termios()
      if tcgetattr(0, &mode) == 0 {
        saved = mode
        cfmakeraw(&mode)
        _ = tcsetattr(0, TCSANOW, &mode)
      }
    }
  }

  /// Copies stdin → master and master → stdout until the container side closes (or `pid`
  /// is gone).
  func relay(until pid: Int32) {
    var buffer = [UInt8](repeating: 0, count: 8192)
    var stdinOpen = true
    while true {
      var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0), pollfd(fd: stdinOpen ? 0 : -1, events: Int16(POLLIN), revents: 0)]
      let ready = poll(&fds, 2, 200)
      if ready < 0 && errno != EINTR { return }
      if ready <= 0 {
        if !Processes.isAlive(pid) { return }
        continue
      }
      if fds[0].revents != 0 {
        let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if n <= 0 { return }  // EIO once every slave holder has exited
        _ = try? Sys.writeAll(fd: 1, Array(buffer[0..<n]), what: "stdout")
      }
      if stdinOpen, fds[1].revents != 0 {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n <= 0 { stdinOpen = false; continue }
        _ = try? Sys.writeAll(fd: master, Array(buffer[0..<n]), what: "the container's terminal")
      }
    }
  }

  /// Gives our terminal its mode back.
  func restore() {
    if var mode = saved { _ = tcsetattr(0, TCSANOW, &mode) }
  }
}
