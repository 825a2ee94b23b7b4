#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys

/// Overlayfs snapshots, modelled on containerd's snapshotter (Prepare/View/Commit/Remove/Mounts/
/// Walk): it manages directories and returns the mounts that assemble them; it never mounts.
///
/// On-disk layout, format version 1 (the `info` header is `berth-snapshot 1`):
///
///     <root>/metadata.lock      flock(2) held for every operation, so processes can share a root
///     <root>/snapshots/<n>/     one snapshot; <n> a short decimal number, never reused while it exists
///       info                    "berth-snapshot 1", then "kind active|committed|view", "key <key>",
///                               "parent <key>" (if any), "created <RFC 3339>"; replaced atomically
///       fs/                     the upper directory (active) or the layer's files (committed)
///       work/                   overlayfs's workdir, used while the snapshot is active
///
/// A snapshot exists once its `info` is written (last, on prepare) and stops existing when it is
/// unlinked (first, on remove): a directory without `info` is debris of a crash, and `cleanup`
/// removes it. Lookups by key read every `info` file, which is fine for thousands of snapshots.
///
/// Mount data is limited to a page (4096 bytes), and an overlay's `lowerdir=` lists one path per
/// parent, so directory names are short numbers: with a root like `/var/lib/berth/snapshots` each
/// lower costs ~40 bytes and a chain of ~100 layers fits. Deeper chains would need containerd's
/// trick of relative lowerdirs (mounting from a chdir'd common prefix) and are refused today.
public struct OverlaySnapshotter: Sendable {
  /// The root directory.
  public let root: String

  /// The most parents an overlay mount may list before its options could exceed a page.
  public static let maxLowerDirs = 100

  /// Opens (creating if needed) a snapshotter rooted at `root`.
  /// - Parameter root: an absolute directory path without `:` or `,` (they separate overlay options)
  /// - Throws: `BerthError.invalidArgument` for a bad path, or the mkdir failure.
  public init(root: String) throws {
    guard root.hasPrefix("/") else { throw BerthError.invalid("snapshot root \"\(root)\" must be absolute") }
    guard !root.contains(":"), !root.contains(",") else {
      throw BerthError.invalid("snapshot root \"\(root)\" must not contain ':' or ','")
    }
    var trimmed = root
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    self.root = trimmed
    try Sys.mkdirAll(trimmed + "/snapshots", mode: 0o700)
  }

  /// Creates a writable snapshot on top of the committed `parent` chain.
  /// - Parameters:
  ///   - key: the new snapshot's key (a container id, or a temporary key for unpacking a layer)
  ///   - parent: the committed snapshot it starts from, nil for an empty one
  /// - Returns: the mounts that assemble it; apply a layer into `upperDir(key)`
  /// - Throws: `alreadyExists`, `notFound` or `invalidState` (parent not committed).
  public func prepare(key: String, parent: String? = nil) throws -> [Mount] {
    try create(key: key, parent: parent, kind: .active)
  }

  /// Creates a read-only view of the committed `parent` chain.
  /// - Parameters:
  ///   - key: the view's key
  ///   - parent: the committed snapshot to show, nil for an empty view
  /// - Returns: the read-only mounts that show it
  /// - Throws: `alreadyExists`, `notFound` or `invalidState` (parent not committed).
  public func view(key: String, parent: String? = nil) throws -> [Mount] {
    try create(key: key, parent: parent, kind: .view)
  }

  /// Turns the active snapshot `key` into the committed, immutable snapshot `name`.
  /// - Parameters:
  ///   - name: the committed name, a chain ID string for an image layer
  ///   - key: the active snapshot, which stops existing under that key
  /// - Throws: `notFound`, `alreadyExists` (name taken) or `invalidState` (not active).
  public func commit(name: String, key: String) throws {
    try commit(name: name, key: key, rebasingOnto: nil)
  }

