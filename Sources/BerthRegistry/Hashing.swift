import BerthOCI
import Crypto

// Kept apart from the other files: Crypto's `Digest` protocol would shadow BerthOCI's `Digest`.
extension RegistryClient {
  /// `sha256:<hex>` of some bytes: the identity of a manifest fetched whole.
  /// - Parameter bytes: the document's bytes
  static func sha256(_ bytes: [UInt8]) throws -> BerthOCI.Digest {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in SHA256.hash(data: bytes) {
      out.append(hex[Int(byte >> 4)])
      out.append(hex[Int(byte & 15)])
    }
    return try BerthOCI.Digest.sha256(hex: String(decoding: out, as: UTF8.self))
  }
}
