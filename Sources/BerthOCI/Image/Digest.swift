import BerthError

/// A content digest, `algorithm:encoded`, as the OCI image spec defines it ("Digests"): the name of
/// every blob, manifest and config. Parsing validates the whole string, so a `Digest` value is
/// always safe to use as a file name component or in a registry URL.
///
/// - `sha256`: 64 lower-case hex digits; `sha512`: 128; `blake3`: 64 (the registered algorithms).
/// - Any other algorithm must follow the spec's grammar: `[a-z0-9]+([+._-][a-z0-9]+)*` before the
///   colon and `[a-zA-Z0-9=_-]+` after it. Such digests parse, but `isRegistered` is false, and the
///   content store can refuse them because it cannot verify them.
public struct Digest: Hashable, Sendable, StringCoded, Comparable {
  /// The algorithm, such as `sha256`.
  public let algorithm: String
  /// The encoded hash after the colon, such as 64 hex digits for sha256.
  public let encoded: String

  /// Parses and validates `algorithm:encoded`.
  /// - Parameter text: the digest string, such as `sha256:e3b0c442...`
  /// - Throws: `BerthError.invalid` ("invalid digest \"...\": ...") naming what is wrong.
  public init(parsing text: String) throws {
    guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else {
      throw Self.error(text, "expected algorithm:encoded")
    }
    let algorithm = String(text[text.startIndex..<colon])
    let encoded = String(text[text.index(after: colon)...])
    try self.init(algorithm: algorithm, encoded: encoded, text: text)
  }

  /// Creates a digest from its two parts, validating both.
  /// - Parameters:
  ///   - algorithm: the algorithm name, such as `sha256`
  ///   - encoded: the encoded hash, such as 64 lower-case hex digits
  /// - Throws: `BerthError.invalid` naming what is wrong.
  public init(algorithm: String, encoded: String) throws {
    try self.init(algorithm: algorithm, encoded: encoded, text: algorithm + ":" + encoded)
  }

  private init(algorithm: String, encoded: String, text: String) throws {
    guard !algorithm.isEmpty else { throw Self.error(text, "missing algorithm before ':'") }
    guard !encoded.isEmpty else { throw Self.error(text, "missing encoded hash after ':'") }
    guard Self.isValidAlgorithm(algorithm) else {
      throw Self.error(text, "algorithm \"\(algorithm)\" must match [a-z0-9]+([+._-][a-z0-9]+)*")
    }
    if let length = Self.hexLengths[algorithm] {
      guard encoded.utf8.allSatisfy(Self.isLowerHex) else {
        throw Self.error(text, "\(algorithm) must be lower-case hex digits")
      }
      guard encoded.utf8.count == length else {
        throw Self.error(text, "\(algorithm) must be \(length) hex digits, found \(encoded.utf8.count)")
      }
    } else {
      guard encoded.utf8.allSatisfy(Self.isEncodedByte) else {
        throw Self.error(text, "encoded part must match [a-zA-Z0-9=_-]+")
      }
    }
    self.algorithm = algorithm
    self.encoded = encoded
  }

  /// A sha256 digest from 64 lower-case hex digits (what a hasher prints).
  /// - Parameter hex: the hex digits, without the `sha256:` prefix
  public static func sha256(hex: String) throws -> Digest { try Digest(algorithm: "sha256", encoded: hex) }

  /// The sha256 digest of the 32 bytes a SHA-256 hasher returns (BerthOCI hashes nothing
  /// itself: callers pass swift-crypto's `SHA256.hash(data:)` or `finalize()`).
  /// - Parameter hash: the 32 hash bytes
  public init(sha256 hash: some Sequence<UInt8>) {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in hash {
      hex.append(digits[Int(byte >> 4)])
      hex.append(digits[Int(byte & 0x0f)])
    }
    precondition(hex.count == 64, "a sha256 hash has 32 bytes, got \(hex.count / 2)")
    let encoded = String(decoding: hex, as: UTF8.self)
    self.algorithm = "sha256"
    self.encoded = encoded
  }

  /// The registered algorithms and the number of hex digits each one's encoded part has.
  public static let hexLengths: [String: Int] = ["sha256": 64, "sha512": 128, "blake3": 64]

  /// Whether the algorithm is one the OCI image spec registers (and a store can verify).
  public var isRegistered: Bool { Self.hexLengths[algorithm] != nil }

  /// `algorithm:encoded`.
  public var description: String { algorithm + ":" + encoded }

  public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }


  // MARK: - Grammar

  static func error(_ text: String, _ why: String) -> BerthError {
    BerthError.invalid("invalid digest \"\(text)\": \(why)")
  }

  static func isLowerHex(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
  }

  static func isLowerAlnum(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
  }

  static func isEncodedByte(_ byte: UInt8) -> Bool {
    isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
  }

  /// `[a-z0-9]+([+._-][a-z0-9]+)*`: components of lower-case alphanumerics joined by one separator.
  static func isValidAlgorithm(_ algorithm: String) -> Bool {
    var previousWasSeparator = true  // a separator may not come first
    for byte in algorithm.utf8 {
      if isLowerAlnum(byte) {
        previousWasSeparator = false
      } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
        if previousWasSeparator { return false }
        previousWasSeparator = true
      } else {
        return false
      }
    }
    return !previousWasSeparator
  }
}
