/// Turns a tar entry name into the components of a path inside the root, refusing any name that
/// is absolute or climbs out of the root with `..`.
enum PathCleaner {
  /// The OCI whiteout prefix of a file name.
  static let whiteoutPrefix = ".wh."
  /// The file name marking its directory opaque.
  static let opaqueMarker = ".wh..wh..opq"

  /// Why a name was refused.
  struct Failure: Error {
    /// Lower-case, for "layer entry \"x\": <reason>".
    var reason: String
  }

  /// The cleaned components of `name`: empty components and `.` dropped, `..` applied
  /// lexically. A `..` is never resolved through the file system, so `a/..` where `a` is a
  /// symlink still means the root.
  /// - Parameter name: the entry name as stored in the archive
  /// - Returns: the components; empty for the root itself
  /// - Throws: `Failure` for an absolute name, one escaping the root, or one with a NUL
  static func components(_ name: String) throws(Failure) -> [String] {
    if name.hasPrefix("/") { throw Failure(reason: "absolute paths are not allowed in layers") }
    if name.utf8.contains(0) { throw Failure(reason: "path contains a nul byte") }
    var result: [String] = []
    for part in name.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..":
        if result.isEmpty { throw Failure(reason: "path escapes the root") }
        result.removeLast()
      default: result.append(String(part))
      }
    }
    return result
  }
}
