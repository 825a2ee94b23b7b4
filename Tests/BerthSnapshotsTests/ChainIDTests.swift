import BerthOCI
import BerthSnapshots
import Testing

@Suite("Chain IDs")
struct ChainIDTests {
  // python3: a = 'sha256:' + hashlib.sha256(b'layer-a').hexdigest() (likewise b, c), then
  // ab = 'sha256:' + hashlib.sha256((a + ' ' + b).encode()).hexdigest(), abc from ab and c.
  static let a = "sha256:589f0d58b9053a4ff7329b8fdb4f9dd120e29354c086ad0b3b10733f6cfd6de3"
  static let b = "sha256:55fea2a37a9fc5963f1beccd0d162b856e6bd05ca07cdd3726847846ab740f0d"
  static let c = "sha256:e6c65c655ca8172ab7a2b634dab3220a45472dd6571b6efd956ccc05e229a201"
  static let ab = "sha256:267c5fd16af60e52927fabf0a36a31f3b5a2069347f7f00c7bd7f93f6ebc01f4"
  static let abc = "sha256:82c0ed5f6c15be9b9180a8c04b9f2c676d74af6db13c711f5bb47a0fa43b56df"

  @Test(
    "the chain ID of every prefix",
    arguments: [
      ([String](), [String]()),
      ([a], [a]),
      ([a, b], [a, ab]),
      ([a, b, c], [a, ab, abc]),
    ])
  func prefixes(diffIDs: [String], expected: [String]) throws {
    let digests = try diffIDs.map { try Digest(parsing: $0) }
    #expect(ChainID.chainID(digests).map(\.description) == expected)
    #expect(ChainID.top(digests)?.description == expected.last)
  }

  @Test("order matters")
  func order() throws {
    let a = try Digest(parsing: Self.a)
    let b = try Digest(parsing: Self.b)
    #expect(ChainID.chainID([a, b]).last != ChainID.chainID([b, a]).last)
  }
}
