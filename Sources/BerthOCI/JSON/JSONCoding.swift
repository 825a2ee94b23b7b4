import BerthError

/// Codable to and from JSON without Foundation (see `JSONValue` for why).
public enum JSON {
  /// Decodes `type` from a JSON document. Errors are `BerthError.invalid` naming the key path
  /// ("process.user.uid: expected a number").
  public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    try T(from: ValueDecoder(value: try JSONValue.parse(bytes), path: []))
  }

  /// Encodes a value; keys sorted, nil optionals left out. `pretty` indents by two spaces.
  public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
    let encoder = ValueEncoder(path: [])
    try value.encode(to: encoder)
    var out: [UInt8] = []
    encoder.node.value.write(to: &out, pretty: pretty, indent: 0)
    return out
  }

  /// `encode` as a String.
  public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    String(decoding: try encode(value, pretty: pretty), as: UTF8.self)
  }

  static func describe(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
      if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
    }
    return text.isEmpty ? "the document" : text
  }

  static func mismatch(_ path: [any CodingKey], _ expected: String, _ value: JSONValue) -> BerthError {
    let found: String =
      switch value {
      case .null: "null"
      case .bool: "a boolean"
      case .number(let text): "the number \(text)"
      case .string: "a string"
      case .array: "an array"
      case .object: "an object"
      }
    return BerthError.invalid("\(describe(path)): expected \(expected), found \(found)")
  }
}

/// An integer key for array positions in coding paths.
struct IndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { "\(intValue!)" }
  init(_ index: Int) { intValue = index }
  init?(intValue: Int) { self.intValue = intValue }
  init?(stringValue: String) { return nil }
}

// MARK: - Decoding

struct ValueDecoder: Decoder {
  let value: JSONValue
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let members) = value else { throw JSON.mismatch(path, "an object", value) }
    var table: [String: JSONValue] = [:]
    for (key, member) in members { table[key] = member }
    return KeyedDecodingContainer(KeyedDecoder<Key>(members: table, order: members.map(\.0), path: path))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    guard case .array(let elements) = value else { throw JSON.mismatch(path, "an array", value) }
    return UnkeyedDecoder(elements: elements, path: path)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleDecoder(value: value, path: path) }
}

/// Decoding of scalars, shared by the three container kinds.
enum Scalar {
  static func bool(_ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
    guard case .bool(let b) = value else { throw JSON.mismatch(path(), "a boolean", value) }
    return b
  }

  static func string(_ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> String {
    guard case .string(let s) = value else { throw JSON.mismatch(path(), "a string", value) }
    return s
  }

  static func integer<T: FixedWidthInteger>(_ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
    guard case .number(let text) = value else { throw JSON.mismatch(path(), "an integer", value) }
    if let exact = T(text) { return exact }
    // 1e3 or 10.0 are integers too when they are whole and in range.
    if let double = Double(text), double.rounded() == double, let converted = T(exactly: double) { return converted }
    throw BerthError.invalid("\(JSON.describe(path())): \(text) is not a valid \(T.self)")
  }

  static func double(_ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
    guard case .number(let text) = value, let double = Double(text) else { throw JSON.mismatch(path(), "a number", value) }
    return double
  }

  static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
    switch type {
    case is String.Type: return try string(value, path()) as! T
    case is Bool.Type: return try bool(value, path()) as! T
    case is Int.Type: return try integer(value, path()) as Int as! T
    case is Int32.Type: return try integer(value, path()) as Int32 as! T
    case is Int64.Type: return try integer(value, path()) as Int64 as! T
    case is UInt16.Type: return try integer(value, path()) as UInt16 as! T
    case is UInt32.Type: return try integer(value, path()) as UInt32 as! T
    case is UInt64.Type: return try integer(value, path()) as UInt64 as! T
    default: return try T(from: ValueDecoder(value: value, path: path()))
    }
  }
}

