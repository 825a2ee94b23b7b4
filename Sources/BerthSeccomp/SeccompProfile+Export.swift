import BerthError
import Glibc

extension SeccompProfile {
  /// Runs a libseccomp export function against a scratch file and returns what it wrote.
  ///
  /// libseccomp 2.5 exports only to a file descriptor (seccomp_export_bpf_mem is 2.6), and the
  /// Glibc module does not expose memfd_create, so the scratch file is an unlinked mkstemp file,
  /// in /dev/shm (memory) when possible. A pipe would deadlock this single-threaded caller once
  /// the output outgrew the pipe buffer.
  /// - Parameters:
  ///   - what: the operation, for error messages
  ///   - export: calls libseccomp with the descriptor and returns its result (0 or `-errno`)
  static func capture(_ what: String, _ export: (Int32) -> Int32) throws -> [UInt8] {
    let fd = try scratchFile()
    defer { close(fd) }
    let rc = export(fd)
    guard rc == 0 else { throw failure(what, rc) }
    guard lseek(fd, 0, SEEK_SET) == 0 else { throw failure("\(what): rewind scratch file", errno) }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count == 0 { return output }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure("\(what): read scratch file", errno)
      }
      output.append(contentsOf: buffer[0..<count])
    }
  }

  /// Opens an anonymous read-write file: created by mkstemp, then unlinked at once.
  private static func scratchFile() throws -> Int32 {
    var directories = ["/dev/shm"]
    if let tmpdir = getenv("TMPDIR") { directories.append(String(cString: tmpdir)) }
    directories.append("/tmp")
    var lastErrno: Int32 = 0
    for directory in directories {
      var template = Array("\(directory)/berth-seccomp-XXXXXX".utf8CString)
      let fd = mkstemp(&template)
      guard fd >= 0 else {
        lastErrno = errno
        continue
      }
      unlink(template)
      _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      return fd
    }
    throw failure("create scratch file in \(directories.joined(separator: ", "))", lastErrno)
  }
}
