#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import Crypto

/// One ingest session, from `ContentStore.writer(ref:expected:expectedSize:)`: stream bytes in
/// with `write`, then `commit` to verify and publish the blob, or `abort` to throw it away.
///
/// The writer owns the ingest's lock until `commit`, `abort` or deinit. Dropping it without either
/// (a crash, a dropped connection) keeps the bytes on disk so a later writer for the same ref
/// resumes at `offset`.
///
/// A writer is a session owned by one thread or task at a time, and so is not `Sendable` (the
/// compiler keeps it from being shared); the `ContentStore` it came from is.
public final class ContentWriter {
  /// The ingest key the writer was opened with.
  public let ref: String
  /// True when the store already had the expected blob: nothing was locked or created, `write`
  /// throws, and `commit` returns the digest at once. Callers skip the download.
  public let alreadyExists: Bool
  /// When the ingest began (before any resume), in nanoseconds since the Unix epoch.
  public let startedAt: Int64

  private let store: ContentStore?
  private let dir: String
  private let expected: String?
  private let expectedSize: Int64?
  private var state: State

  private struct State {
    var lockFD: Int32
    var dataFD: Int32
    var hasher: SHA256
    var offset: Int64
    var closed: Bool
  }

  /// A writer for a blob the store already has.
  init(existing digest: String, ref: String) {
    self.ref = ref
    self.alreadyExists = true
    self.startedAt = FileOps.nowNanoseconds()
    self.store = nil
    self.dir = ""
    self.expected = digest
    self.expectedSize = nil
    self.state = State(lockFD: -1, dataFD: -1, hasher: SHA256(), offset: 0, closed: true)
  }

  /// A writer over a locked ingest directory whose data file is open at its end.
  init(
    store: ContentStore, ref: String, dir: String, expected: String?, expectedSize: Int64?,
    lockFD: Int32, dataFD: Int32, hasher: SHA256, offset: Int64, startedAt: Int64
  ) {
    self.ref = ref
    self.alreadyExists = false
    self.startedAt = startedAt
    self.store = store
    self.dir = dir
    self.expected = expected
    self.expectedSize = expectedSize
    self.state = State(lockFD: lockFD, dataFD: dataFD, hasher: hasher, offset: offset, closed: false)
  }

  deinit {
    // Not committed or aborted: release the lock, keep the bytes for a resume.
    if !state.closed { Self.close(&state) }
  }

  /// Bytes written so far, including those found on disk when the ingest was resumed: the start
  /// of the next HTTP Range request.
  public var offset: Int64 { state.offset }

  /// The digest of the bytes written so far (`sha256:<hex>`); for an `alreadyExists` writer,
  /// the expected digest.
  public func digest() -> String {
    if alreadyExists, let expected { return expected }
    return Digests.string(state.hasher.finalize())
  }

  /// Appends bytes to the ingest and to the running digest.
  ///
  /// More bytes than the expected size fail at once: the ingest is removed and the writer closed.
  /// A failed write(2) leaves the data file truncated back to `offset`, so the writer stays usable.
  /// - Parameter bytes: the next bytes of the blob
  /// - Throws: `.invalidState` for an `alreadyExists` or closed writer; `.invalidArgument` past
  ///   the expected size; `BerthError` for a failed write
  public func write(_ bytes: some Collection<UInt8>) throws {
    try withState { state in
      try checkOpen(state)
      let count = Int64(bytes.count)
      if let expectedSize, state.offset + count > expectedSize {
        let message = "size mismatch for \(ref): expected \(expectedSize) bytes, got at least \(state.offset + count)"
        try discard(&state)
        throw BerthError.invalid(message)
      }
      let what = dir + "/data"
      let append = { (raw: UnsafeRawBufferPointer, state: inout State) throws in
        do {
          try FileOps.writeAll(fd: state.dataFD, raw, what: what)
        } catch {
          // Keep the file and the running digest in step: drop a partly written chunk.
          _ = ftruncate(state.dataFD, off_t(state.offset))
          _ = lseek(state.dataFD, off_t(state.offset), SEEK_SET)
          throw error
        }
        state.hasher.update(bufferPointer: raw)
        state.offset += Int64(raw.count)
      }
      let done: Void? = try bytes.withContiguousStorageIfAvailable { try append(UnsafeRawBufferPointer($0), &state) }
      if done == nil {
        try Array(bytes).withUnsafeBytes { try append($0, &state) }
      }
    }
  }

