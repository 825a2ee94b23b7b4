import AsyncHTTPClient
import BerthContent
import BerthError
import BerthOCI
import NIOCore

extension RegistryClient {
  /// The ingest key of a blob download: `<domain>/<path>@<digest>`. A later download of the same
  /// blob from the same repository resumes the bytes an interrupted one left.
  /// - Parameters:
  ///   - ref: the repository
  ///   - digest: the blob's digest
  public static func ingestRef(_ ref: Reference, digest: Digest) -> String {
    ref.domain + "/" + ref.path + "@" + digest.description
  }

  /// Downloads a blob into the content store, verifying its digest and size.
  ///
  /// Steps: open the store's writer for `ingestRef` (the store already has the blob: done); if
  /// an earlier download left bytes, ask for the rest with `Range: bytes=<offset>-` (a 200 answer
  /// means the registry ignored the range: start over); stream the body into the writer; on a
  /// dropped connection, a timeout or a 5xx answer, wait (100 ms, 400 ms, 1.6 s) and resume from
  /// the writer's offset; finally commit, which checks digest and size and commits nothing on a
  /// mismatch. Redirects (to object storage) are followed.
  /// - Parameters:
  ///   - ref: the repository holding the blob
  ///   - descriptor: the blob's digest and size
  ///   - store: where the blob goes
  ///   - progress: called with (bytes so far, total bytes) after each chunk
  /// - Throws: `BerthError` `.invalidArgument` on a digest or size mismatch, `.notFound` when the
  ///   registry has no such blob, `.permissionDenied` without access, `.io` after the last retry
  public func fetchBlob(
    _ ref: Reference, descriptor: Descriptor, into store: ContentStore,
    progress: (@Sendable (Int64, Int64) -> Void)? = nil
  ) async throws {
    let digest = descriptor.digest.description
    let ingest = Self.ingestRef(ref, digest: descriptor.digest)
    var writer: ContentWriter
    while true {
      // Another download of this blob (a concurrent pull) holds the ingest: wait until it commits.
      do { writer = try store.writer(ref: ingest, expected: digest, expectedSize: descriptor.size); break }
      catch let error as BerthError where error.code == .invalidState { try await Task.sleep(for: .milliseconds(50)) }
    }
    if writer.alreadyExists { return }
    let url = endpoint(for: ref.domain).url(ref.path + "/blobs/" + digest)
    let what = "GET blob \(ref.name)@\(digest)"
    var attempt = 0
    while writer.offset < descriptor.size {
      do {
        try await download(
          url: url, ref: ref, what: what, digest: digest, size: descriptor.size, writer: &writer, store: store, progress: progress)
      } catch {
        guard Self.isRetryable(error), attempt < backoff.count else {
          // An empty ingest is worth nothing; partial bytes stay for a later resume.
          if writer.offset == 0 { try? writer.abort() }
          if let error = error as? RetryableError { throw BerthError(.io, "\(what): \(error.description)") }
          throw Self.describing(error, what)
        }
        try await Task.sleep(for: backoff[attempt])
        attempt += 1
      }
    }
    try writer.commit(expected: digest, size: descriptor.size)
    progress?(descriptor.size, descriptor.size)
  }

  /// One attempt: GET from the writer's offset and stream into it until the body ends.
  private func download(
    url: String, ref: Reference, what: String, digest: String, size: Int64, writer: inout ContentWriter, store: ContentStore,
    progress: (@Sendable (Int64, Int64) -> Void)?
  ) async throws {
    var request = HTTPClientRequest(url: url)
    let offset = writer.offset
    if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
    // A blob can take long; stalls are caught by the client's read timeout instead.
    let response = try await send(request, ref: ref, timeout: .hours(24))
    let code = response.status.code
    if Self.isRetryable(status: response.status) {
      _ = try? await response.body.collect(upTo: 1 << 20)
      throw RetryableError(description: "\(response.status)")
    }
    if offset > 0 && code == 416 {
      // The registry cannot serve the range (the partial bytes are not a prefix it knows): restart.
      _ = try? await response.body.collect(upTo: 1 << 20)
      writer = try restart(writer, store: store, digest: digest, size: size)
      throw RetryableError(description: "range \(offset)- not satisfiable")
    }
    if offset > 0 && code == 200 {
      // Range ignored: the body is the whole blob, so the partial bytes go.
      writer = try restart(writer, store: store, digest: digest, size: size)
    } else if offset > 0 && code == 206 {
      let range = response.headers.first(name: "Content-Range") ?? ""
      guard range.hasPrefix("bytes \(offset)-") else {
        throw BerthError(.io, "\(what): asked for bytes \(offset)-, got Content-Range \"\(range)\"")
      }
    } else {
      if code != 200 { _ = try? await response.body.collect(upTo: 1 << 20) }
      try checkStatus(response, what)
    }
    // A length the blob cannot have is a wrong descriptor (or a wrong blob), not a network error.
    let remaining = size - writer.offset
    if let length = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }), length != remaining {
      try writer.abort()
      throw BerthError.invalid("size mismatch for \(writer.ref): expected \(remaining) more bytes, registry sends \(length)")
    }
    do {
      for try await chunk in response.body {
        try writer.write(chunk.readableBytesView)
        progress?(writer.offset, size)
      }
    } catch let error as BerthError {
      throw error
    } catch {
      // The connection dropped mid-body: the bytes so far stay in the writer for the resume.
      throw RetryableError(description: "body cut short at byte \(writer.offset) of \(size): \(error)")
    }
    if writer.offset < size {
      throw RetryableError(description: "body ended at byte \(writer.offset) of \(size)")
    }
  }

  /// Throws the writer's partial bytes away and opens a fresh writer for the same ingest.
  private func restart(_ writer: ContentWriter, store: ContentStore, digest: String, size: Int64) throws -> ContentWriter {
    try writer.abort()
    return try store.writer(ref: writer.ref, expected: digest, expectedSize: size)
  }
}
