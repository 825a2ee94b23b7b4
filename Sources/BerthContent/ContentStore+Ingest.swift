#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import Crypto

/// An in-progress write left in the store (by an interrupted download, or one still running).
public struct IngestInfo: Hashable, Sendable {
  /// The caller's key for the ingest; empty if its `ref` file was never written (a crash right
  /// after the directory was created).
  public var ref: String
  /// Bytes written so far.
  public var offset: Int64
  /// When the ingest began, in nanoseconds since the Unix epoch.
  public var startedAt: Int64
  /// When bytes were last written, in nanoseconds since the Unix epoch.
  public var updatedAt: Int64

  /// Creates an ingest description.
  /// - Parameters:
  ///   - ref: the ingest's key
  ///   - offset: bytes written so far
  ///   - startedAt: nanoseconds since the Unix epoch
  ///   - updatedAt: nanoseconds since the Unix epoch
  public init(ref: String, offset: Int64, startedAt: Int64, updatedAt: Int64) {
    self.ref = ref
    self.offset = offset
    self.startedAt = startedAt
    self.updatedAt = updatedAt
  }
}

extension ContentStore {
  /// Opens the ingest keyed by `ref`, to write one blob.
  ///
  /// - If `expected` is given and the store already has that blob, the writer's `alreadyExists`
  ///   is true and nothing is locked or created: skip the download.
  /// - If an ingest for `ref` is already on disk (an interrupted download), the writer resumes
  ///   it: `offset` is the number of bytes already there (ask the server for `Range: bytes=<offset>-`)
  ///   and the running digest covers them. Bytes beyond `expectedSize` mean the old ingest is not
  ///   this blob's, so it is restarted from zero.
  /// - An ingest has one writer at a time, across threads and processes (flock on
  ///   `ingest/<k>/lock`). A second writer for the same ref does not wait: it fails with
  ///   `.invalidState` "ingest <ref> is locked by another writer". Callers pulling the same blob
  ///   concurrently retry after a delay, and usually then get `alreadyExists`.
  ///
  /// Dropping the writer without `commit` or `abort` releases the lock and keeps the bytes for a
  /// later resume (or for `cleanIngests`).
  /// - Parameters:
  ///   - ref: the ingest key, e.g. the registry URL of the blob; any non-empty string
  ///   - expected: the digest the bytes must have (`sha256:<hex>`), if known
  ///   - expectedSize: the size the bytes must have, if known
  /// - Throws: `.invalidArgument` for an empty ref, a malformed digest or a negative size;
  ///   `.invalidState` if another writer holds the ref; `BerthError` for a failed file operation
  public func writer(ref: String, expected: String? = nil, expectedSize: Int64? = nil) throws -> ContentWriter {
    guard !ref.isEmpty else { throw BerthError.invalid("ingest ref is empty") }
    if let expectedSize, expectedSize < 0 {
      throw BerthError.invalid("negative expected size \(expectedSize) for ingest \(ref)")
    }
    let expectedHex = try expected.map { try Digests.hex(of: $0) }
    if let expected, try exists(expected) { return ContentWriter(existing: expected, ref: ref) }

    try Sys.mkdirAll(Layout.ingestRoot(root), mode: 0o700)
    let dir = Layout.ingestDir(root, ref: ref)
    guard let lockFD = try FileOps.lockIngest(dir, ref: ref, create: true) else {
      throw BerthError(.internalError, "ingest \(ref): lock of \(dir) not taken")
    }
    do {
      // Another writer may have committed the blob while we waited for the directory.
      if let expected, let hex = expectedHex, Sys.exists(Layout.blobPath(root, hex: hex), follow: false) {
        try FileOps.removeIngest(dir)
        close(lockFD)
        return ContentWriter(existing: expected, ref: ref)
      }
      let (dataFD, hasher, offset, startedAt) = try openData(dir: dir, ref: ref, expectedSize: expectedSize)
      return ContentWriter(
        store: self, ref: ref, dir: dir, expected: expected, expectedSize: expectedSize,
        lockFD: lockFD, dataFD: dataFD, hasher: hasher, offset: offset, startedAt: startedAt)
    } catch {
      close(lockFD)
      throw error
    }
  }

