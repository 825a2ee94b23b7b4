import BerthOCI
import BerthSnapshots

/// One image in the store: what `berth images` lists and what CRI's ImageService returns.
///
/// The id is the config digest (as in Docker, containerd and CRI-O): two manifests of the same
/// config are the same image. Names point at it; an image with no names left is garbage.
public struct ImageRecord: Sendable, Hashable, Codable {
  /// The config blob's digest.
  public var id: Digest
  /// Fully qualified names that point at it (`docker.io/library/busybox:latest`).
  public var names: [String]
  /// `<name>@<digest>` of the manifest or index each repository served.
  public var repoDigests: [String]
  /// The image manifest's digest.
  public var manifestDigest: Digest
  /// The index (manifest list) the manifest was selected from, if any.
  public var indexDigest: Digest?
  /// Bytes of content: manifest, config and compressed layers (what a registry transfers).
  public var size: Int64
  /// Bytes of the unpacked layers (the uncompressed tar streams).
  public var unpackedSize: Int64
  /// The config's `created` time (RFC 3339), if it has one.
  public var created: String?
  /// When this store got the image, in seconds since the epoch.
  public var pulledAt: Int64
  /// The image's platform (`linux/amd64`).
  public var platform: String
  /// The compressed layer blobs, in order.
  public var layers: [Digest]
  /// The uncompressed layer digests, in order (the config's `rootfs.diff_ids`).
  public var diffIDs: [Digest]

  /// Creates a record.
  public init(
    id: Digest, names: [String] = [], repoDigests: [String] = [], manifestDigest: Digest, indexDigest: Digest? = nil,
    size: Int64, unpackedSize: Int64, created: String?, pulledAt: Int64, platform: String, layers: [Digest],
    diffIDs: [Digest]
  ) {
    self.id = id
    self.names = names
    self.repoDigests = repoDigests
    self.manifestDigest = manifestDigest
    self.indexDigest = indexDigest
    self.size = size
    self.unpackedSize = unpackedSize
    self.created = created
    self.pulledAt = pulledAt
    self.platform = platform
    self.layers = layers
    self.diffIDs = diffIDs
  }

  /// The snapshot holding the whole unpacked image: the chain ID of every layer; nil for an
  /// image without layers.
  public var topChainID: Digest? { ChainID.top(diffIDs) }

  /// The first twelve hex digits of the id, as `images` tables show it.
  public var shortID: String { String(id.encoded.prefix(12)) }

  /// Every blob the image needs: manifest, index, config and layers.
  public var blobs: [Digest] {
    [manifestDigest, id] + (indexDigest.map { [$0] } ?? []) + layers
  }
}
