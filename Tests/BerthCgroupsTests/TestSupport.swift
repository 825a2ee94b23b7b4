import Foundation

/// Decodes `json` into `type`, for OCI types without a memberwise initializer.
func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
  try JSONDecoder().decode(type, from: Data(json.utf8))
}