  /// Opens (or creates) `dir/data` under the held lock and hashes what it already holds.
  private func openData(dir: String, ref: String, expectedSize: Int64?) throws -> (Int32, SHA256, Int64, Int64) {
    // A ref file naming another ref (corruption, or a hand-edited store) invalidates the bytes.
    if let stored = try? Sys.readFile(dir + "/ref"), stored != ref {
      unlink(dir + "/data")
      unlink(dir + "/startedat")
    }
    if !Sys.exists(dir + "/ref") { try Sys.writeFile(dir + "/ref", ref, mode: 0o600) }
    let startedAt: Int64
    if let stamp = FileOps.readTimestamp(dir + "/startedat") {
      startedAt = stamp
    } else {
      startedAt = FileOps.nowNanoseconds()
      try Sys.writeFile(dir + "/startedat", String(startedAt), mode: 0o600)
    }
    let path = dir + "/data"
    let fd = try Sys.check(Sys.retrying { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }, "open \(path)")
    do {
      var hasher = SHA256()
      var offset = try FileOps.hash(fd: fd, into: &hasher, what: path)
      if let expectedSize, offset > expectedSize {
        try Sys.check(ftruncate(fd, 0), "truncate \(path)")
        try Sys.check(lseek(fd, 0, SEEK_SET), "seek \(path)")
        hasher = SHA256()
        offset = 0
      }
      return (fd, hasher, offset, startedAt)
    } catch {
      close(fd)
      throw error
    }
  }

  /// In-progress writes that no writer holds and that have had no new bytes for `seconds`:
  /// interrupted downloads that can be resumed, or removed by `cleanIngests(olderThan:)`.
  /// - Parameter seconds: the minimum idle time; 0 lists every ingest no writer holds
  public func abandonedIngests(olderThan seconds: Int64) throws -> [IngestInfo] {
    try scanIngests(olderThan: seconds, remove: false)
  }

  /// Removes the in-progress writes `abandonedIngests(olderThan:)` lists. An ingest a writer holds
  /// is never touched, whatever its age.
  /// - Parameter seconds: the minimum idle time
  /// - Returns: the ingests removed
  public func cleanIngests(olderThan seconds: Int64) throws -> [IngestInfo] {
    try scanIngests(olderThan: seconds, remove: true)
  }

  private func scanIngests(olderThan seconds: Int64, remove: Bool) throws -> [IngestInfo] {
    let ingestRoot = Layout.ingestRoot(root)
    guard Sys.isDirectory(ingestRoot) else { return [] }
    let cutoff = FileOps.nowNanoseconds() - max(0, seconds) * 1_000_000_000
    var result: [IngestInfo] = []
    for name in try Sys.listDirectory(ingestRoot) {
      let dir = ingestRoot + "/" + name
      guard let dirStat = Sys.stat(dir, follow: false), dirStat.st_mode & S_IFMT == S_IFDIR else { continue }
      let lockFD: Int32?
      do {
        lockFD = try FileOps.lockIngest(dir, ref: name, create: false)
      } catch let error as BerthError where error.code == .invalidState {
        continue  // a writer is active
      }
      guard let lockFD else { continue }
      defer { close(lockFD) }
      let data = Sys.stat(dir + "/data", follow: false)
      let updatedAt = data.map(FileOps.mtimeNanoseconds) ?? FileOps.mtimeNanoseconds(dirStat)
      let info = IngestInfo(
        ref: (try? Sys.readFile(dir + "/ref")) ?? "",
        offset: data.map { Int64($0.st_size) } ?? 0,
        startedAt: FileOps.readTimestamp(dir + "/startedat") ?? updatedAt,
        updatedAt: updatedAt)
      guard updatedAt <= cutoff else { continue }
      if remove { try FileOps.removeIngest(dir) }
      result.append(info)
    }
    return result
  }
}
