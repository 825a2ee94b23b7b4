/// A pointer to content (image spec "Content Descriptors"): what it is, its digest and its size.
/// Manifests point at their config and layers with descriptors, indexes at their manifests.
public struct Descriptor: Hashable, Sendable, Codable {
  /// The type of the referenced content.
  public var mediaType: MediaType
  /// The digest of the referenced content; a fetched blob must hash to it.
  public var digest: Digest
  /// The size in bytes of the referenced content; a fetched blob must be exactly this long.
  public var size: Int64
  /// Other places the content may be fetched from (foreign and nondistributable layers).
  public var urls: [String]?
  /// Arbitrary metadata (`org.opencontainers.image.*` and others).
  public var annotations: [String: String]?
  /// The platform of a manifest listed in an index.
  public var platform: Platform?
  /// The type of an artifact, when the descriptor points at an artifact manifest.
  public var artifactType: MediaType?
  /// The content itself, base64, embedded by some producers (the spec's `data`).
  public var data: String?

  /// Creates a descriptor.
  /// - Parameters:
  ///   - mediaType: the type of the content
  ///   - digest: the digest of the content
  ///   - size: the size of the content in bytes
  ///   - urls: other places to fetch it from
  ///   - annotations: metadata
  ///   - platform: the platform, for index entries
  ///   - artifactType: the artifact type, for artifact manifests
  public init(
    mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
    annotations: [String: String]? = nil, platform: Platform? = nil, artifactType: MediaType? = nil
  ) {
    self.mediaType = mediaType
    self.digest = digest
    self.size = size
    self.urls = urls
    self.annotations = annotations
    self.platform = platform
    self.artifactType = artifactType
  }
}

/// A JSON object whose content does not matter: the values of `ExposedPorts` and `Volumes` in an
/// image config (`{"80/tcp": {}}`). Decodes from any object, encodes as `{}`.
public struct EmptyObject: Hashable, Sendable, Codable {
  /// The empty object.
  public init() {}

  public init(from decoder: any Decoder) throws {
    // Only checks that the value is an object; members are ignored.
    _ = try decoder.container(keyedBy: AnyKey.self)
  }

  public func encode(to encoder: any Encoder) throws {
    _ = encoder.container(keyedBy: AnyKey.self)
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}
