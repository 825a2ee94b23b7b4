import BerthOCI

/// Plugin configurations travel as `JSONValue` trees, never as typed structs: a plugin's own keys
/// (`bridge`, `ipam`, `hairpinMode`, ...) must reach it unchanged, in their order. These helpers
/// read and edit such trees without losing anything they do not touch.
extension JSONValue {
  /// The value of member `key` of an object (the last one when a key repeats), nil otherwise.
  func member(_ key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.last { $0.0 == key }?.1
  }

  /// The object with `key` set to `value`: in place of the first member of that name (later
  /// duplicates dropped), or appended. Anything but an object is returned unchanged.
  func setting(_ key: String, to value: JSONValue) -> JSONValue {
    guard case .object(var members) = self else { return self }
    if let first = members.firstIndex(where: { $0.0 == key }) {
      members[first].1 = value
      members = members.enumerated().filter { $0.offset == first || $0.element.0 != key }.map(\.element)
    } else {
      members.append((key, value))
    }
    return .object(members)
  }

  /// The object without member `key`.
  func removing(_ key: String) -> JSONValue {
    guard case .object(let members) = self else { return self }
    return .object(members.filter { $0.0 != key })
  }

  /// The string, if this is one.
  var text: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// The boolean, if this is one.
  var flag: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }

  /// The elements, if this is an array.
  var elements: [JSONValue]? {
    if case .array(let value) = self { return value }
    return nil
  }

  /// The members in document order, if this is an object.
  var members: [(String, JSONValue)]? {
    if case .object(let value) = self { return value }
    return nil
  }
}

/// Base64 (RFC 4648, padded): libcni's cache files hold the network configuration as a Go
/// `[]byte`, which encoding/json writes in base64.
enum Base64 {
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
      let count = min(3, bytes.count - index)
      var chunk: UInt32 = 0
      for offset in 0..<3 { chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0) }
      for position in 0..<4 {
        if position <= count {
          out.append(alphabet[Int((chunk >> (18 - 6 * UInt32(position))) & 0x3F)])
        } else {
          out.append(UInt8(ascii: "="))
        }
      }
      index += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The decoded bytes, nil when `text` is not padded base64.
  static func decode(_ text: String) -> [UInt8]? {
    var values: [UInt8] = []
    var padding = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: "=") {
        padding += 1
        continue
      }
      guard padding == 0, let value = alphabet.firstIndex(of: byte) else { return nil }
      values.append(UInt8(value))
    }
    guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(values.count * 3 / 4)
    var index = 0
    while index < values.count {
      let count = min(4, values.count - index)
      var chunk: UInt32 = 0
      for offset in 0..<4 { chunk = chunk << 6 | UInt32(offset < count ? values[index + offset] : 0) }
      for position in 0..<(count - 1) { out.append(UInt8((chunk >> (16 - 8 * UInt32(position))) & 0xFF)) }
      index += 4
    }
    return out
  }
}
