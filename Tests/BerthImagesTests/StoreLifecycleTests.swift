import BerthError
import BerthImages
import BerthOCI
import Foundation
import Testing

/// Issue 3, acceptance check 2f at the store level: names, removal, pruning, garbage collection,
/// and two pulls of one image racing on one store.
@Suite("Image store: tag, remove, prune, GC, concurrent pulls (root, docker-registry)", .enabled(if: Tools.rootAndTools, Tools.skipReason))
struct StoreLifecycleTests {
  @Test("tag adds a name; removing one of two names keeps the image; the last one takes it and its data", .timeLimit(.minutes(2)))
  func tagAndRemove() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (_, ref) = try f.pushLayered(to: [registry])
      let image = try await f.store.pull(ref, client: f.client)
      let original = "\(registry.domain)/test/layered:v1"

      #expect(try f.store.tag(original, as: "example.com/other") == "example.com/other:latest")
      #expect(try Set(f.store.get(image.id.description).names) == ["example.com/other:latest", original])
      #expect(try f.store.get("example.com/other").id == image.id)
      #expect(throws: BerthError.self) { try f.store.tag(original, as: "example.com/other@\(image.id)") }

      // By id with two names: refused without force.
      let refused = #expect(throws: BerthError.self) { try f.store.remove(image.id.description) }
      #expect(refused?.code == .invalidState)

      let untagged = try f.store.remove("example.com/other:latest")
      #expect(untagged.untagged == ["example.com/other:latest"] && untagged.deleted == nil)
      #expect(try f.store.list().map(\.names) == [[original]])
      #expect(try f.store.content.list().count == 5, "manifest, config and three layers are kept")
      #expect(try f.store.snapshots.walk().count == 3)

      let removed = try f.store.remove(original)
      #expect(removed.deleted == image.id)
      #expect(Set(removed.untagged) == Set([original] + image.repoDigests))
      #expect(try f.store.list().isEmpty)
      #expect(try f.store.find(original) == nil)
      #expect(try f.store.content.list().isEmpty, "no blob of the image is left")
      #expect(try f.store.snapshots.walk().isEmpty, "no snapshot of the image is left")
      let usage = try f.store.usage()
      #expect(usage.contentBlobs == 0 && usage.contentBytes == 0 && usage.snapshotBytes == 0)
      #expect(throws: BerthError.self) { try f.store.remove(original) }
    }
  }

  @Test("remove by id with force takes every name; collectGarbage keeps what images need", .timeLimit(.minutes(2)))
  func removeByIDAndCollect() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (_, ref) = try f.pushLayered(to: [registry])
      let image = try await f.store.pull(ref, client: f.client)
      try f.store.tag(image.shortID, as: "example.com/second:v2")

      // Nothing to collect while the image exists.
      let nothing = try f.store.collectGarbage()
      #expect(nothing.blobs == 0 && nothing.bytes == 0 && nothing.snapshots == 0)
      #expect(try f.store.content.list().count == 5)

      let removed = try f.store.remove(image.id.description, force: true)
      #expect(removed.deleted == image.id)
      #expect(removed.untagged.count == 3, "two tags and the repo digest: \(removed.untagged)")
      #expect(try f.store.content.list().isEmpty)
      #expect(try f.store.snapshots.walk().isEmpty)
    }
  }

  @Test("prune takes untagged images, then with all every image, and collects their data", .timeLimit(.minutes(2)))
  func prune() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (_, ref) = try f.pushLayered(to: [registry])
      let built = try f.build(.multiarch)
      try registry.push(layout: built.dir, tag: built.tag, as: "test/multi:v1", all: true)
      let multi = try Reference(parsing: "\(registry.domain)/test/multi:v1")
      let layered = try await f.store.pull(ref, client: f.client)
      // arm/v7 then amd64 under the same name: the first loses its tag and becomes dangling.
      let dangling = try await f.store.pull(multi, client: f.client, options: PullOptions(platform: try Platform(parsing: "linux/arm/v7")))
      let tagged = try await f.store.pull(multi, client: f.client, options: PullOptions(platform: try Platform(parsing: "linux/amd64")))
      #expect(try f.store.get(dangling.id.description).names.isEmpty)
      #expect(try f.store.list().count == 3)

      let first = try f.store.prune(all: false)
      #expect(first.removed.map(\.id) == [dangling.id])
      #expect(first.freed.blobs == 3 && first.freed.snapshots == 1, "the arm manifest, config and layer (the index stays), and the layer snapshot: \(first.freed)")
      #expect(Set(try f.store.list().map(\.id)) == [layered.id, tagged.id])

      let second = try f.store.prune(all: true)
      #expect(Set(second.removed.map(\.id)) == [layered.id, tagged.id])
      #expect(try f.store.list().isEmpty)
      #expect(try f.store.content.list().isEmpty)
      #expect(try f.store.snapshots.walk().isEmpty)
    }
  }

  @Test("two pulls of one image at once on one store: one image, no leftover unpack snapshot", .timeLimit(.minutes(2)))
  func concurrentPulls() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (built, ref) = try f.pushLayered(to: [registry], payload: 1 << 20)
      let (store, client) = (f.store, f.client)
      let images = try await withThrowingTaskGroup(of: ImageRecord.self) { group in
        for _ in 0..<2 { group.addTask { try await store.pull(ref, client: client) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(images.count == 2 && images.allSatisfy { $0.id == built.images[0].config })
      #expect(try f.store.list().count == 1)
      #expect(try f.uncommittedSnapshots().isEmpty)
      #expect(try f.store.snapshots.walk().count == 3)
      for blob in images[0].blobs { #expect(try f.store.content.verify(blob.description)) }
    }
  }
}
