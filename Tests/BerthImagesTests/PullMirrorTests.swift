import BerthImages
import BerthOCI
import Foundation
import Testing

/// Issue 3, acceptance check 2c: mirrors are tried before the origin; one that fails is reported
/// and skipped, one that works serves the whole pull.
@Suite("Pull: mirrors (root, docker-registry)", .enabled(if: Tools.rootAndTools, Tools.skipReason))
struct PullMirrorTests {
  /// How a mirror fails.
  enum BadMirror: String, CaseIterable, Sendable {
    /// Nothing listens on its port.
    case down
    /// A registry that does not have the image.
    case empty

    /// What the `.mirrorFailed` reason must say.
    var reason: String { self == .down ? "Connection refused" : "404 Not Found" }
  }

  @Test("a failing mirror is reported and the origin serves the pull", .timeLimit(.minutes(2)), arguments: BadMirror.allCases)
  func fallsBackToOrigin(_ bad: BadMirror) async throws {
    try await PullFixture.with { f in
      let origin = try await f.startRegistry()
      let (built, ref) = try f.pushLayered(to: [origin])
      let mirror = bad == .down ? try f.downRegistry() : try await f.startRegistry().domain
      let events = EventLog()

      let image = try await f.store.pull(ref, client: f.client, options: PullOptions(mirrors: [mirror]), progress: events.callback)
      #expect(try image.id == built.image("linux/amd64").config)
      let failures = events.mirrorFailures
      #expect(failures.map(\.mirror) == [mirror])
      #expect(failures.first?.reason.contains(bad.reason) == true, "the reason says what failed: \(failures)")
      #expect(events.sources == [origin.domain])
      #expect(image.names == ["\(origin.domain)/test/layered:v1"])
      #expect(try f.store.snapshots.walk().count == 3)
    }
  }

  @Test("a working mirror serves the pull instead of the origin; names stay the origin's", .timeLimit(.minutes(2)))
  func usesMirror() async throws {
    try await PullFixture.with { f in
      let origin = try await f.startRegistry()
      let mirror = try await f.startRegistry()
      let (built, ref) = try f.pushLayered(to: [origin, mirror])
      let expected = try built.image("linux/amd64")
      let originLog = origin.log.count
      let events = EventLog()

      let image = try await f.store.pull(
        ref, client: f.client, options: PullOptions(mirrors: [try f.downRegistry(), mirror.domain]),
        progress: events.callback)
      #expect(image.id == expected.config)
      #expect(events.sources == [mirror.domain])
      #expect(events.mirrorFailures.count == 1, "the first mirror is down")
      #expect(image.names == ["\(origin.domain)/test/layered:v1"])
      #expect(image.repoDigests == ["\(origin.domain)/test/layered@\(expected.manifest.digest)"])
      // The origin saw no request at all during the pull; the mirror served every layer.
      let originRequests = String(origin.log.dropFirst(originLog))
      #expect(!originRequests.contains("/v2/test/layered/"), "origin log: \(originRequests)")
      for layer in expected.layers {
        #expect(mirror.log.contains("GET") && mirror.log.contains("/v2/test/layered/blobs/\(layer.digest)"))
      }
    }
  }
}
