#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthContent
import BerthError
import BerthOCI
import BerthSnapshots
import BerthSys

/// The local image store shared by berthd and the `berth` CLI: blobs in a content store,
/// unpacked layers in overlay snapshots keyed by chain ID, names and image metadata in SQLite.
///
/// Layout under `root` (default `/var/lib/berth`):
/// - `content/`: blobs by digest and in-progress downloads (BerthContent)
/// - `snapshots/`: overlayfs snapshots (BerthSnapshots)
/// - `images.db`: the image and name tables (SQLite, WAL)
/// - `gc.lock`: held shared by writers, exclusive by garbage collection
///
/// Pulling is in ImageStore+Pull.swift, removal and garbage collection in +Remove.swift,
/// import and export in +Archive.swift.
public final class ImageStore: Sendable {
  /// The store's directory.
  public let root: String
  /// Blobs: manifests, configs, layers.
  public let content: ContentStore
  /// Unpacked layers and container snapshots.
  public let snapshots: OverlaySnapshotter
  let database: ImageDatabase

  /// Opens the store at `root`, creating it if needed.
  /// - Parameter root: the store's directory
  public init(root: String = "/var/lib/berth") throws {
    self.root = root
    try Sys.mkdirAll(root, mode: 0o700)
    content = try ContentStore(root: root + "/content")
    snapshots = try OverlaySnapshotter(root: root + "/snapshots")
    database = try ImageDatabase(path: root + "/images.db")
  }

  func lock(exclusive: Bool) throws -> StoreLock {
    try StoreLock(path: root + "/gc.lock", exclusive: exclusive)
  }

  // MARK: - Reading

  /// Every image, most recently pulled first.
  public func list() throws -> [ImageRecord] {
    try database.read { try ImageDatabase.all($0) }
  }

  /// Finds an image by name (`busybox`, `docker.io/library/busybox:latest`, `name@sha256:...`),
  /// by id (`sha256:<hex>`, `<hex>`, or a unique prefix of at least 3 hex digits) or by the digest
  /// of its manifest or index.
  /// - Parameter text: what the user typed
  /// - Returns: the image, or nil when nothing matches
  /// - Throws: `BerthError` `.invalidArgument` for an ambiguous id prefix
  public func find(_ text: String) throws -> ImageRecord? {
    try Self.match(text, in: try list())
  }

  /// Like `find`, but a missing image is an error naming what was asked for.
  /// - Parameter text: a name, id or digest
  public func get(_ text: String) throws -> ImageRecord {
    guard let image = try find(text) else { throw BerthError(.notFound, "image not known: \(text)") }
    return image
  }

  /// The matching rules of `find`, over a list.
  static func match(_ text: String, in images: [ImageRecord]) throws -> ImageRecord? {
    let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
    let isHex = !hex.isEmpty && hex.count <= 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    if isHex {
      if hex.count == 64, let image = images.first(where: { $0.id.encoded == hex || $0.manifestDigest.encoded == hex || $0.indexDigest?.encoded == hex }) {
        return image
      }
      let matches = images.filter { $0.id.encoded.hasPrefix(hex) }
      if matches.count > 1, hex.count >= 3 {
        throw BerthError.invalid("image id prefix \(text) is ambiguous: it matches \(matches.map(\.shortID).joined(separator: ", "))")
      }
      if let only = matches.first, hex.count >= 3 { return only }
    }
    guard let ref = try? Reference(parsing: text) else {
      if isHex { return nil }
      throw BerthError.invalid("\"\(text)\" is neither an image id nor a valid image reference")
    }
    if let digest = ref.digest {
      let pinned = ref.name + "@" + digest.description
      return images.first { $0.repoDigests.contains(pinned) || ($0.names.contains { Self.repository($0) == ref.name } && $0.blobs.contains(digest)) }
    }
    let name = ref.name + ":" + (ref.tag ?? Reference.defaultTag)
    return images.first { $0.names.contains(name) }
  }

  /// The repository part of a stored name (`docker.io/library/busybox` of `...:latest`).
  static func repository(_ name: String) -> String {
    if let at = name.firstIndex(of: "@") { return String(name[..<at]) }
    if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { return String(name[..<colon]) }
    return name
  }

  /// The image's config, read from the content store.
  /// - Parameter image: the image
  public func config(of image: ImageRecord) throws -> ImageConfig {
    let bytes = try content.read(image.id.description)
    do { return try JSON.decode(ImageConfig.self, from: bytes) } catch {
      throw BerthError.invalid("image \(image.shortID): config \(image.id) is not a valid image config: \(error)")
    }
  }

  /// The image's manifest, read from the content store.
  /// - Parameter image: the image
  public func manifest(of image: ImageRecord) throws -> Manifest {
    try JSON.decode(Manifest.self, from: try content.read(image.manifestDigest.description))
  }

  // MARK: - Names

  /// Adds `name` to the image `source` names; the name leaves any image that had it.
  /// - Parameters:
  ///   - source: the image's name or id
  ///   - name: the new name; `:latest` is added when it has no tag
  /// - Returns: the fully qualified name that was set
  @discardableResult
  public func tag(_ source: String, as name: String) throws -> String {
    let image = try get(source)
    let ref = try Reference(parsing: name)
    guard ref.digest == nil else { throw BerthError.invalid("cannot tag with a digest reference: \(name)") }
    let full = ref.name + ":" + (ref.tag ?? Reference.defaultTag)
    try database.write { db in try ImageDatabase.setName(full, id: image.id, db) }
    return full
  }

  /// Disk usage for CRI's ImageFsInfo and `berth system df`.
  public func usage() throws -> StoreUsage {
    let blobs = try content.list()
    var usage = StoreUsage(contentBytes: blobs.reduce(0) { $0 + $1.size }, contentBlobs: blobs.count, snapshotBytes: 0, snapshotInodes: 0)
    for snapshot in try snapshots.walk() {
      let used = try snapshots.usage(key: snapshot.key)
      usage.snapshotBytes += used.bytes
      usage.snapshotInodes += used.inodes
    }
    return usage
  }
}

/// Bytes and inodes the store holds.
public struct StoreUsage: Sendable, Hashable, Codable {
  /// Bytes of blobs in the content store.
  public var contentBytes: Int64
  /// Number of blobs.
  public var contentBlobs: Int
  /// Bytes of every snapshot's own files.
  public var snapshotBytes: Int64
  /// Inodes of every snapshot's own files.
  public var snapshotInodes: Int64
}
