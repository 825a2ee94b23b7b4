import BerthError

/// The hand-written reference grammar (distribution/reference's regular expressions, checked byte
/// by byte: no regex engine at start-up).
enum ReferenceParser {
  /// The longest `domain/path` the distribution spec allows.
  static let maxNameLength = 255
  /// The longest tag: one word character and up to 127 more.
  static let maxTagLength = 128

  static func error(_ text: String, _ why: String) -> BerthError {
    BerthError.invalid("invalid reference \"\(text)\": \(why)")
  }

  /// Splits `[domain/]path[:tag][@digest]`, normalizes Docker Hub names and validates each part.
  static func parse(_ text: String) throws -> Reference {
    guard !text.isEmpty else { throw error(text, "the reference is empty") }
    let bytes = Array(text.utf8)
    if bytes.count == 64, bytes.allSatisfy(Digest.isLowerHex) {
      throw error(text, "a 64-digit hex string is an image id, not a repository name")
    }

    // The digest starts at the first '@'; neither tag nor name may contain one.
    var namePart = text[...]
    var digest: Digest?
    if let at = text.firstIndex(of: "@") {
      namePart = text[..<at]
      guard !namePart.isEmpty else { throw error(text, "missing repository name before '@'") }
      let digestText = String(text[text.index(after: at)...])
      do { digest = try Digest(parsing: digestText) } catch let digestError as BerthError {
        throw error(text, digestError.message)
      }
    }

    // The tag follows the last ':' that has no '/' after it (a ':' before a '/' is a port).
    var tag: String?
    if let colon = namePart.lastIndex(of: ":"), !namePart[colon...].contains("/") {
      let tagText = String(namePart[namePart.index(after: colon)...])
      namePart = namePart[..<colon]
      guard !namePart.isEmpty else { throw error(text, "missing repository name before ':'") }
      guard !tagText.isEmpty else { throw error(text, "empty tag after ':'") }
      try checkTag(tagText, in: text)
      tag = tagText
    }
    guard !namePart.isEmpty else { throw error(text, "missing repository name") }

    // The domain is the first component when it looks like a host (docker's splitDockerDomain).
    var domain = Reference.dockerHub
    var path = String(namePart)
    if let slash = namePart.firstIndex(of: "/") {
      let first = namePart[..<slash]
      if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
        domain = String(first)
        path = String(namePart[namePart.index(after: slash)...])
        try checkDomain(domain, in: text)
      }
    }
    if domain == "index.docker.io" { domain = Reference.dockerHub }
    if domain == Reference.dockerHub, !path.isEmpty, !path.contains("/") { path = "library/" + path }
    try checkPath(path, in: text)
    try checkLength(domain, path, in: text)
    if tag == nil, digest == nil { tag = Reference.defaultTag }
    return Reference(uncheckedDomain: domain, path: path, tag: tag, digest: digest)
  }

  /// `host[:port]`, host being dot-separated labels of letters, digits and inner hyphens, or an
  /// IPv6 address in brackets.
  static func checkDomain(_ domain: String, in text: String) throws {
    var host = Array(domain.utf8)[...]
    guard !host.isEmpty else { throw error(text, "empty registry domain") }
    if host.first == UInt8(ascii: "[") {
      guard let close = host.firstIndex(of: UInt8(ascii: "]")), close > host.startIndex + 1,
        host[(host.startIndex + 1)..<close].allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") })
      else { throw error(text, "registry domain \"\(domain)\" is not a valid bracketed IPv6 address") }
      try checkPort(host[(close + 1)...], domain: domain, in: text)
      return
    }
    if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
      try checkPort(host[colon...], domain: domain, in: text)
      host = host[..<colon]
    }
    for label in host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
      guard let first = label.first, let last = label.last, isAlnum(first), isAlnum(last),
        label.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "-") })
      else {
        throw error(text, "registry domain \"\(domain)\" must be dot-separated labels of letters, digits and inner hyphens")
      }
    }
  }

  /// An optional `:digits` after the host.
  private static func checkPort(_ rest: ArraySlice<UInt8>, domain: String, in text: String) throws {
    guard !rest.isEmpty else { return }
    guard rest.first == UInt8(ascii: ":"), rest.count > 1, rest.dropFirst().allSatisfy(isDigit) else {
      throw error(text, "registry domain \"\(domain)\" has an invalid port")
    }
  }

  /// Components `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` separated by single slashes.
  static func checkPath(_ path: String, in text: String) throws {
    guard !path.isEmpty else { throw error(text, "missing repository path") }
    if path.contains(where: \.isUppercase) {
      throw error(text, "repository name \"\(path)\" must be lowercase")
    }
    for component in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
      guard !component.isEmpty else { throw error(text, "empty path component in \"\(path)\"") }
      guard isValidComponent(component) else {
        let name = String(decoding: component, as: UTF8.self)
        throw error(
          text,
          "path component \"\(name)\" must be lower-case letters and digits joined by '.', '_', '__' or dashes")
      }
    }
  }

  /// One path component: alphanumeric runs joined by `.`, `_`, `__` or one or more `-`.
  static func isValidComponent(_ component: Substring.UTF8View) -> Bool {
    var bytes = component.makeIterator()
    var separator: [UInt8] = []
    var sawAlnum = false
    while let byte = bytes.next() {
      if Digest.isLowerAlnum(byte) {
        if !separator.isEmpty {
          let ok = separator == [UInt8(ascii: ".")] || separator == [UInt8(ascii: "_")]
            || separator == [UInt8(ascii: "_"), UInt8(ascii: "_")] || separator.allSatisfy { $0 == UInt8(ascii: "-") }
          guard ok else { return false }
          separator.removeAll()
        }
        sawAlnum = true
      } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
        guard sawAlnum else { return false }  // a component starts with an alphanumeric
        separator.append(byte)
      } else {
        return false
      }
    }
    return sawAlnum && separator.isEmpty
  }

  /// `[\w][\w.-]{0,127}` with `\w` = `[A-Za-z0-9_]`.
  static func checkTag(_ tag: String, in text: String) throws {
    let bytes = Array(tag.utf8)
    guard let first = bytes.first, isWord(first) else {
      throw error(text, "tag \"\(tag)\" must start with a letter, digit or '_'")
    }
    guard bytes.count <= maxTagLength else {
      throw error(text, "tag is \(bytes.count) characters long, the limit is \(maxTagLength)")
    }
    guard bytes.allSatisfy({ isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
      throw error(text, "tag \"\(tag)\" may only contain letters, digits, '_', '.' and '-'")
    }
  }

  /// `domain/path` at most 255 bytes.
  static func checkLength(_ domain: String, _ path: String, in text: String) throws {
    let length = domain.utf8.count + 1 + path.utf8.count
    guard length <= maxNameLength else {
      throw error(text, "repository name is \(length) characters long, the limit is \(maxNameLength)")
    }
  }

  static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
  static func isAlnum(_ byte: UInt8) -> Bool {
    Digest.isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
  }
  static func isWord(_ byte: UInt8) -> Bool { isAlnum(byte) || byte == UInt8(ascii: "_") }
  static func isHexDigit(_ byte: UInt8) -> Bool {
    Digest.isLowerHex(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
  }
}
