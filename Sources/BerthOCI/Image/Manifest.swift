import BerthError

/// An image manifest (OCI image manifest or Docker schema2, which share the layout): the config
/// blob and the ordered layers of one image for one platform.
public struct Manifest: Hashable, Sendable, Codable {
  /// Always 2 for the manifests Berth reads.
  public var schemaVersion: Int
  /// The manifest's own type; optional in OCI, always set by Docker schema2.
  public var mediaType: MediaType?
  /// The image config (or, for artifacts, the artifact's config, often the empty descriptor).
  public var config: Descriptor
  /// The layers, base first.
  public var layers: [Descriptor]
  /// Arbitrary metadata.
  public var annotations: [String: String]?
  /// The manifest this one refers to (signatures, SBOMs: the referrers API).
  public var subject: Descriptor?
  /// The artifact type, when this manifest describes an artifact rather than an image.
  public var artifactType: MediaType?

  /// Creates a manifest.
  /// - Parameters:
  ///   - schemaVersion: 2
  ///   - mediaType: the manifest type, `.ociManifest` by default
  ///   - config: the config descriptor
  ///   - layers: the layer descriptors, base first
  ///   - annotations: metadata
  ///   - subject: the manifest this one refers to
  ///   - artifactType: the artifact type, for artifacts
  public init(
    schemaVersion: Int = 2, mediaType: MediaType? = .ociManifest, config: Descriptor, layers: [Descriptor],
    annotations: [String: String]? = nil, subject: Descriptor? = nil, artifactType: MediaType? = nil
  ) {
    self.schemaVersion = schemaVersion
    self.mediaType = mediaType
    self.config = config
    self.layers = layers
    self.annotations = annotations
    self.subject = subject
    self.artifactType = artifactType
  }
}

/// An image index (OCI) or manifest list (Docker): one manifest per platform, or other indexes.
public struct Index: Hashable, Sendable, Codable {
  /// Always 2.
  public var schemaVersion: Int
  /// The index's own type; optional in OCI, always set by Docker manifest lists.
  public var mediaType: MediaType?
  /// The listed manifests, each usually with a platform.
  public var manifests: [Descriptor]
  /// Arbitrary metadata.
  public var annotations: [String: String]?
  /// The manifest this index refers to (referrers API).
  public var subject: Descriptor?
  /// The artifact type, when this index describes an artifact.
  public var artifactType: MediaType?

  /// Creates an index.
  /// - Parameters:
  ///   - schemaVersion: 2
  ///   - mediaType: the index type, `.ociIndex` by default
  ///   - manifests: the listed manifests
  ///   - annotations: metadata
  public init(
    schemaVersion: Int = 2, mediaType: MediaType? = .ociIndex, manifests: [Descriptor],
    annotations: [String: String]? = nil
  ) {
    self.schemaVersion = schemaVersion
    self.mediaType = mediaType
    self.manifests = manifests
    self.annotations = annotations
  }

  /// Picks the manifest to run on `platform`, in this order:
  /// 1. an entry whose platform is exactly `platform` after normalization, variant included
  ///    (`linux/arm64` and `linux/arm64/v8` are the same);
  /// 2. an entry `platform.matches` (an arm v7 image on arm v8; any variant when `platform` has
  ///    none), the highest variant first;
  /// 3. an entry without a platform, as containerd accepts one.
  ///
  /// Only manifest and index entries are candidates; attestations (`unknown/unknown`) never match.
  /// - Parameter platform: the platform to run on, such as `Platform.host`
  /// - Returns: the descriptor of the chosen manifest (or nested index)
  /// - Throws: `BerthError` `.notFound` listing the platforms the index offers.
  public func select(for platform: Platform) throws -> Descriptor {
    let candidates = manifests.filter { $0.mediaType.isManifest || $0.mediaType.isIndex }
    if let exact = candidates.first(where: { $0.platform.map(platform.isExactly) ?? false }) {
      return exact
    }
    let compatible = candidates.filter { $0.platform.map(platform.matches) ?? false }
    if let best = compatible.max(by: { Self.variantLevel($0) < Self.variantLevel($1) }) {
      return best
    }
    if let unlabelled = candidates.first(where: { $0.platform == nil }) {
      return unlabelled
    }
    throw BerthError(.notFound, "no manifest for platform \(platform.normalized) in the index; \(availableDescription)")
  }

  /// The platforms the index lists, as `os/arch[/variant]`, in index order, without duplicates.
  public var platforms: [Platform] {
    var seen: Set<Platform> = []
    return manifests.compactMap { entry in
      guard let platform = entry.platform, seen.insert(platform).inserted else { return nil }
      return platform
    }
  }

  private var availableDescription: String {
    let listed = platforms.map(\.description)
    return listed.isEmpty ? "it lists no platforms" : "available: " + listed.joined(separator: ", ")
  }

  /// Orders compatible entries: a higher arm variant is the better fit.
  private static func variantLevel(_ descriptor: Descriptor) -> Int {
    descriptor.platform?.normalized.variant.flatMap(Platform.armLevel) ?? 0
  }
}
