import BerthError

/// A value that JSON holds as its string form and reads back through a validating parser
/// (`Digest`, `Reference`). A parse error inside a document names the key path.
public protocol StringCoded: Codable, CustomStringConvertible {
  /// Parses and validates the string form.
  init(parsing text: String) throws
}

extension StringCoded {
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    do { try self.init(parsing: text) } catch let error as BerthError where !decoder.codingPath.isEmpty {
      throw BerthError.invalid("\(JSON.describe(decoder.codingPath)): \(error.message)")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