struct KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let members: [String: JSONValue]
  let order: [String]
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }
  var allKeys: [Key] { order.compactMap { Key(stringValue: $0) } }

  func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

  func value(_ key: Key) throws -> JSONValue {
    guard let value = members[key.stringValue] else {
      throw BerthError.invalid("missing required field \(JSON.describe(path + [key]))")
    }
    return value
  }

  func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue].map { $0 == .null } ?? true }
  func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Scalar.bool(value(key), path + [key]) }
  func decode(_ type: String.Type, forKey key: Key) throws -> String { try Scalar.string(value(key), path + [key]) }
  func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Scalar.double(value(key), path + [key]) }
  func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try Scalar.double(value(key), path + [key])) }
  func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Scalar.integer(value(key), path + [key]) }
  func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Scalar.integer(value(key), path + [key]) }
  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try Scalar.decode(type, value(key), path + [key]) }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
    try ValueDecoder(value: value(key), path: path + [key]).container(keyedBy: type)
  }
  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    try ValueDecoder(value: value(key), path: path + [key]).unkeyedContainer()
  }
  func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(order.map { ($0, members[$0]!) }), path: path) }
  func superDecoder(forKey key: Key) throws -> any Decoder { ValueDecoder(value: try value(key), path: path + [key]) }
}

struct UnkeyedDecoder: UnkeyedDecodingContainer {
  let elements: [JSONValue]
  let path: [any CodingKey]
  var currentIndex = 0
  var codingPath: [any CodingKey] { path }
  var count: Int? { elements.count }
  var isAtEnd: Bool { currentIndex >= elements.count }

  mutating func next<T>(_ body: (JSONValue, @autoclosure () -> [any CodingKey]) throws -> T) throws -> T {
    guard !isAtEnd else { throw BerthError.invalid("\(JSON.describe(path)): not enough elements") }
    let index = currentIndex
    let result = try body(elements[index], path + [IndexKey(index)])
    currentIndex += 1
    return result
  }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, elements[currentIndex] == .null else { return false }
    currentIndex += 1
    return true
  }
  mutating func decode(_ type: Bool.Type) throws -> Bool { try next(Scalar.bool) }
  mutating func decode(_ type: String.Type) throws -> String { try next(Scalar.string) }
  mutating func decode(_ type: Double.Type) throws -> Double { try next(Scalar.double) }
  mutating func decode(_ type: Float.Type) throws -> Float { Float(try next(Scalar.double)) }
  mutating func decode(_ type: Int.Type) throws -> Int { try next(Scalar.integer) }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(Scalar.integer) }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(Scalar.integer) }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(Scalar.integer) }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(Scalar.integer) }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try next(Scalar.integer) }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(Scalar.integer) }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(Scalar.integer) }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(Scalar.integer) }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(Scalar.integer) }
  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next { try Scalar.decode(type, $0, $1()) } }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
    try next { try ValueDecoder(value: $0, path: $1()).container(keyedBy: type) }
  }
  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    try next { try ValueDecoder(value: $0, path: $1()).unkeyedContainer() }
  }
  mutating func superDecoder() throws -> any Decoder { try next { ValueDecoder(value: $0, path: $1()) } }
}

struct SingleDecoder: SingleValueDecodingContainer {
  let value: JSONValue
  let path: [any CodingKey]
  var codingPath: [any CodingKey] { path }

  func decodeNil() -> Bool { value == .null }
  func decode(_ type: Bool.Type) throws -> Bool { try Scalar.bool(value, path) }
  func decode(_ type: String.Type) throws -> String { try Scalar.string(value, path) }
  func decode(_ type: Double.Type) throws -> Double { try Scalar.double(value, path) }
  func decode(_ type: Float.Type) throws -> Float { Float(try Scalar.double(value, path)) }
  func decode(_ type: Int.Type) throws -> Int { try Scalar.integer(value, path) }
  func decode(_ type: Int8.Type) throws -> Int8 { try Scalar.integer(value, path) }
  func decode(_ type: Int16.Type) throws -> Int16 { try Scalar.integer(value, path) }
  func decode(_ type: Int32.Type) throws -> Int32 { try Scalar.integer(value, path) }
  func decode(_ type: Int64.Type) throws -> Int64 { try Scalar.integer(value, path) }
  func decode(_ type: UInt.Type) throws -> UInt { try Scalar.integer(value, path) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try Scalar.integer(value, path) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try Scalar.integer(value, path) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try Scalar.integer(value, path) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try Scalar.integer(value, path) }
  func decode<T: Decodable>(_ type: T.Type) throws -> T { try Scalar.decode(type, value, path) }
}

extension JSON {
  /// Indented JSON text (for `state`, `features`, `spec`).
  public static func pretty<T: Encodable>(_ value: T) throws -> String { try string(value, pretty: true) }
  /// One-line JSON text (for `list --format json`, `events`).
  public static func compact<T: Encodable>(_ value: T) throws -> String { try string(value) }
}
