import BerthContent
import BerthError
import BerthOCI
import BerthSnapshots
import GRDB

/// What `remove` did.
public struct RemoveResult: Sendable, Hashable, Codable {
  /// Names taken away.
  public var untagged: [String] = []
  /// The image deleted, when no name was left on it.
  public var deleted: Digest?
}

/// What garbage collection freed.
public struct CollectResult: Sendable, Hashable, Codable {
  /// Blobs deleted from the content store.
  public var blobs: Int = 0
  /// Their bytes.
  public var bytes: Int64 = 0
  /// Snapshots removed.
  public var snapshots: Int = 0
}

extension ImageStore {
  /// Removes a name, or an image. By name (`busybox`, `name:tag`): that name goes, and the image
  /// with it when it was the last tag. By id or digest: the image and all its names go. The blobs
  /// and snapshots that no image needs any more are then collected.
  /// - Parameters:
  ///   - text: a name, id or digest
  ///   - force: remove an image by id even when several names point at it
  /// - Throws: `.notFound`; `.invalidState` for an id with several names and no `force`, or an
  ///   image whose snapshots a container uses
  @discardableResult
  public func remove(_ text: String, force: Bool = false) throws -> RemoveResult {
    let image = try get(text)
    let byName = Self.isName(text, of: image)
    var result = RemoveResult()
    if byName, let ref = try? Reference(parsing: text) {
      let name = ref.digest == nil ? ref.name + ":" + (ref.tag ?? Reference.defaultTag) : ref.name + "@" + ref.digest!.description
      let tags = image.names.filter { $0 != name }
      if !tags.isEmpty {
        try database.write { db in try db.execute(sql: "DELETE FROM names WHERE name = ?", arguments: [name]) }
        return RemoveResult(untagged: [name])
      }
    } else if image.names.count > 1 && !force {
      throw BerthError.state(
        "image \(image.shortID) has several names (\(image.names.joined(separator: ", "))): remove them by name, or use force")
    }
    if let user = try containerUsing(image) {
      throw BerthError.state("image \(image.shortID) is in use by snapshot \(user): remove the container first")
    }
    try database.write { db in try db.execute(sql: "DELETE FROM images WHERE id = ?", arguments: [image.id.description]) }
    result.untagged = image.names + image.repoDigests
    result.deleted = image.id
    _ = try collectGarbage()
    return result
  }

  /// Whether `text` named the image rather than giving its id or digest.
  static func isName(_ text: String, of image: ImageRecord) -> Bool {
    let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
    let isHex = !hex.isEmpty && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    return !(isHex && (image.id.encoded.hasPrefix(hex) || image.blobs.contains { $0.encoded == hex }))
  }

  /// Removes images no container uses: every one with `all`, else only those without a tag.
  /// - Parameter all: whether tagged images go too
  /// - Returns: the images removed and what garbage collection freed
  public func prune(all: Bool) throws -> (removed: [ImageRecord], freed: CollectResult) {
    var removed: [ImageRecord] = []
    for image in try list() where (all || image.names.isEmpty) {
      if try containerUsing(image) != nil { continue }
      try database.write { db in try db.execute(sql: "DELETE FROM images WHERE id = ?", arguments: [image.id.description]) }
      removed.append(image)
    }
    return (removed, try collectGarbage())
  }

  /// The first active snapshot or view (a container's) built on the image's layers, if any.
  func containerUsing(_ image: ImageRecord) throws -> String? {
    guard let top = image.topChainID?.description else { return nil }
    return try snapshots.walk().first { $0.kind != .committed && $0.parent == top && !$0.key.hasPrefix("extract-") }?.key
  }

  /// Deletes every blob and committed snapshot no image needs, with the store's GC lock held
  /// exclusively (no pull or import runs meanwhile). Snapshots of containers (active or views)
  /// and their parents are kept; half-made unpack snapshots of crashed pulls are removed.
  public func collectGarbage() throws -> CollectResult {
    let lock = try lock(exclusive: true)
    defer { withExtendedLifetime(lock) {} }
    let images = try list()
    var result = CollectResult()
    let keepBlobs = Set(images.flatMap(\.blobs).map(\.description))
    for blob in try content.list() where !keepBlobs.contains(blob.digest) {
      try content.delete(blob.digest)
      result.blobs += 1
      result.bytes += blob.size
    }
    result.snapshots = try collectSnapshots(keep: Set(images.flatMap { ChainID.chainID($0.diffIDs).map(\.description) }))
    return result
  }

  /// Removes committed snapshots outside `keep` that no kept snapshot builds on, leaves first.
  private func collectSnapshots(keep: Set<String>) throws -> Int {
    let all = try snapshots.walk()
    let byKey = Dictionary(all.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    var kept = Set<String>()
    for snapshot in all where keep.contains(snapshot.key) || (snapshot.kind != .committed && !snapshot.key.hasPrefix("extract-")) {
      var cursor: String? = snapshot.key
      while let key = cursor, kept.insert(key).inserted { cursor = byKey[key]?.parent }
    }
    var doomed = all.filter { !kept.contains($0.key) }
    var removed = 0
    while !doomed.isEmpty {
      let parents = Set(doomed.compactMap(\.parent))
      let leaves = doomed.filter { !parents.contains($0.key) }
      guard !leaves.isEmpty else { break }
      for leaf in leaves {
        try snapshots.remove(key: leaf.key)
        removed += 1
      }
      let gone = Set(leaves.map(\.key))
      doomed.removeAll { gone.contains($0.key) }
    }
    return removed
  }
}
