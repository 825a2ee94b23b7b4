import BerthError
import BerthImages
import BerthOCI
import Foundation
import Testing

/// Issue 3, acceptance checks 2d and 2e: a registry serving wrong bytes for a layer, and a
/// connection dropped in the middle of a layer.
@Suite("Pull: corrupt blobs and dropped connections (root, docker-registry)", .enabled(if: Tools.rootAndTools, Tools.skipReason))
struct PullFailureTests {
  /// How the registry's copy of a layer is damaged.
  enum Corruption: String, CaseIterable, Sendable {
    /// Other bytes of the same size: only the digest check can tell.
    case sameSize
    /// Fewer bytes: the registry's Content-Length already disagrees with the manifest.
    case shorter
    /// More bytes.
    case longer
  }

  @Test(
    "a wrong layer blob fails the pull with its digest and leaves no image, blob or unpack snapshot",
    .timeLimit(.minutes(2)), arguments: Corruption.allCases, [0, 2])
  func wrongBlob(_ corruption: Corruption, layer index: Int) async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (built, ref) = try f.pushLayered(to: [registry])
      let layer = try built.image("linux/amd64").layers[index]
      let size = Int(layer.size)
      let length = corruption == .sameSize ? size : corruption == .shorter ? size / 2 : size + 100
      // Bytes that are no prefix of the real blob, so even a resume could not repair them.
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
      try Data(bytes).write(to: URL(fileURLWithPath: registry.blobData(layer.digest)))

      let error = await #expect(throws: BerthError.self) { try await f.store.pull(ref, client: f.client) }
      #expect(error?.code == .invalidArgument, "\(String(describing: error))")
      #expect(error?.message.contains(layer.digest.description) == true, "names the digest: \(String(describing: error))")
      #expect(try f.store.list().isEmpty, "no image recorded")
      #expect(try !f.store.content.exists(layer.digest.description), "the wrong blob is not committed")
      #expect(try f.uncommittedSnapshots().isEmpty, "no unpack snapshot left")
      // The layers that did arrive are garbage; collection takes them and their snapshots.
      _ = try f.store.collectGarbage()
      #expect(try f.store.content.list().isEmpty)
      #expect(try f.store.snapshots.walk().isEmpty)
    }
  }

  @Test("a connection dropped mid-blob is resumed with a Range request", .timeLimit(.minutes(2)))
  func resumesDroppedBlob() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let payload = 2 << 20
      let (built, _) = try f.pushLayered(to: [registry], payload: payload)
      let layer = try built.image("linux/amd64").layers[0]
      let proxy = try f.startProxy(to: registry, cut: layer.digest)
      let ref = try Reference(parsing: "\(proxy.domain)/test/layered:v1")

      let image = try await f.store.pull(ref, client: f.client)
      #expect(image.layers == built.images[0].layers.map(\.digest))
      #expect(try f.store.content.verify(layer.digest.description), "the resumed blob has its digest")
      #expect(try f.store.content.info(layer.digest.description)?.size == layer.size)

      let log = proxy.log
      let path = "/v2/test/layered/blobs/\(layer.digest)"
      let gets = log.filter { $0.hasPrefix("GET \(path) ") }
      #expect(log.contains { $0.hasPrefix("cut \(path) at ") }, "the proxy cut the first download: \(log)")
      #expect(gets.first == "GET \(path) range=-", "the first GET asks for the whole blob: \(gets)")
      let resumed = gets.dropFirst().compactMap { line -> Int64? in
        guard let range = line.split(separator: " ").last, range.hasPrefix("range=bytes="), range.hasSuffix("-") else { return nil }
        return Int64(range.dropFirst("range=bytes=".count).dropLast())
      }
      #expect(resumed.count == 1, "one Range request after the cut: \(gets)")
      #expect((resumed.first ?? 0) > 0 && (resumed.first ?? 0) <= layer.size / 2, "resumed at the bytes received: \(gets)")

      try f.withMergedView(of: image) { merged, lowers in
        try PullLayersTests.checkMerged(merged, lowers: lowers, payload: payload)
      }
    }
  }
}