  /// Commits the active snapshot `key`, made without a parent, as a layer on top of the
  /// committed `parent`. An overlay layer's directory holds only its own changes (whiteouts are
  /// device nodes and xattrs, not deletions), so layers can be unpacked side by side, each into
  /// a parentless snapshot, and stacked in order as they finish.
  /// - Parameters:
  ///   - name: the committed name, the layer's chain ID
  ///   - key: an active snapshot prepared with no parent
  ///   - parent: the committed snapshot it goes on; nil commits it as it is
  /// - Throws: `notFound`, `alreadyExists` (name taken), `invalidState` (not active, has a parent
  ///   of its own, or `parent` not committed), `unsupported` (too many layers)
  public func commit(name: String, key: String, rebasingOnto parent: String?) throws {
    try SnapshotInfo.validateKey(name, "snapshot name")
    try locked {
      let index = try loadIndex()
      var info = try index.find(key)
      guard info.kind == .active else {
        throw BerthError.state("snapshot \"\(key)\" is \(info.kind.rawValue), only an active snapshot can be committed")
      }
      if index.byKey[name] != nil { throw BerthError(.alreadyExists, "snapshot \"\(name)\" already exists") }
      if let parent {
        guard info.parent == nil else {
          throw BerthError.state("snapshot \"\(key)\" already has parent \"\(info.parent!)\": only a parentless snapshot can be rebased")
        }
        let depth = try index.chain(from: parent).count
        guard depth < Self.maxLowerDirs else {
          throw BerthError(.unsupported, "parent chain of \"\(name)\" is \(depth) layers deep, more than \(Self.maxLowerDirs)")
        }
        info.parent = parent
      }
      info.key = name
      info.kind = .committed
      try writeInfo(info)
      // The workdir is only used while mounted writable; emptied so a committed layer holds its files only.
      try Sys.removeAll(directory(info.id) + "/work")
      try Sys.mkdirAll(directory(info.id) + "/work", mode: 0o700)
    }
  }

  /// The mounts of an active snapshot or a view.
  /// - Parameter key: the snapshot's key
  /// - Throws: `notFound`, or `invalidState` for a committed snapshot (prepare or view on it).
  public func mounts(key: String) throws -> [Mount] {
    try locked {
      let index = try loadIndex()
      return try mounts(for: index.find(key), index: index)
    }
  }

  /// Removes a snapshot and its files.
  /// - Parameter key: the snapshot's key
  /// - Throws: `notFound`, or `invalidState` if other snapshots name it as their parent.
  public func remove(key: String) throws {
    try locked {
      let index = try loadIndex()
      let info = try index.find(key)
      let children = index.byKey.values.filter { $0.parent == key }.map(\.key).sorted()
      guard children.isEmpty else {
        throw BerthError.state(
          "snapshot \"\(key)\" has \(children.count) child snapshot(s) (\(children.joined(separator: ", "))): remove them first")
      }
      // Unlinking `info` first makes the removal atomic: what is left is debris, not a snapshot.
      try Sys.check(unlink(directory(info.id) + "/info"), "unlink \(directory(info.id))/info")
      try Sys.removeAll(directory(info.id))
    }
  }

  /// The metadata of one snapshot.
  /// - Parameter key: the snapshot's key
  /// - Throws: `notFound`.
  public func stat(key: String) throws -> SnapshotInfo {
    try locked { try loadIndex().find(key) }
  }

  /// Every snapshot, ordered by directory number (so parents come before their children).
  public func walk() throws -> [SnapshotInfo] {
    try locked { try loadIndex().byKey.values.sorted { $0.id < $1.id } }
  }

  /// The space the snapshot's own `fs` directory takes (not its parents').
  /// - Parameter key: the snapshot's key
  /// - Throws: `notFound`, or a read failure.
  public func usage(key: String) throws -> SnapshotUsage {
    let info = try stat(key: key)
    return try Self.diskUsage(directory(info.id) + "/fs")
  }

  /// The directory to apply a layer into (the overlay upper directory) of an active snapshot.
  /// - Parameter key: the active snapshot's key
  /// - Throws: `notFound`, or `invalidState` if the snapshot is not active.
  public func upperDir(_ key: String) throws -> String {
    let info = try stat(key: key)
    guard info.kind == .active else {
      throw BerthError.state("snapshot \"\(key)\" is \(info.kind.rawValue), not active: its files cannot change")
    }
    return directory(info.id) + "/fs"
  }

  /// Removes directories left without an `info` file by a crash during prepare or remove.
  /// - Returns: how many were removed
  @discardableResult
  public func cleanup() throws -> Int {
    try locked {
      var removed = 0
      for name in try Sys.listDirectory(root + "/snapshots") where Int(name) != nil {
        let dir = root + "/snapshots/" + name
        if !Sys.exists(dir + "/info") {
          try Sys.removeAll(dir)
          removed += 1
        }
      }
      return removed
    }
  }
}
