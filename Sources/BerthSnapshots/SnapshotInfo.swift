import BerthError

/// What a snapshot is for.
public enum SnapshotKind: String, Sendable, Hashable, CaseIterable {
  /// Writable: a layer being unpacked, or a container's rootfs.
  case active
  /// Immutable, named (by chain ID for image layers); the only kind that can be a parent.
  case committed
  /// A read-only view of a committed chain (inspecting an image's files).
  case view
}

/// One snapshot's metadata, as `stat` and `walk` report it.
public struct SnapshotInfo: Sendable, Hashable {
  /// The key: a chain ID string for a committed layer, the caller's key otherwise.
  public var key: String
  /// The committed parent's key, nil for a base snapshot.
  public var parent: String?
  /// Active, committed or view.
  public var kind: SnapshotKind
  /// When it was prepared (RFC 3339, UTC).
  public var created: String
  /// Its directory number under `snapshots/` (stable for its life; never reused while it exists).
  public var id: Int

  /// Creates snapshot metadata.
  /// - Parameters:
  ///   - key: the snapshot's key
  ///   - parent: the committed parent's key, if any
  ///   - kind: active, committed or view
  ///   - created: RFC 3339 creation time
  ///   - id: the directory number
  public init(key: String, parent: String?, kind: SnapshotKind, created: String, id: Int) {
    self.key = key
    self.parent = parent
    self.kind = kind
    self.created = created
    self.id = id
  }
}

/// The space a snapshot's `fs` directory takes.
public struct SnapshotUsage: Sendable, Hashable {
  /// Bytes of allocated blocks (st_blocks × 512), each inode counted once.
  public var bytes: Int64
  /// Inodes, the directory itself included, hard links counted once.
  public var inodes: Int64

  /// Creates a usage figure.
  /// - Parameters:
  ///   - bytes: allocated bytes
  ///   - inodes: inode count
  public init(bytes: Int64, inodes: Int64) {
    self.bytes = bytes
    self.inodes = inodes
  }
}

// MARK: - The `info` file

extension SnapshotInfo {
  /// The first line of every `info` file; bump the number when the format changes.
  static let formatHeader = "berth-snapshot 1"

  /// The `info` file's text: the header, then one `field value` line each. Keys never contain a
  /// newline (`validateKey`), so values need no escaping.
  var encoded: String {
    var text = Self.formatHeader + "\nkind \(kind.rawValue)\nkey \(key)\n"
    if let parent { text += "parent \(parent)\n" }
    return text + "created \(created)\n"
  }

  /// Parses an `info` file of snapshot `id`.
  /// - Throws: `BerthError.invalidState` for an unknown version or a missing field.
  init(decoding text: String, id: Int, path: String) throws {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
    guard lines.popFirst().map(String.init) == Self.formatHeader else {
      throw BerthError.state("snapshot metadata \(path): unknown format (expected \"\(Self.formatHeader)\")")
    }
    var fields: [String: String] = [:]
    for line in lines {
      guard let space = line.firstIndex(of: " ") else { continue }
      fields[String(line[..<space])] = String(line[line.index(after: space)...])
    }
    guard let key = fields["key"], let kindText = fields["kind"], let kind = SnapshotKind(rawValue: kindText) else {
      throw BerthError.state("snapshot metadata \(path): missing or invalid key or kind")
    }
    self.init(key: key, parent: fields["parent"], kind: kind, created: fields["created"] ?? "", id: id)
  }

  /// Refuses keys that would not round-trip through the `info` file.
  static func validateKey(_ key: String, _ what: String) throws {
    guard !key.isEmpty else { throw BerthError.invalid("\(what) must not be empty") }
    guard !key.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "\n") }) else {
      throw BerthError.invalid("\(what) \"\(key)\" must not contain a newline or NUL")
    }
  }
}
