#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import Crypto

/// A stored blob.
public struct BlobInfo: Hashable, Sendable {
  /// The blob's digest, `sha256:<hex>`.
  public var digest: String
  /// Its size in bytes.
  public var size: Int64
  /// When its bytes were last written before commit (the blob file's mtime), in nanoseconds since
  /// the Unix epoch.
  public var createdAt: Int64

  /// Creates a blob description.
  /// - Parameters:
  ///   - digest: `sha256:<hex>`
  ///   - size: bytes
  ///   - createdAt: nanoseconds since the Unix epoch
  public init(digest: String, size: Int64, createdAt: Int64) {
    self.digest = digest
    self.size = size
    self.createdAt = createdAt
  }
}

/// A content-addressed blob store on the local filesystem, in the layout `Layout` documents,
/// shared safely by every process on the machine that opens the same root (berthd and the
/// daemonless CLI): blobs appear atomically and only after their digest verifies, and each
/// in-progress write is owned by one writer through a file lock.
///
/// The store holds no state in memory, so it is `Sendable` and every method may be called from
/// any thread. Methods are synchronous and do blocking file I/O; async callers should run them
/// off the cooperative pool for large blobs.
///
/// Reading: `info`, `exists`, `path(of:)`, `read`, `list`, `totalSize`, `verify`.
/// Writing: `writer(ref:expected:expectedSize:)` then `ContentWriter.commit` (see
/// ContentStore+Ingest.swift). Removing: `delete`, `cleanIngests(olderThan:)`.
public final class ContentStore: Sendable {
  /// The store's root directory.
  public let root: String

  /// Opens (creating if needed) the store at `root`.
  /// - Parameter root: the directory holding `blobs/` and `ingest/`
  /// - Throws: `BerthError` if the directories cannot be created
  public init(root: String) throws {
    var root = root
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    guard !root.isEmpty else { throw BerthError.invalid("content store root is empty") }
    self.root = root
    try Sys.mkdirAll(Layout.blobsDir(root), mode: 0o755)
    try Sys.mkdirAll(Layout.ingestRoot(root), mode: 0o700)
  }

  /// The size and creation time of a blob, or nil if the store does not have it.
  /// - Parameter digest: `sha256:<hex>`
  /// - Throws: `BerthError.invalid` for a malformed digest
  public func info(_ digest: String) throws -> BlobInfo? {
    let hex = try Digests.hex(of: digest)
    guard let st = Sys.stat(Layout.blobPath(root, hex: hex), follow: false) else { return nil }
    return BlobInfo(digest: digest, size: Int64(st.st_size), createdAt: FileOps.mtimeNanoseconds(st))
  }

  /// True if the store has the blob.
  /// - Parameter digest: `sha256:<hex>`
  /// - Throws: `BerthError.invalid` for a malformed digest
  public func exists(_ digest: String) throws -> Bool {
    Sys.exists(Layout.blobPath(root, hex: try Digests.hex(of: digest)), follow: false)
  }

  /// The path of a stored blob, for readers that open or mmap it. The file is read-only and never
  /// changes; if it is deleted while open, the reader keeps its bytes.
  /// - Parameter digest: `sha256:<hex>`
  /// - Throws: `.notFound` if the store does not have the blob, `.invalidArgument` for a bad digest
  public func path(of digest: String) throws -> String {
    let path = Layout.blobPath(root, hex: try Digests.hex(of: digest))
    guard Sys.exists(path, follow: false) else { throw notFound(digest) }
    return path
  }

  /// The whole content of a small blob (a manifest, an index, an image config). Does not
  /// re-verify the digest; use `verify` for that.
  /// - Parameter digest: `sha256:<hex>`
  /// - Throws: `.notFound` if the store does not have the blob
  public func read(_ digest: String) throws -> [UInt8] {
    let path = Layout.blobPath(root, hex: try Digests.hex(of: digest))
    let fd = Sys.retrying { open(path, O_RDONLY | O_CLOEXEC) }
    if fd < 0 {
      if errno == ENOENT { throw notFound(digest) }
      throw Sys.error("open \(path)")
    }
    defer { close(fd) }
    return try Sys.readAll(fd: fd, what: path)
  }

  /// Removes a blob. Readers that already opened it keep reading the old inode.
  /// - Parameter digest: `sha256:<hex>`
  /// - Throws: `.notFound` if the store does not have the blob
  public func delete(_ digest: String) throws {
    let path = Layout.blobPath(root, hex: try Digests.hex(of: digest))
    if unlink(path) != 0 {
      if errno == ENOENT { throw notFound(digest) }
      throw Sys.error("unlink \(path)")
    }
  }

  /// Every stored blob, in no particular order.
  public func list() throws -> [BlobInfo] {
    let dir = Layout.blobsDir(root)
    var result: [BlobInfo] = []
    for name in try Sys.listDirectory(dir) where Digests.isHex(Substring(name)) {
      // A blob deleted between readdir and stat is simply not listed.
      guard let st = Sys.stat(dir + "/" + name, follow: false), st.st_mode & S_IFMT == S_IFREG else { continue }
      result.append(BlobInfo(digest: Digests.prefix + name, size: Int64(st.st_size), createdAt: FileOps.mtimeNanoseconds(st)))
    }
    return result
  }

  /// The sum of the sizes of all stored blobs, in bytes (not counting in-progress ingests).
  public func totalSize() throws -> Int64 {
    try list().reduce(0) { $0 + $1.size }
  }

  /// Re-hashes a stored blob and compares it with its name.
  /// - Parameter digest: `sha256:<hex>`
  /// - Returns: false if the bytes on disk no longer match the digest (corruption)
  /// - Throws: `.notFound` if the store does not have the blob
  public func verify(_ digest: String) throws -> Bool {
    let hex = try Digests.hex(of: digest)
    let path = Layout.blobPath(root, hex: hex)
    let fd = Sys.retrying { open(path, O_RDONLY | O_CLOEXEC) }
    if fd < 0 {
      if errno == ENOENT { throw notFound(digest) }
      throw Sys.error("open \(path)")
    }
    defer { close(fd) }
    var hasher = SHA256()
    _ = try FileOps.hash(fd: fd, into: &hasher, what: path)
    return hexString(hasher.finalize()) == hex
  }

  func notFound(_ digest: String) -> BerthError {
    BerthError(.notFound, "blob \(digest) not found in \(root)")
  }
}
