#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthSys

/// The store's garbage-collection lock (`<root>/gc.lock`, flock): pulls, imports and container
/// snapshot creation hold it shared while they write content that no image names yet; garbage
/// collection holds it exclusive, so it never deletes what a running pull just wrote.
final class StoreLock: Sendable {
  private let fd: Int32

  /// Opens the lock file and takes the lock, waiting for it.
  /// - Parameters:
  ///   - path: the lock file, created if missing
  ///   - exclusive: exclusive (GC) or shared (writers)
  init(path: String, exclusive: Bool) throws {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    if fd < 0 { throw Sys.error("opening \(path)") }
    if Sys.retrying({ flock(fd, exclusive ? LOCK_EX : LOCK_SH) }) != 0 {
      let err = errno
      close(fd)
      throw Sys.error("flock \(path)", err)
    }
    self.fd = fd
  }

  deinit { close(fd) }
}
