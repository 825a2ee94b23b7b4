/// One challenge of a `WWW-Authenticate` header (RFC 7235 section 4.1): an auth scheme and its
/// parameters, such as `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"`.
///
/// A header may carry several challenges separated by commas; `parse` splits them apart the way
/// RFC 7235's grammar allows: after a comma, `name=value` continues the current challenge and a
/// bare token starts the next one.
public struct AuthChallenge: Hashable, Sendable {
  /// The auth scheme, lower-cased (`bearer`, `basic`).
  public var scheme: String
  /// The auth-params, names lower-cased, quoted values unescaped.
  public var parameters: [String: String]
  /// A token68 credential in place of parameters (`Negotiate abc==`), if the challenge had one.
  public var token68: String?

  /// Creates a challenge.
  /// - Parameters:
  ///   - scheme: the auth scheme; stored lower-cased
  ///   - parameters: the auth-params; names stored lower-cased
  ///   - token68: a token68 credential, if any
  public init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
    self.scheme = scheme.lowercased()
    self.parameters = Dictionary(parameters.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    self.token68 = token68
  }

  /// The `realm` parameter: the token endpoint for Bearer, a display name for Basic.
  public var realm: String? { parameters["realm"] }
  /// The `service` parameter of a Bearer challenge.
  public var service: String? { parameters["service"] }
  /// The `scope` parameter of a Bearer challenge (`repository:library/busybox:pull`).
  public var scope: String? { parameters["scope"] }
  /// Whether this is a Bearer (token) challenge.
  public var isBearer: Bool { scheme == "bearer" }
  /// Whether this is a Basic challenge.
  public var isBasic: Bool { scheme == "basic" }

  /// Parses every challenge of one or more `WWW-Authenticate` header values. Malformed input
  /// never throws: parsing stops at the first byte that fits no rule and keeps what it has.
  /// - Parameter header: the header value (several headers may be joined with `, `)
  /// - Returns: the challenges in header order
  public static func parse(_ header: String) -> [AuthChallenge] {
    var scanner = ChallengeScanner(bytes: Array(header.utf8))
    return scanner.challenges()
  }
}

/// A byte scanner over the RFC 7235 grammar: `challenge = auth-scheme [ 1*SP ( token68 /
/// #auth-param ) ]`, `auth-param = token BWS "=" BWS ( token / quoted-string )`.
struct ChallengeScanner {
  let bytes: [UInt8]
  var pos = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func challenges() -> [AuthChallenge] {
    var result: [AuthChallenge] = []
    while true {
      skipSeparators()
      guard let scheme = token() else { break }
      var challenge = AuthChallenge(scheme: scheme)
      skipSpaces()
      if let t68 = token68() {
        challenge.token68 = t68
      } else {
        // Parameters until a bare token (the next scheme) or the end.
        while let (name, value) = param() {
          challenge.parameters[name.lowercased()] = value
          skipSeparators()
        }
      }
      result.append(challenge)
      // Anything that fits no rule ends the parse rather than looping on it.
      skipSeparators()
      if pos < bytes.count, !isTokenByte(bytes[pos]) { break }
    }
    return result
  }

  /// `name=value` at `pos`, or nil (with `pos` unchanged) if the next thing is not a parameter.
  private mutating func param() -> (String, String)? {
    let start = pos
    guard let name = token() else { return nil }
    skipSpaces()
    guard pos < bytes.count, bytes[pos] == UInt8(ascii: "=") else {
      pos = start
      return nil
    }
    pos += 1
    skipSpaces()
    if pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") {
      guard let value = quotedString() else {
        // Unterminated: nothing after it can be trusted, so the parse ends here.
        pos = bytes.count
        return nil
      }
      return (name, value)
    }
    return (name, token() ?? "")
  }

  /// A token68 at `pos` when it is the challenge's only credential (followed by a comma or the
  /// end, and not a `name=value` parameter); else nil with `pos` unchanged.
  private mutating func token68() -> String? {
    let start = pos
    while pos < bytes.count, isToken68Byte(bytes[pos]) { pos += 1 }
    guard pos > start else { return nil }
    while pos < bytes.count, bytes[pos] == UInt8(ascii: "=") { pos += 1 }
    let end = pos
    skipSpaces()
    // `realm=x`: one '=' followed by a value is a parameter, not padding.
    if pos == bytes.count || bytes[pos] == UInt8(ascii: ",") {
      return String(decoding: bytes[start..<end], as: UTF8.self)
    }
    pos = start
    return nil
  }

  private mutating func quotedString() -> String? {
    pos += 1  // opening quote
    var value: [UInt8] = []
    while pos < bytes.count {
      let byte = bytes[pos]
      pos += 1
      if byte == UInt8(ascii: "\"") { return String(decoding: value, as: UTF8.self) }
      if byte == UInt8(ascii: "\\"), pos < bytes.count {
        value.append(bytes[pos])
        pos += 1
      } else {
        value.append(byte)
      }
    }
    return nil  // unterminated
  }

  private mutating func token() -> String? {
    let start = pos
    while pos < bytes.count, isTokenByte(bytes[pos]) { pos += 1 }
    return pos > start ? String(decoding: bytes[start..<pos], as: UTF8.self) : nil
  }

  private mutating func skipSpaces() {
    while pos < bytes.count, bytes[pos] == UInt8(ascii: " ") || bytes[pos] == UInt8(ascii: "\t") { pos += 1 }
  }

  private mutating func skipSeparators() {
    while pos < bytes.count,
      bytes[pos] == UInt8(ascii: " ") || bytes[pos] == UInt8(ascii: "\t") || bytes[pos] == UInt8(ascii: ",")
    {
      pos += 1
    }
  }

  /// RFC 7230 tchar.
  private func isTokenByte(_ b: UInt8) -> Bool {
    if (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
      || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    {
      return true
    }
    return "!#$%&'*+-.^_`|~".utf8.contains(b)
  }

  /// RFC 7235 token68 characters, before the `=` padding.
  private func isToken68Byte(_ b: UInt8) -> Bool {
    if (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
      || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    {
      return true
    }
    return "-._~+/".utf8.contains(b)
  }
}
