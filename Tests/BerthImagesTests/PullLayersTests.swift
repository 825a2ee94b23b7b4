#if canImport(Glibc)
import Glibc
#endif
import BerthImages
import BerthOCI
import BerthSnapshots
import Foundation
import Testing

/// Issue 3, acceptance check 2a: an image whose layers are uncompressed, gzip and zstd tars, with
/// a whiteout in the top layer, pulled from a real registry into the image store.
@Suite("Pull: tar, gzip and zstd layers (root, docker-registry)", .enabled(if: Tools.rootAndTools, Tools.skipReason))
struct PullLayersTests {
  @Test("id, names, sizes and the merged files of a three-compression image", .timeLimit(.minutes(2)))
  func threeCompressions() async throws {
    try await PullFixture.with { f in
      let registry = try await f.startRegistry()
      let (built, ref) = try f.pushLayered(to: [registry])
      let expected = try built.image("linux/amd64")
      let events = EventLog()
      let image = try await f.store.pull(ref, client: f.client, progress: events.callback)

      #expect(image.id == expected.config, "the id is the config digest")
      #expect(image.manifestDigest == expected.manifest.digest, "skopeo kept the manifest as built")
      #expect(image.indexDigest == nil)
      #expect(image.names == ["\(registry.domain)/test/layered:v1"])
      #expect(image.repoDigests == ["\(registry.domain)/test/layered@\(expected.manifest.digest)"])
      #expect(image.layers == expected.layers.map(\.digest))
      #expect(image.diffIDs == expected.layers.map(\.diffID))
      #expect(image.platform == "linux/amd64")
      #expect(image.created == "2026-01-01T00:00:00Z")
      let manifestSize = expected.manifest.size
      let configSize = try #require(try f.store.content.info(expected.config.description)).size
      #expect(image.size == expected.layers.reduce(manifestSize + configSize) { $0 + $1.size })
      #expect(image.unpackedSize > 0)
      #expect(try f.store.manifest(of: image).layers.map(\.mediaType) == [.ociLayer, .ociLayerGzip, .ociLayerZstd])
      #expect(try f.store.config(of: image).rootfs.diffIDs == image.diffIDs)
      #expect(try f.store.list() == [image])

      // Every blob stored and verified; one committed snapshot per layer, keyed by chain ID.
      for blob in image.blobs { #expect(try f.store.content.verify(blob.description), "\(blob)") }
      let chain = ChainID.chainID(image.diffIDs).map(\.description)
      let snapshots = try f.store.snapshots.walk()
      #expect(Set(snapshots.map(\.key)) == Set(chain))
      #expect(snapshots.allSatisfy { $0.kind == .committed })
      #expect(try chain.indices.map { try f.store.snapshots.stat(key: chain[$0]).parent } == [nil] + chain.dropLast())
      #expect(Set(events.layers(in: .unpacked)) == Set(image.layers))

      try f.withMergedView(of: image) { merged, lowers in
        try Self.checkMerged(merged, lowers: lowers, payload: 64 * 1024)
      }

      // Found by name, digest, id and id prefix.
      for text in ["\(registry.domain)/test/layered:v1", "\(registry.domain)/test/layered@\(expected.manifest.digest)",
        image.id.description, image.shortID, expected.manifest.digest.description]
      {
        #expect(try f.store.find(text)?.id == image.id, "\(text)")
      }

      // Pulled again: every layer is already there, nothing is unpacked twice.
      let again = EventLog()
      let second = try await f.store.pull(ref, client: f.client, progress: again.callback)
      #expect(second.id == image.id)
      #expect(Set(again.layers(in: .present)) == Set(image.layers))
      #expect(again.layers(in: .extracting).isEmpty)
      #expect(try f.store.snapshots.walk().count == 3)
    }
  }

  /// The merged tree shows the top version of each file and hides the whited-out one; the top
  /// layer's own directory holds the overlay whiteout, a 0:0 character device owned by root.
  static func checkMerged(_ merged: String, lowers: [String], payload: Int) throws {
    let fm = FileManager.default
    #expect(try String(contentsOfFile: merged + "/etc/base.txt", encoding: .utf8) == "base v2\n")
    #expect(try String(contentsOfFile: merged + "/etc/middle.txt", encoding: .utf8) == "middle\n")
    #expect(try String(contentsOfFile: merged + "/etc/top.txt", encoding: .utf8) == "top\n")
    #expect(!fm.fileExists(atPath: merged + "/etc/gone.txt"), "the top layer's whiteout hides the bottom layer's file")
    #expect(try fm.contentsOfDirectory(atPath: merged + "/etc").sorted() == ["base.txt", "middle.txt", "top.txt"])
    #expect((try fm.attributesOfItem(atPath: merged + "/bin/payload")[.size] as? NSNumber)?.intValue == payload)

    try #require(lowers.count == 3, "three lower dirs, top first: \(lowers)")
    var st = stat()
    try #require(lstat(lowers[0] + "/etc/gone.txt", &st) == 0, "the whiteout is in the top layer")
    #expect(st.st_mode & S_IFMT == S_IFCHR)
    #expect(st.st_rdev == 0 && st.st_uid == 0 && st.st_gid == 0)
    #expect(!fm.fileExists(atPath: lowers[0] + "/etc/base.txt"))
    #expect(try String(contentsOfFile: lowers[1] + "/etc/base.txt", encoding: .utf8) == "base v2\n")
    #expect(try String(contentsOfFile: lowers[2] + "/etc/gone.txt", encoding: .utf8) == "deleted by the top layer\n")
    #expect(try String(contentsOfFile: lowers[2] + "/etc/base.txt", encoding: .utf8) == "base\n")
  }
}
