#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthSys

/// The write end of the SIGCHLD self-pipe. Set once, before the handler is installed, and only
/// read by the handler afterwards.
nonisolated(unsafe) private var childSignalPipe: Int32 = -1

/// The SIGCHLD handler: one byte into the self-pipe (write(2) is async-signal-safe).
private func childSignalHandler(_: Int32) {
  let saved = errno
  var byte: UInt8 = 1
  _ = write(childSignalPipe, &byte, 1)
  errno = saved
}

/// SIGCHLD as a readable descriptor (a self-pipe), so the poll loop learns that a child ended.
/// The Glibc module has no signalfd; the handler only writes a byte, and the loop reaps.
enum ChildSignals {
  /// Installs the handler; returns the pipe's read end (non-blocking).
  static func install() throws -> Int32 {
    let pipe = try Sys.pipe()
    for fd in [pipe.read, pipe.write] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    childSignalPipe = pipe.write
    var action = sigaction()
    action.__sigaction_handler.sa_handler = childSignalHandler
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP
    sigemptyset(&action.sa_mask)
    try Sys.check(sigaction(SIGCHLD, &action, nil), "sigaction SIGCHLD")
    return pipe.read
  }

  /// Empties the pipe (the loop reaps every child after it, so one wake-up covers many signals).
  static func drain(_ fd: Int32) {
    var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    while withUnsafeMutableBytes(of: &buffer, { read(fd, $0.baseAddress, $0.count) }) > 0 {}
  }
}