  /// Verifies the bytes and publishes them as a blob, then removes the ingest.
  ///
  /// Order: check the size and digest against both the writer's and these expectations; fsync the
  /// data (so the blob never names bytes still in the page cache only); make it 0444; link it to
  /// `blobs/sha256/<hex>` (EEXIST: another writer published the same bytes, which is success);
  /// fsync the blobs directory; remove the ingest. A mismatch removes the ingest and commits
  /// nothing. Any other failure leaves the writer open so the caller can retry or `abort`.
  /// - Parameters:
  ///   - expected: the digest the blob must have, if known
  ///   - size: the size the blob must have, if known
  /// - Returns: the blob's digest, `sha256:<hex>`
  /// - Throws: `.invalidArgument` "digest mismatch for <ref>: expected X, got Y" or "size
  ///   mismatch for <ref>: ..."; `.invalidState` if the writer is already closed
  @discardableResult
  public func commit(expected: String? = nil, size: Int64? = nil) throws -> String {
    if alreadyExists, let existing = self.expected {
      if let expected, expected != existing {
        throw BerthError.invalid("digest mismatch for \(ref): expected \(expected), got \(existing)")
      }
      return existing
    }
    let expectations = [self.expected, expected].compactMap { $0 }
    for digest in expectations { _ = try Digests.hex(of: digest) }
    return try withState { state in
      try checkOpen(state)
      let actual = Digests.string(state.hasher.finalize())
      for wanted in [expectedSize, size].compactMap({ $0 }) where wanted != state.offset {
        try discard(&state)
        throw BerthError.invalid("size mismatch for \(ref): expected \(wanted) bytes, got \(state.offset)")
      }
      for wanted in expectations where wanted != actual {
        try discard(&state)
        throw BerthError.invalid("digest mismatch for \(ref): expected \(wanted), got \(actual)")
      }
      guard let store else { throw BerthError(.internalError, "ingest \(ref) has no store") }
      let data = dir + "/data"
      let blob = Layout.blobPath(store.root, hex: String(actual.dropFirst(Digests.prefix.count)))
      try Sys.check(Sys.retrying { fsync(state.dataFD) }, "fsync \(data)")
      try Sys.check(fchmod(state.dataFD, 0o444), "chmod \(data)")
      if link(data, blob) != 0 && errno != EEXIST {
        throw Sys.error("link \(data) to \(blob)")
      }
      try FileOps.syncDirectory(Layout.blobsDir(store.root))
      try discard(&state)
      return actual
    }
  }

  /// Removes the ingest and closes the writer. Nothing is committed. A no-op for an
  /// `alreadyExists` or already closed writer.
  public func abort() throws {
    try withState { state in
      if state.closed { return }
      try discard(&state)
    }
  }

  /// Runs `body` on the state; the closure form keeps each operation's steps in one place.
  private func withState<R>(_ body: (inout State) throws -> R) rethrows -> R {
    try body(&state)
  }

  private func checkOpen(_ state: State) throws {
    if alreadyExists {
      throw BerthError.state("blob \(expected ?? "") already exists: nothing to write for ingest \(ref)")
    }
    if state.closed { throw BerthError.state("ingest \(ref) is closed (committed or aborted)") }
  }

  /// Removes the ingest directory (under the lock, lock file last), then closes the writer.
  private func discard(_ state: inout State) throws {
    defer { Self.close(&state) }
    try FileOps.removeIngest(dir)
  }

  private static func close(_ state: inout State) {
    if state.dataFD >= 0 { _ = Glibc.close(state.dataFD) }
    if state.lockFD >= 0 { _ = Glibc.close(state.lockFD) }
    state.dataFD = -1
    state.lockFD = -1
    state.closed = true
  }
}
