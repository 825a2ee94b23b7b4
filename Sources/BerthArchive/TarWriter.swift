#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CArchive

/// Writes a plain (uncompressed) POSIX pax tar: directories, and regular files from bytes or
/// from files on disk, streamed. Used by `berth save` for OCI and docker archives.
public final class TarWriter {
  private let archive: OpaquePointer
  private let path: String
  private var closed = false
  /// Every entry gets this modification time, so the same images make the same archive.
  private let mtime: Int

  /// Creates `path` (replacing it) and starts the archive; `path` `-` writes to standard output.
  /// - Parameters:
  ///   - path: the archive file
  ///   - mtime: the modification time of every entry, in seconds since the epoch
  public init(path: String, mtime: Int = 0) throws {
    guard let archive = archive_write_new() else { throw BerthError(.internalError, "archive_write_new failed") }
    self.archive = archive
    self.path = path
    self.mtime = mtime
    archive_write_set_format_pax_restricted(archive)
    let rc = path == "-" ? archive_write_open_fd(archive, STDOUT_FILENO) : archive_write_open_filename(archive, path)
    if rc != ARCHIVE_OK {
      let message = LayerWriter.message(archive)
      archive_write_free(archive)
      throw BerthError(.io, "creating archive \(path): \(message)")
    }
  }

  deinit {
    if !closed { archive_write_free(archive) }
  }

  /// Adds a directory entry (`name` without a trailing slash).
  public func addDirectory(_ name: String) throws {
    try header(name, type: S_IFDIR, mode: 0o755, size: 0)
  }

  /// Adds a regular file holding `bytes`.
  public func addFile(_ name: String, bytes: [UInt8]) throws {
    try header(name, type: S_IFREG, mode: 0o644, size: Int64(bytes.count))
    try bytes.withUnsafeBytes { try write($0) }
  }

  /// Adds a regular file with the contents of the file at `source`, streamed.
  public func addFile(_ name: String, from source: String) throws {
    let fd = open(source, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw Sys.error("opening \(source)") }
    defer { close(fd) }
    var st = stat()
    try Sys.check(fstat(fd, &st), "fstat \(source)")
    try header(name, type: S_IFREG, mode: 0o644, size: Int64(st.st_size))
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    var left = Int64(st.st_size)
    while left > 0 {
      let n = Sys.retrying { read(fd, buffer.baseAddress, min(buffer.count, Int(left))) }
      if n < 0 { throw Sys.error("reading \(source)") }
      if n == 0 { throw BerthError(.io, "\(source) shrank while being archived") }
      try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      left -= Int64(n)
    }
  }

  /// Writes the end-of-archive marker and closes the file.
  public func finish() throws {
    closed = true
    defer { archive_write_free(archive) }
    if archive_write_close(archive) != ARCHIVE_OK {
      throw BerthError(.io, "finishing archive \(path): \(LayerWriter.message(archive))")
    }
  }

  private func header(_ name: String, type: mode_t, mode: mode_t, size: Int64) throws {
    guard let entry = archive_entry_new() else { throw BerthError(.internalError, "archive_entry_new failed") }
    defer { archive_entry_free(entry) }
    archive_entry_set_pathname(entry, name)
    archive_entry_set_filetype(entry, UInt32(type))
    archive_entry_set_perm(entry, mode)
    archive_entry_set_size(entry, size)
    archive_entry_set_mtime(entry, mtime, 0)
    if archive_write_header(archive, entry) != ARCHIVE_OK {
      throw BerthError(.io, "writing \(name) to \(path): \(LayerWriter.message(archive))")
    }
  }

  private func write(_ bytes: UnsafeRawBufferPointer) throws {
    var done = 0
    while done < bytes.count {
      let n = archive_write_data(archive, bytes.baseAddress! + done, bytes.count - done)
      if n <= 0 { throw BerthError(.io, "writing to \(path): \(LayerWriter.message(archive))") }
      done += n
    }
  }
}
