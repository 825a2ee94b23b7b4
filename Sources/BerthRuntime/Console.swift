#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// `process.terminal`: the container gets a pseudo-terminal whose master end is sent to the
/// caller's console socket (SCM_RIGHTS), as runc does; the slave becomes its controlling
/// terminal and stdio.
enum Console {
  /// Connects to the caller's console socket (in the runtime, before clone).
  static func connect(_ path: String) throws -> Int32 {
    let fd = try Sys.check(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
      close(fd)
      throw BerthError.invalid("console socket path \(path) is too long")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in bytes.enumerated() { raw[index] = byte }
    }
    let rc = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if rc != 0 {
      let err = errno
      close(fd)
      throw Sys.error("connect to console socket \(path)", err)
    }
    return fd
  }

  /// In the container, after pivot_root: opens a pty in the container's devpts, sends the
  /// master, makes the slave the controlling terminal and stdio.
  static func setUp(socket: Int32, size: Spec.ConsoleSize?) throws {
    let master = try Sys.check(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), "open /dev/ptmx")
    defer { close(master) }
    var unlock: Int32 = 0
    try Sys.check(berth_ioctl_ptr(master, BERTH_TIOCSPTLCK, &unlock), "unlock pty")
    var number: UInt32 = 0
    try Sys.check(berth_ioctl_ptr(master, BERTH_TIOCGPTN, &number), "get pty number")
    let slavePath = "/dev/pts/\(number)"
    if let size {
      _ = berth_set_winsize(master, UInt16(truncatingIfNeeded: size.height), UInt16(truncatingIfNeeded: size.width))
    }
    let slave = try Sys.check(open(slavePath, O_RDWR | O_NOCTTY), "open \(slavePath)")
    // /dev/console of the container shows the same terminal (if the rootfs set-up made the file).
    if Sys.exists("/dev/console") {
      _ = mount(slavePath, "/dev/console", nil, MountFlag.bind, nil)
    }
    let rc = Array(slavePath.utf8).withUnsafeBytes { berth_send_fd(socket, master, $0.baseAddress, $0.count) }
    if rc != 0 { throw Sys.error("send pty master to the console socket") }
    if setsid() < 0 { throw Sys.error("setsid") }
    try Sys.check(berth_ioctl_int(slave, BERTH_TIOCSCTTY, 0), "set controlling terminal")
    for target in Int32(0)...2 { try Sys.check(dup2(slave, target), "dup2 pty") }
    if slave > 2 { close(slave) }
  }
}
