/// A node of the document being encoded: containers hand out references to their children.
final class EncodingNode {
  enum Content {
    case empty
    case value(JSONValue)
    case object([String: EncodingNode])
    case array([EncodingNode])
  }
  var content: Content = .empty

  var value: JSONValue {
    switch content {
    case .empty: .object([])
    case .value(let value): value
    case .object(let members): .object(members.keys.sorted().map { ($0, members[$0]!.value) })
    case .array(let elements): .array(elements.map(\.value))
    }
  }

  func member(_ key: String) -> EncodingNode {
    if case .object(var members) = content {
      let child = EncodingNode()
      members[key] = child
      content = .object(members)
      return child
    }
    let child = EncodingNode()
    content = .object([key: child])
    return child
  }

  func append() -> EncodingNode {
    let child = EncodingNode()
    if case .array(var elements) = content {
      elements.append(child)
      content = .array(elements)
    } else {
      content = .array([child])
    }
    return child
  }
}

final class ValueEncoder: Encoder {
  let node: EncodingNode
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  init(node: EncodingNode = EncodingNode(), path: [any CodingKey]) {
    self.node = node
    self.path = path
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    if case .object = node.content {} else { node.content = .object([:]) }
    return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, path: path))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    if case .array = node.content {} else { node.content = .array([]) }
    return UnkeyedEncoder(node: node, path: path)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(node: node, path: path) }

  /// Encodes `value` into `node`: scalars directly, anything else through its `encode(to:)`.
  static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey]) throws {
    switch value {
    case let string as String: node.content = .value(.string(string))
    case let bool as Bool: node.content = .value(.bool(bool))
    default: try value.encode(to: ValueEncoder(node: node, path: path))
    }
  }
}

struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: EncodingNode
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }

  mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .value(.null) }
  mutating func encode(_ value: Bool, forKey key: Key) throws { node.member(key.stringValue).content = .value(.bool(value)) }
  mutating func encode(_ value: String, forKey key: Key) throws { node.member(key.stringValue).content = .value(.string(value)) }
  mutating func encode(_ value: Double, forKey key: Key) throws { node.member(key.stringValue).content = .value(.number(Number.text(value))) }
  mutating func encode(_ value: Float, forKey key: Key) throws { node.member(key.stringValue).content = .value(.number(Number.text(Double(value)))) }
  mutating func encode(_ value: Int, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeInteger(value, key) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try ValueEncoder.encode(value, into: node.member(key.stringValue), path: path + [key])
  }
  private func encodeInteger<T: FixedWidthInteger>(_ value: T, _ key: Key) throws {
    node.member(key.stringValue).content = .value(.number(String(value)))
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
    ValueEncoder(node: node.member(key.stringValue), path: path + [key]).container(keyedBy: keyType)
  }
  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    ValueEncoder(node: node.member(key.stringValue), path: path + [key]).unkeyedContainer()
  }
  mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.member("super"), path: path) }
  mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(node: node.member(key.stringValue), path: path + [key]) }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
  let node: EncodingNode
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }
  var count: Int {
    if case .array(let elements) = node.content { return elements.count }
    return 0
  }

  mutating func encodeNil() throws { node.append().content = .value(.null) }
  mutating func encode(_ value: Bool) throws { node.append().content = .value(.bool(value)) }
  mutating func encode(_ value: String) throws { node.append().content = .value(.string(value)) }
  mutating func encode(_ value: Double) throws { node.append().content = .value(.number(Number.text(value))) }
  mutating func encode(_ value: Float) throws { node.append().content = .value(.number(Number.text(Double(value)))) }
  mutating func encode(_ value: Int) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: Int8) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: Int16) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: Int32) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: Int64) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt8) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt16) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt32) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt64) throws { node.append().content = .value(.number(String(value))) }
  mutating func encode<T: Encodable>(_ value: T) throws {
    try ValueEncoder.encode(value, into: node.append(), path: path + [IndexKey(count)])
  }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    ValueEncoder(node: node.append(), path: path).container(keyedBy: keyType)
  }
  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    ValueEncoder(node: node.append(), path: path).unkeyedContainer()
  }
  mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.append(), path: path) }
}

struct SingleEncoder: SingleValueEncodingContainer {
  let node: EncodingNode
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }

  mutating func encodeNil() throws { node.content = .value(.null) }
  mutating func encode(_ value: Bool) throws { node.content = .value(.bool(value)) }
  mutating func encode(_ value: String) throws { node.content = .value(.string(value)) }
  mutating func encode(_ value: Double) throws { node.content = .value(.number(Number.text(value))) }
  mutating func encode(_ value: Float) throws { node.content = .value(.number(Number.text(Double(value)))) }
  mutating func encode(_ value: Int) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: Int8) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: Int16) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: Int32) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: Int64) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt8) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt16) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt32) throws { node.content = .value(.number(String(value))) }
  mutating func encode(_ value: UInt64) throws { node.content = .value(.number(String(value))) }
  mutating func encode<T: Encodable>(_ value: T) throws { try ValueEncoder.encode(value, into: node, path: path) }
}

enum Number {
  /// A finite double as JSON ("1.5", "2"); non-finite values, which JSON cannot hold, as 0.
  static func text(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }
}

extension JSONValue {
  /// The JSON text, members in their order: compact, or indented as `write` does.
  public func encoded(pretty: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(512)
    write(to: &out, pretty: pretty, indent: 0)
    return out
  }

  /// Serialises: compact, or indented by two spaces with ": " (as runc and Go print).
  func write(to out: inout [UInt8], pretty: Bool, indent: Int) {
    switch self {
    case .null: out += Array("null".utf8)
    case .bool(let value): out += Array((value ? "true" : "false").utf8)
    case .number(let text): out += Array(text.utf8)
    case .string(let text): JSONValue.writeString(text, to: &out)
    case .array(let elements):
      guard !elements.isEmpty else { out += Array("[]".utf8); return }
      out.append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        if pretty { JSONValue.newline(&out, indent + 1) }
        element.write(to: &out, pretty: pretty, indent: indent + 1)
      }
      if pretty { JSONValue.newline(&out, indent) }
      out.append(UInt8(ascii: "]"))
    case .object(let members):
      guard !members.isEmpty else { out += Array("{}".utf8); return }
      out.append(UInt8(ascii: "{"))
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        if pretty { JSONValue.newline(&out, indent + 1) }
        JSONValue.writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        if pretty { out.append(UInt8(ascii: " ")) }
        value.write(to: &out, pretty: pretty, indent: indent + 1)
      }
      if pretty { JSONValue.newline(&out, indent) }
      out.append(UInt8(ascii: "}"))
    }
  }

  static func newline(_ out: inout [UInt8], _ indent: Int) {
    out.append(0x0A)
    out += [UInt8](repeating: 0x20, count: indent * 2)
  }

  static func writeString(_ text: String, to out: inout [UInt8]) {
    out.append(0x22)
    for byte in text.utf8 {
      switch byte {
      case 0x22: out += [0x5C, 0x22]
      case 0x5C: out += [0x5C, 0x5C]
      case 0x0A: out += [0x5C, UInt8(ascii: "n")]
      case 0x0D: out += [0x5C, UInt8(ascii: "r")]
      case 0x09: out += [0x5C, UInt8(ascii: "t")]
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
      default: out.append(byte)
      }
    }
    out.append(0x22)
  }
}
