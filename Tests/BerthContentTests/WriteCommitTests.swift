import BerthContent
import BerthError
import Foundation
import Testing

@Suite("write and commit")
struct WriteCommitTests {
  @Test func knownVectorRoundTrip() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let hello = Array("hello world".utf8)
    let known = "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    let writer = try fixture.store.writer(ref: "hello")
    try writer.write(hello)
    #expect(writer.offset == 11)
    #expect(writer.digest() == known)
    #expect(try writer.commit() == known)
    #expect(try fixture.store.read(known) == hello)
    try fixture.expectClean(blobs: [known])
  }

  @Test func writeCommitReadBack() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(300_000)
    let digest = try sha256sum(bytes)
    #expect(try put(fixture.store, ref: "registry/blob", bytes, expected: digest, chunk: 7_001) == digest)
    #expect(try fixture.store.read(digest) == bytes)
    #expect(try fixture.store.exists(digest))
    let info = try #require(try fixture.store.info(digest))
    #expect(info.size == 300_000 && info.digest == digest && info.createdAt > 0)
    let path = try fixture.store.path(of: digest)
    #expect(path == fixture.root + "/blobs/sha256/" + digest.dropFirst(7))
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o444)
    #expect(try fixture.store.verify(digest))
    try fixture.expectClean(blobs: [digest])
  }

  @Test func emptyBlob() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    #expect(try put(fixture.store, ref: "empty", [], expected: empty) == empty)
    #expect(try fixture.store.read(empty) == [])
  }

  @Test func wrongDigestRejectedAndNothingLeft() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(10_000)
    let actual = try sha256sum(bytes)
    let wrong = try sha256sum(testBytes(10_000, seed: 2))
    let error = berthError { try put(fixture.store, ref: "https://r/v2/x/blobs/\(wrong)", bytes, expected: wrong) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "digest mismatch for https://r/v2/x/blobs/\(wrong): expected \(wrong), got \(actual)")
    try fixture.expectClean(blobs: [])
  }

  @Test func wrongDigestAtCommitOnly() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let writer = try fixture.store.writer(ref: "late")
    try writer.write(testBytes(100))
    let wrong = try sha256sum(testBytes(5))
    let error = berthError { try writer.commit(expected: wrong) }
    #expect(error?.message.hasPrefix("digest mismatch for late: expected \(wrong), got sha256:") == true)
    try fixture.expectClean(blobs: [])
    // The writer is closed: no further use.
    #expect(berthError { try writer.write([1]) }?.code == .invalidState)
  }

  @Test func wrongSizeRejected() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(1_000)
    let digest = try sha256sum(bytes)
    // Short: detected at commit.
    let short = try fixture.store.writer(ref: "short", expected: digest, expectedSize: 1_001)
    try short.write(bytes)
    let error = berthError { try short.commit() }
    #expect(error?.message == "size mismatch for short: expected 1001 bytes, got 1000")
    try fixture.expectClean(blobs: [])
    // Long: detected at the write that overflows, before the bytes land.
    let long = try fixture.store.writer(ref: "long", expectedSize: 999)
    let overflow = berthError { try long.write(bytes) }
    #expect(overflow?.message == "size mismatch for long: expected 999 bytes, got at least 1000")
    try fixture.expectClean(blobs: [])
    // A size given only to commit counts too.
    let atCommit = try fixture.store.writer(ref: "commit-size")
    try atCommit.write(bytes)
    #expect(berthError { try atCommit.commit(size: 10) }?.code == .invalidArgument)
    try fixture.expectClean(blobs: [])
  }

  @Test func alreadyExistsShortCircuits() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(2_000)
    let digest = try put(fixture.store, ref: "first", bytes)
    let writer = try fixture.store.writer(ref: "second", expected: digest, expectedSize: 2_000)
    #expect(writer.alreadyExists)
    #expect(writer.digest() == digest)
    #expect(try fixture.ingestNames() == [])
    let error = berthError { try writer.write([1, 2, 3]) }
    #expect(error?.code == .invalidState)
    #expect(error?.message == "blob \(digest) already exists: nothing to write for ingest second")
    #expect(try writer.commit() == digest)
    try writer.abort()
    try fixture.expectClean(blobs: [digest])
  }

  @Test func twoRefsSameContentBothCommit() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(50_000, seed: 9)
    let digest = try sha256sum(bytes)
    let a = try fixture.store.writer(ref: "mirror-a", expected: digest)
    let b = try fixture.store.writer(ref: "mirror-b", expected: digest)
    try a.write(bytes)
    try b.write(bytes)
    #expect(try a.commit() == digest)
    #expect(try b.commit() == digest)  // the blob appeared meanwhile: success
    #expect(try fixture.store.read(digest) == bytes)
    try fixture.expectClean(blobs: [digest])
  }

  @Test func abortRemovesIngest() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let writer = try fixture.store.writer(ref: "aborted")
    try writer.write(testBytes(500))
    #expect(try fixture.ingestNames().count == 1)
    try writer.abort()
    try writer.abort()  // idempotent
    try fixture.expectClean(blobs: [])
    let error = berthError { try writer.commit() }
    #expect(error?.message == "ingest aborted is closed (committed or aborted)")
  }

  @Test func emptyRefAndNegativeSizeRejected() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    #expect(berthError { _ = try fixture.store.writer(ref: "") }?.message == "ingest ref is empty")
    #expect(berthError { _ = try fixture.store.writer(ref: "r", expectedSize: -1) }?.code == .invalidArgument)
  }
}
