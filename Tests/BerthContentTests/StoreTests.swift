import BerthContent
import BerthError
import Foundation
import Testing

@Suite("store queries, verification and garbage collection")
struct StoreTests {
  @Test func deleteBlob() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let digest = try put(fixture.store, ref: "d", testBytes(1_234))
    try fixture.store.delete(digest)
    #expect(try !fixture.store.exists(digest))
    #expect(try fixture.store.info(digest) == nil)
    let read = berthError { _ = try fixture.store.read(digest) }
    #expect(read?.code == .notFound)
    #expect(read?.message == "blob \(digest) not found in \(fixture.root)")
    #expect(berthError { try fixture.store.delete(digest) }?.code == .notFound)
    #expect(berthError { _ = try fixture.store.path(of: digest) }?.code == .notFound)
    #expect(berthError { _ = try fixture.store.verify(digest) }?.code == .notFound)
    try fixture.expectClean(blobs: [])
  }

  @Test func listAndTotalSize() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    #expect(try fixture.store.list() == [])
    #expect(try fixture.store.totalSize() == 0)
    let sizes = [10, 2_000, 70_000]
    var digests: [String] = []
    for (index, size) in sizes.enumerated() {
      digests.append(try put(fixture.store, ref: "blob-\(index)", testBytes(size, seed: UInt32(index + 10))))
    }
    // An in-progress ingest and a stray file are not blobs.
    let pending = try fixture.store.writer(ref: "pending")
    try pending.write(testBytes(999))
    #expect(FileManager.default.createFile(atPath: fixture.root + "/blobs/sha256/not-a-digest.tmp", contents: Data([1, 2])))
    let listed = try fixture.store.list()
    #expect(Set(listed.map(\.digest)) == Set(digests))
    #expect(Dictionary(uniqueKeysWithValues: listed.map { ($0.digest, $0.size) }) == Dictionary(uniqueKeysWithValues: zip(digests, sizes.map(Int64.init))))
    #expect(try fixture.store.totalSize() == 72_010)
    // A second store object on the same root (another process, in effect) sees the same blobs.
    let other = try ContentStore(root: fixture.root + "/")
    #expect(try other.totalSize() == 72_010)
    try pending.abort()
  }

  @Test func verifyDetectsCorruption() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let digest = try put(fixture.store, ref: "c", testBytes(8_192, seed: 12))
    #expect(try fixture.store.verify(digest))
    let path = try fixture.store.path(of: digest)
    #expect(chmod(path, 0o644) == 0)
    let fd = open(path, O_RDWR)
    try #require(fd >= 0)
    var byte: UInt8 = 0
    #expect(pread(fd, &byte, 1, 4_000) == 1)
    byte ^= 0x01
    #expect(pwrite(fd, &byte, 1, 4_000) == 1)
    close(fd)
    #expect(try !fixture.store.verify(digest))
  }

  @Test func staleIngestCleanup() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    do {
      let dropped = try fixture.store.writer(ref: "dropped download")
      try dropped.write(testBytes(3_000))
    }
    #expect(try fixture.store.abandonedIngests(olderThan: 3_600) == [])  // fresh: kept for resume
    let dir = try fixture.onlyIngestDir()
    try setMtime(dir + "/data", secondsAgo: 7_200)
    // An old ingest whose writer is still alive is never abandoned.
    let active = try fixture.store.writer(ref: "slow download")
    try active.write(testBytes(10))
    let activeDir = try fixture.ingestNames().map { fixture.root + "/ingest/" + $0 }.first { $0 != dir }
    try setMtime(try #require(activeDir) + "/data", secondsAgo: 7_200)

    let abandoned = try fixture.store.abandonedIngests(olderThan: 3_600)
    #expect(abandoned.map(\.ref) == ["dropped download"])
    #expect(abandoned.first?.offset == 3_000)
    let startedAt = try #require(abandoned.first?.startedAt)
    let updatedAt = try #require(abandoned.first?.updatedAt)
    #expect(updatedAt < startedAt)  // data's mtime was moved back
    #expect(try fixture.ingestNames().count == 2)  // listing removes nothing

    let removed = try fixture.store.cleanIngests(olderThan: 3_600)
    #expect(removed.map(\.ref) == ["dropped download"])
    #expect(try fixture.ingestNames().count == 1)
    try active.write(testBytes(10))
    try active.commit()
    try fixture.expectClean(blobs: [try sha256sum(testBytes(10) + testBytes(10))])
  }

  @Test func brokenIngestDirectoryIsCleaned() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    // A crash between mkdir and the first file: no lock, ref, startedat or data.
    try FileManager.default.createDirectory(atPath: fixture.root + "/ingest/abc", withIntermediateDirectories: false)
    let removed = try fixture.store.cleanIngests(olderThan: 0)
    #expect(removed.map(\.ref) == [""])
    try fixture.expectClean(blobs: [])
  }

  static let invalidDigests: [(String, BerthError.Code)] = [
    ("", .invalidArgument),
    ("sha256", .invalidArgument),
    ("sha256:", .invalidArgument),
    ("sha256:abc", .invalidArgument),
    ("sha256:" + String(repeating: "A", count: 64), .invalidArgument),
    ("sha256:" + String(repeating: "a", count: 63), .invalidArgument),
    ("sha256:" + String(repeating: "a", count: 65), .invalidArgument),
    ("sha256:" + String(repeating: "g", count: 64), .invalidArgument),
    ("sha256:../../" + String(repeating: "a", count: 58), .invalidArgument),
    ("SHA256:" + String(repeating: "a", count: 64), .invalidArgument),
    (String(repeating: "a", count: 64), .invalidArgument),
    ("sha512:" + String(repeating: "a", count: 128), .unsupported),
  ]

  @Test(arguments: invalidDigests)
  func invalidDigestRejected(digest: String, code: BerthError.Code) throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let store = fixture.store
    let errors = [
      berthError { _ = try store.info(digest) },
      berthError { _ = try store.exists(digest) },
      berthError { _ = try store.read(digest) },
      berthError { _ = try store.path(of: digest) },
      berthError { try store.delete(digest) },
      berthError { _ = try store.verify(digest) },
      berthError { _ = try store.writer(ref: "r", expected: digest) },
      berthError {
        let writer = try store.writer(ref: "r2")
        try writer.commit(expected: digest)
      },
    ]
    for error in errors {
      #expect(error?.code == code)
      #expect(error?.message.contains("\"\(digest)\"") == true)
    }
    if code == .invalidArgument {
      #expect(errors[0]?.message == "invalid digest \"\(digest)\": expected sha256:<64 lowercase hex digits>")
    } else {
      #expect(errors[0]?.message == "unsupported digest algorithm sha512 in \"\(digest)\": only sha256 is supported")
    }
  }
}

/// Moves a file's mtime into the past.
func setMtime(_ path: String, secondsAgo: Int) throws {
  var times = [timespec](repeating: timespec(), count: 2)
  times[0].tv_sec = time(nil) - secondsAgo
  times[1].tv_sec = time(nil) - secondsAgo
  #expect(utimensat(AT_FDCWD, path, times, 0) == 0)
}
