/// A media type as manifests and descriptors carry it (`application/vnd.oci.image.manifest.v1+json`).
/// Any string is representable, so documents with types Berth does not know still decode; the
/// constants and predicates below are what pulling and unpacking switch on.
public struct MediaType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
  ExpressibleByStringLiteral
{
  /// The media type string.
  public let rawValue: String

  /// Wraps a media type string.
  /// - Parameter rawValue: the media type, such as `application/vnd.oci.image.index.v1+json`
  public init(rawValue: String) { self.rawValue = rawValue }

  /// Wraps a media type literal.
  public init(stringLiteral value: String) { self.rawValue = value }

  public var description: String { rawValue }

  // MARK: - OCI image spec

  /// An OCI image manifest.
  public static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
  /// An OCI image index (a list of manifests, usually one per platform).
  public static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
  /// An OCI image config.
  public static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
  /// The empty descriptor's type (`{}`), used as the config of artifacts.
  public static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"
  /// An uncompressed tar layer.
  public static let ociLayer: MediaType = "application/vnd.oci.image.layer.v1.tar"
  /// A gzip-compressed tar layer.
  public static let ociLayerGzip: MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
  /// A zstd-compressed tar layer.
  public static let ociLayerZstd: MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
  /// An uncompressed tar layer that must not be pushed elsewhere (deprecated by the spec).
  public static let ociLayerNondistributable: MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar"
  /// A gzip tar layer that must not be pushed elsewhere (deprecated by the spec).
  public static let ociLayerNondistributableGzip: MediaType =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
  /// A zstd tar layer that must not be pushed elsewhere (deprecated by the spec).
  public static let ociLayerNondistributableZstd: MediaType =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

  // MARK: - Docker image manifest v2, schema 2

  /// A Docker schema2 image manifest.
  public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
  /// A Docker manifest list (the schema2 counterpart of an OCI index).
  public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
  /// A Docker image config (same content as an OCI config).
  public static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
  /// A Docker gzip-compressed tar layer.
  public static let dockerLayerGzip: MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip"
  /// A Docker foreign layer (fetched from its `urls`, such as Windows base layers).
  public static let dockerForeignLayerGzip: MediaType = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

  // MARK: - Docker schema 1 (refused)

  /// A Docker schema1 manifest, unsigned. Registries stopped serving these; Berth refuses them.
  public static let dockerSchema1Manifest: MediaType = "application/vnd.docker.distribution.manifest.v1+json"
  /// A Docker schema1 manifest with a JWS signature. Refused, like the unsigned form.
  public static let dockerSchema1SignedManifest: MediaType = "application/vnd.docker.distribution.manifest.v1+prettyjws"

  // MARK: - Classification

  /// An image manifest (OCI or Docker schema2), the document that names a config and layers.
  public var isManifest: Bool { self == .ociManifest || self == .dockerManifest }

  /// An index or manifest list, the document that names one manifest per platform.
  public var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }

  /// An image config (OCI or Docker).
  public var isConfig: Bool { self == .ociConfig || self == .dockerConfig }

  /// A Docker schema1 manifest, which Berth refuses with a clear error.
  public var isSchema1: Bool { self == .dockerSchema1Manifest || self == .dockerSchema1SignedManifest }

  /// A layer Berth can unpack: a tar stream, uncompressed or compressed.
  public var isLayer: Bool { layerCompression != nil }

  /// A layer whose blob is fetched from its descriptor's `urls` or must not be redistributed.
  public var isNondistributable: Bool {
    self == .ociLayerNondistributable || self == .ociLayerNondistributableGzip
      || self == .ociLayerNondistributableZstd || self == .dockerForeignLayerGzip
  }

  /// How a layer's tar stream is compressed.
  public enum Compression: String, Sendable, Equatable {
    case uncompressed, gzip, zstd
  }

  /// The compression of a layer type, or nil if this is not a layer type Berth knows.
  public var layerCompression: Compression? {
    switch self {
    case .ociLayer, .ociLayerNondistributable: .uncompressed
    case .ociLayerGzip, .ociLayerNondistributableGzip, .dockerLayerGzip, .dockerForeignLayerGzip: .gzip
    case .ociLayerZstd, .ociLayerNondistributableZstd: .zstd
    default: nil
    }
  }

  /// The `Accept` header value a registry client sends for manifests: every manifest and index
  /// type Berth can read, OCI first.
  public static let manifestAccept: [MediaType] = [.ociIndex, .ociManifest, .dockerManifestList, .dockerManifest]
}
