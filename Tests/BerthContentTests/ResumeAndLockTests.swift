import BerthContent
import BerthError
import Foundation
import Synchronization
import Testing

@Suite("resume and exclusive ingest")
struct ResumeAndLockTests {
  @Test func resumeAfterDroppedWriter() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(100_001, seed: 3)
    let digest = try sha256sum(bytes)
    let half = 50_000
    let ref = "https://registry.example/v2/lib/x/blobs/\(digest)"
    do {
      // A download that drops mid-blob: the writer goes away without commit or abort.
      let writer = try fixture.store.writer(ref: ref, expected: digest, expectedSize: Int64(bytes.count))
      try writer.write(bytes[0..<20_000])
      try writer.write(bytes[20_000..<half])
    }
    let dir = try fixture.onlyIngestDir()
    #expect(try String(contentsOfFile: dir + "/ref", encoding: .utf8) == ref)
    #expect(Int64(try String(contentsOfFile: dir + "/startedat", encoding: .utf8)) != nil)
    let resumed = try fixture.store.writer(ref: ref, expected: digest, expectedSize: Int64(bytes.count))
    #expect(!resumed.alreadyExists)
    #expect(resumed.offset == Int64(half))
    #expect(resumed.digest() == (try sha256sum(Array(bytes[0..<half]))))
    try resumed.write(bytes[half...])
    #expect(try resumed.commit() == digest)
    #expect(try fixture.store.read(digest) == bytes)
    try fixture.expectClean(blobs: [digest])
  }

  @Test func resumeRestartsWhenOldBytesExceedExpectedSize() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    do {
      let stale = try fixture.store.writer(ref: "tag-url")
      try stale.write(testBytes(5_000, seed: 4))
    }
    let bytes = testBytes(1_000, seed: 5)
    let writer = try fixture.store.writer(ref: "tag-url", expectedSize: 1_000)
    #expect(writer.offset == 0)
    try writer.write(bytes)
    #expect(try writer.commit() == (try sha256sum(bytes)))
  }

  @Test func secondWriterForSameRefFailsWhileFirstHoldsIt() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(10_000, seed: 6)
    let digest = try sha256sum(bytes)
    let first = try fixture.store.writer(ref: "shared", expected: digest)
    try first.write(bytes[0..<100])
    let store = fixture.store
    // Another thread, its own open file description: flock conflicts as it would across processes.
    let error = try runOnThread { berthError { _ = try store.writer(ref: "shared", expected: digest) } }
    #expect(error?.code == .invalidState)
    #expect(error?.message == "ingest shared is locked by another writer")
    try first.write(bytes[100...])
    try first.commit()
    let later = try store.writer(ref: "shared", expected: digest)
    #expect(later.alreadyExists)
    try fixture.expectClean(blobs: [digest])
  }

  @Test func concurrentWritersOfSameRefFromThreads() async throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    let bytes = testBytes(400_000, seed: 7)
    let digest = try sha256sum(bytes)
    let store = fixture.store
    // Each puller retries while the ref is locked, as a registry client does; whoever gets the
    // lock after the first commit sees alreadyExists.
    let results = try await withThrowingTaskGroup(of: (String, Int).self) { group in
      for _ in 0..<4 {
        group.addTask {
          var lockedTimes = 0
          while true {
            do {
              return (try put(store, ref: "same-ref", bytes, expected: digest, chunk: 32_768), lockedTimes)
            } catch let error as BerthError where error.message == "ingest same-ref is locked by another writer" {
              lockedTimes += 1
              if lockedTimes > 5_000 { throw error }
              try await Task.sleep(for: .milliseconds(1))
            }
          }
        }
      }
      var all: [(String, Int)] = []
      for try await result in group { all.append(result) }
      return all
    }
    #expect(results.count == 4)
    #expect(results.allSatisfy { $0.0 == digest })
    #expect(try store.read(digest) == bytes)
    try fixture.expectClean(blobs: [digest])
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
  func lockHeldByAnotherProcess() throws {
    let fixture = try StoreFixture()
    defer { fixture.remove() }
    do {
      let writer = try fixture.store.writer(ref: "cross-process")
      try writer.write(testBytes(64))
    }
    let lock = try fixture.onlyIngestDir() + "/lock"
    // util-linux flock(1) takes the same kind of lock from a separate process; --no-fork makes
    // sleep itself the holder, so terminating it releases the lock.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = ["--exclusive", "--no-fork", lock, "/usr/bin/sleep", "30"]
    try holder.run()
    // SIGKILL: the test runner may have SIGTERM blocked, and the child inherits the mask.
    let release = {
      if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
      holder.waitUntilExit()
    }
    defer { release() }
    var error: BerthError?
    for _ in 0..<500 where error == nil {
      do {
        _ = try fixture.store.writer(ref: "cross-process")
        usleep(10_000)
      } catch let thrown as BerthError {
        error = thrown
      }
    }
    #expect(error?.message == "ingest cross-process is locked by another writer")
    #expect(try fixture.store.abandonedIngests(olderThan: 0) == [])  // held: not abandoned
    release()
    let resumed = try fixture.store.writer(ref: "cross-process")
    #expect(resumed.offset == 64)
    try resumed.abort()
    try fixture.expectClean(blobs: [])
  }
}

/// Runs `body` on a new thread and waits for its result.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) throws -> T {
  let done = DispatchSemaphore(value: 0)
  let box = ResultBox<T>()
  Thread.detachNewThread {
    box.set(body())
    done.signal()
  }
  done.wait()
  return try #require(box.get())
}

final class ResultBox<T: Sendable>: Sendable {
  private let value = Mutex<T?>(nil)
  func set(_ new: T) { value.withLock { $0 = new } }
  func get() -> T? { value.withLock { $0 } }
}
