import BerthContent
import BerthError
import Foundation
import Testing

/// A content store in a fresh temporary directory; `remove()` deletes it. Use with `defer`.
struct StoreFixture {
  let root: String
  let store: ContentStore

  init() throws {
    root = FileManager.default.temporaryDirectory.path + "/berth-content-tests-" + UUID().uuidString
    store = try ContentStore(root: root)
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: root)
  }

  /// Names under `blobs/sha256/`.
  func blobNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: root + "/blobs/sha256").sorted()
  }

  /// Names under `ingest/`.
  func ingestNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: root + "/ingest").sorted()
  }

  /// The single ingest directory's path.
  func onlyIngestDir() throws -> String {
    let names = try ingestNames()
    try #require(names.count == 1, "expected one ingest, found \(names)")
    return root + "/ingest/" + names[0]
  }

  /// The store holds exactly `digests` and no ingest is left.
  func expectClean(blobs digests: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let expected = digests.map { String($0.dropFirst("sha256:".count)) }.sorted()
    #expect(try blobNames() == expected, sourceLocation: sourceLocation)
    #expect(try ingestNames() == [], sourceLocation: sourceLocation)
  }
}

/// Deterministic, non-repeating-looking test bytes.
func testBytes(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
  var state = seed &* 2_654_435_761 | 1
  return (0..<count).map { _ in
    state ^= state << 13
    state ^= state >> 17
    state ^= state << 5
    return UInt8(truncatingIfNeeded: state)
  }
}

/// The digest of `bytes` from coreutils' sha256sum: an oracle independent of the code under test.
func sha256sum(_ bytes: [UInt8]) throws -> String {
  let path = FileManager.default.temporaryDirectory.path + "/berth-content-sum-" + UUID().uuidString
  defer { try? FileManager.default.removeItem(atPath: path) }
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  process.arguments = [path]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let hex = String(decoding: output, as: UTF8.self).prefix(64)
  return "sha256:" + hex
}

/// Writes `bytes` in chunks of `chunk` and commits.
@discardableResult
func put(_ store: ContentStore, ref: String, _ bytes: [UInt8], expected: String? = nil, chunk: Int = 4096) throws -> String {
  let writer = try store.writer(ref: ref, expected: expected, expectedSize: Int64(bytes.count))
  if writer.alreadyExists { return try writer.commit() }
  var start = 0
  while start < bytes.count {
    let end = min(bytes.count, start + chunk)
    try writer.write(bytes[start..<end])
    start = end
  }
  return try writer.commit(expected: expected, size: Int64(bytes.count))
}

/// Runs `body` and returns the `BerthError` it throws (failing the test if it throws none or another type).
func berthError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> BerthError? {
  do {
    try body()
    Issue.record("expected a BerthError, nothing was thrown", sourceLocation: sourceLocation)
    return nil
  } catch let error as BerthError {
    return error
  } catch {
    Issue.record("expected a BerthError, got \(error)", sourceLocation: sourceLocation)
    return nil
  }
}
