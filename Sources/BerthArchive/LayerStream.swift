#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import CArchive
import Crypto

/// The uncompressed tar stream of a layer, hashed on the way: the digest of these bytes is the
/// layer's diff ID, which the image config lists and which names the snapshot chain.
///
/// Two libarchive readers: the outer one only decompresses (the `raw` format with the gzip and
/// zstd filters), the inner one parses tar from the outer one's bytes through a read callback
/// that also feeds SHA-256. After the tar end marker the rest of the stream (padding) is read and
/// hashed too, as the diff ID covers every byte.
final class LayerStream {
  let outer: OpaquePointer
  private var hasher = SHA256()
  private var buffer: UnsafeMutableRawPointer
  static let bufferSize = 256 * 1024
  /// Uncompressed bytes handed to the tar reader or drained after it.
  private(set) var uncompressedSize: Int64 = 0
  /// The first failure of the outer reader, reported instead of the tar reader's vaguer error.
  private(set) var failure: String?

  /// Opens the decompressing reader on `fd`.
  init(fd: Int32) throws {
    guard let outer = archive_read_new() else { throw BerthError(.internalError, "archive_read_new failed") }
    self.outer = outer
    buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
    // Only these filters: no external decompressor program can be started by a crafted stream.
    archive_read_support_filter_gzip(outer)
    archive_read_support_filter_zstd(outer)
    archive_read_support_format_raw(outer)
    var entry: OpaquePointer?
    guard archive_read_open_fd(outer, fd, Self.bufferSize) == ARCHIVE_OK,
      archive_read_next_header(outer, &entry) == ARCHIVE_OK
    else {
      let message = LayerWriter.message(outer)
      archive_read_free(outer)
      buffer.deallocate()
      throw BerthError(.io, "opening layer stream: \(message)")
    }
  }

  deinit {
    archive_read_free(outer)
    buffer.deallocate()
  }

  /// Bytes read from the descriptor (the compressed size).
  var compressedSize: Int64 { archive_filter_bytes(outer, -1) }

  /// The next chunk of uncompressed bytes, hashed; empty at the end of the stream.
  func next() -> UnsafeRawBufferPointer? {
    let n = archive_read_data(outer, buffer, Self.bufferSize)
    if n < 0 {
      failure = "reading layer: decompression failed: \(LayerWriter.message(outer))"
      return nil
    }
    let chunk = UnsafeRawBufferPointer(start: buffer, count: n)
    hasher.update(bufferPointer: chunk)
    uncompressedSize += Int64(n)
    return chunk
  }

  /// Reads and hashes whatever follows the tar end marker, then returns the diff ID
  /// (`sha256:<hex>` of the whole uncompressed stream).
  func finish() throws -> String {
    while let chunk = next(), chunk.count > 0 {}
    if let failure { throw BerthError(.io, failure) }
    return BerthOCI.Digest(sha256: hasher.finalize()).description
  }

  /// Opens `archive` (a tar reader) on this stream.
  func open(tar archive: OpaquePointer) throws {
    let context = Unmanaged.passUnretained(self).toOpaque()
    let read: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t = {
      _, context, out in
      let stream = Unmanaged<LayerStream>.fromOpaque(context!).takeUnretainedValue()
      guard let chunk = stream.next() else { return -1 }
      out?.pointee = chunk.baseAddress
      return la_ssize_t(chunk.count)
    }
    if archive_read_open(archive, context, nil, read, nil) != ARCHIVE_OK {
      throw BerthError(.io, failure ?? "opening layer stream: \(LayerWriter.message(archive))")
    }
  }
}
