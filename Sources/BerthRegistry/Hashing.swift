import BerthOCI
import Crypto

// Kept apart from the other files: Crypto's `Digest` protocol would shadow BerthOCI's `Digest`.
extension RegistryClient {
  /// `sha256:<hex>` of some bytes: the identity of a manifest fetched whole.
  /// - Parameter bytes: the document's bytes
  static func sha256(_ bytes: [UInt8]) -> BerthOCI.Digest {
    BerthOCI.Digest(sha256: SHA256.hash(data: bytes))
  }
}
