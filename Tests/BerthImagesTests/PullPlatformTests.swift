import BerthError
import BerthImages
import BerthOCI
import Foundation
import Testing

/// Issue 3, acceptance check 2b: an OCI index of linux/amd64, linux/arm64/v8 and linux/arm/v7
/// images (each its own config and layer), pushed with `skopeo copy --all`.
@Suite("Pull: platform selection from an index (root, docker-registry)", .enabled(if: Tools.rootAndTools, Tools.skipReason))
struct PullPlatformTests {
  /// The requested platform, and the image the index must give for it.
  static let cases: [(requested: String?, selected: String)] = [
    (nil, Platform.host.description),
    ("linux/arm64", "linux/arm64/v8"),
    ("linux/arm64/v8", "linux/arm64/v8"),
    ("linux/arm/v7", "linux/arm/v7"),
    ("linux/amd64", "linux/amd64"),
  ]

  @Test("the index entry of the asked platform (the host's by default)", .timeLimit(.minutes(2)), arguments: cases)
  func selects(requested: String?, selected: String) async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let built = try f.build(.multiarch)
      try registry.push(layout: built.dir, tag: built.tag, as: "test/multi:v1", all: true)
      let expected = try built.image(selected)
      let ref = try Reference(parsing: "\(registry.domain)/test/multi:v1")
      let options = try requested.map { PullOptions(platform: try Platform(parsing: $0)) } ?? PullOptions()

      let image = try await f.store.pull(ref, client: f.client, options: options)
      #expect(image.id == expected.config)
      #expect(image.manifestDigest == expected.manifest.digest)
      #expect(image.indexDigest == built.top.digest, "skopeo --all kept the index as built")
      #expect(image.platform == selected)
      #expect(image.names == ["\(registry.domain)/test/multi:v1"])
      #expect(image.repoDigests == ["\(registry.domain)/test/multi@\(built.top.digest)"], "named by the index digest")
      let config = try f.store.config(of: image)
      #expect(config.platform.description == selected)
      #expect(config.config?.labels?["platform"] == selected)
      // The index is kept with the image (for `save` and for pulling by the index digest).
      #expect(try f.store.content.exists(built.top.digest.description))
      #expect(try f.store.find("\(registry.domain)/test/multi@\(built.top.digest)")?.id == image.id)

      // One layer: a view of it is a read-only bind of the layer's directory.
      let top = try #require(image.topChainID)
      let view = try f.store.snapshots.view(key: "test-view", parent: top.description)
      defer { try? f.store.snapshots.remove(key: "test-view") }
      let source = try #require(view.first?.source)
      #expect(try String(contentsOfFile: source + "/etc/arch", encoding: .utf8) == selected + "\n")
    }
  }

  @Test("a platform the index lacks fails with what it has, and stores nothing", .timeLimit(.minutes(2)))
  func absentPlatform() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let built = try f.build(.multiarch)
      try registry.push(layout: built.dir, tag: built.tag, as: "test/multi:v1", all: true)
      let ref = try Reference(parsing: "\(registry.domain)/test/multi:v1")
      let options = PullOptions(platform: try Platform(parsing: "linux/s390x"))

      let error = await #expect(throws: BerthError.self) { try await f.store.pull(ref, client: f.client, options: options) }
      #expect(error?.code == .notFound)
      let message = error?.message ?? ""
      #expect(message.contains("linux/s390x"), "names what was asked: \(message)")
      for platform in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"] {
        #expect(message.contains(platform), "lists \(platform) as available: \(message)")
      }
      #expect(try f.store.list().isEmpty)
      #expect(try f.store.snapshots.walk().isEmpty)
    }
  }
}
