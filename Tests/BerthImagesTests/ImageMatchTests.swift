import BerthError
import BerthOCI
import Testing

@testable import BerthImages

/// The lookup rules of `ImageStore.find` (names, ids, id prefixes, digests), over records
/// built in memory: no store, no root.
@Suite("ImageStore.match")
struct ImageMatchTests {
  /// 64 hex digits starting with `prefix`, padded with zeros.
  static func hex(_ prefix: String) -> String { prefix + String(repeating: "0", count: 64 - prefix.count) }

  /// `sha256:` and `hex(prefix)`.
  static func sha(_ prefix: String) -> String { "sha256:" + hex(prefix) }

  static func digest(_ prefix: String) throws -> Digest { try Digest(parsing: sha(prefix)) }

  /// Three records: `busybox` (two tags, pulled from an index), `app` (one tag, a port in its
  /// domain), `dangling` (no name); the ids of the first two share the prefix `aaaa`.
  static func images() throws -> [String: ImageRecord] {
    let busybox = ImageRecord(
      id: try digest("aaaa1111"), names: ["docker.io/library/busybox:1.36", "docker.io/library/busybox:latest"],
      repoDigests: ["docker.io/library/busybox@" + sha("1dc0")], manifestDigest: try digest("3a1f"),
      indexDigest: try digest("1dc0"), size: 1, unpackedSize: 1, created: nil, pulledAt: 3, platform: "linux/amd64",
      layers: [try digest("1a7e")], diffIDs: [try digest("d1ff")])
    let app = ImageRecord(
      id: try digest("aaaa2222"), names: ["registry.local:5000/team/app:v1"],
      repoDigests: ["registry.local:5000/team/app@" + sha("3b2f")], manifestDigest: try digest("3b2f"), size: 1,
      unpackedSize: 1, created: nil, pulledAt: 2, platform: "linux/amd64", layers: [try digest("2a7e")],
      diffIDs: [try digest("d2ff")])
    let dangling = ImageRecord(
      id: try digest("bbbb3333"), manifestDigest: try digest("3c3f"), size: 1, unpackedSize: 1, created: nil, pulledAt: 1,
      platform: "linux/arm64/v8", layers: [], diffIDs: [])
    return ["busybox": busybox, "app": app, "dangling": dangling]
  }

  /// What is typed, and the record it must find (nil: none).
  static let cases: [(text: String, expected: String?)] = [
    ("busybox", "busybox"),
    ("busybox:1.36", "busybox"),
    ("docker.io/library/busybox:latest", "busybox"),
    ("library/busybox", "busybox"),
    ("busybox:1.37", nil),
    ("alpine", nil),
    ("registry.local:5000/team/app:v1", "app"),
    ("registry.local:5000/team/app", nil),
    ("team/app:v1", nil),
    (sha("aaaa1111"), "busybox"),
    (hex("aaaa1111"), "busybox"),
    ("aaaa1", "busybox"),
    ("sha256:aaaa2", "app"),
    ("bbb", "dangling"),
    ("bb", nil),
    (sha("3a1f"), "busybox"),
    (hex("1dc0"), "busybox"),
    (sha("3b2f"), "app"),
    ("busybox@" + sha("1dc0"), "busybox"),
    ("busybox@" + sha("3a1f"), "busybox"),
    ("docker.io/library/busybox@" + sha("1a7e"), "busybox"),
    ("registry.local:5000/team/app@" + sha("3a1f"), nil),
    ("busybox@" + sha("9999"), nil),
    (sha("cccc"), nil),
  ]

  @Test("finds by name, id, id prefix and digest", arguments: cases)
  func finds(text: String, expected: String?) throws {
    let images = try Self.images()
    let found = try ImageStore.match(text, in: images.values.sorted { $0.pulledAt > $1.pulledAt })
    #expect(found?.id == expected.flatMap { images[$0]?.id })
  }

  @Test("refuses ambiguous id prefixes and text that is neither id nor reference", arguments: ["aaaa", "sha256:aaa", "Not A Ref!", "AAAA1111"])
  func refuses(text: String) throws {
    let error = #expect(throws: BerthError.self) { try ImageStore.match(text, in: Array(try Self.images().values)) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains(text) == true, "\(String(describing: error))")
  }

  @Test("an ambiguous prefix lists the images it matches")
  func ambiguousListsMatches() throws {
    let error = #expect(throws: BerthError.self) { try ImageStore.match("aaaa", in: Array(try Self.images().values)) }
    #expect(error?.message.contains("aaaa11110000") == true && error?.message.contains("aaaa22220000") == true)
  }

  @Test("the repository of a stored name", arguments: [
    ("docker.io/library/busybox:latest", "docker.io/library/busybox"),
    ("localhost:5000/app:v1", "localhost:5000/app"),
    ("localhost:5000/app", "localhost:5000/app"),
    ("docker.io/library/busybox@sha256:abc", "docker.io/library/busybox"),
  ])
  func repository(name: String, repository: String) {
    #expect(ImageStore.repository(name) == repository)
  }

  @Test("an image's blobs, top chain id and short id")
  func recordDerivedValues() throws {
    let images = try Self.images()
    let busybox = try #require(images["busybox"])
    #expect(try busybox.blobs == [Self.digest("3a1f"), Self.digest("aaaa1111"), Self.digest("1dc0"), Self.digest("1a7e")])
    #expect(try busybox.topChainID == Self.digest("d1ff"), "one layer: the chain id is the diff id")
    #expect(images["dangling"]?.topChainID == nil)
    #expect(images["app"]?.shortID == "aaaa22220000")
  }
}
