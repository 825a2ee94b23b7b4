import AsyncHTTPClient
import BerthError
import BerthOCI
import NIOCore

/// A manifest or index exactly as the registry served it, for storing in the content store.
public struct FetchedManifest: Sendable, Hashable {
  /// The document's type: the `mediaType` in the body, else the `Content-Type` header, else
  /// guessed from the body's shape.
  public var mediaType: MediaType
  /// The sha256 of `bytes` (computed here; the `Docker-Content-Digest` header is not trusted).
  public var digest: Digest
  /// The raw bytes; their digest is the manifest's identity, so never re-encode them.
  public var bytes: [UInt8]

  /// A descriptor of the document.
  public var descriptor: Descriptor {
    Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
  }
}

/// The result of resolving a reference for one platform.
public struct ResolvedImage: Sendable, Hashable {
  /// The image manifest.
  public var manifest: Manifest
  /// The manifest's descriptor (with the platform of its index entry, if it came from one).
  public var descriptor: Descriptor
  /// The manifest's raw bytes.
  public var manifestBytes: [UInt8]
  /// The index or manifest list the reference named, if it named one.
  public var index: FetchedManifest?
}

/// The fields that tell documents apart, read before the full decode.
private struct ManifestProbe: Decodable {
  var schemaVersion: Int?
  var mediaType: String?
  var manifests: [Descriptor]?
  var layers: [Descriptor]?
}

extension RegistryClient {
  /// Manifests larger than this are refused (the distribution registry's own limit is 4 MiB).
  static let maxManifestSize = 4 << 20

  /// Resolves a reference to the image manifest for `platform`.
  /// - Parameters:
  ///   - ref: the image reference (by tag or by digest)
  ///   - platform: the platform to select from an index or manifest list
  /// - Returns: the manifest and its descriptor
  /// - Throws: `BerthError` `.unsupported` for schema1 or unknown media types, `.notFound` for a
  ///   missing manifest or platform, `.invalidArgument` for a digest mismatch
  public func resolve(_ ref: Reference, platform: Platform) async throws -> (manifest: Manifest, descriptor: Descriptor) {
    let image = try await resolveImage(ref, platform: platform)
    return (image.manifest, image.descriptor)
  }

  /// Resolves a reference like `resolve`, also returning the raw bytes of the manifest and of
  /// the index it was selected from, so callers can store them.
  /// - Parameters:
  ///   - ref: the image reference
  ///   - platform: the platform to select from an index
  public func resolveImage(_ ref: Reference, platform: Platform) async throws -> ResolvedImage {
    var fetched = try await fetchManifestBytes(ref)
    var descriptor = fetched.descriptor
    var index: FetchedManifest?
    var depth = 0
    while true {
      try Self.checkSupported(fetched.mediaType, ref: ref)
      guard fetched.mediaType.isIndex else { break }
      // Nested indexes are legal but rare; a chain longer than this is a loop or an attack.
      guard depth < 4 else { throw BerthError(.unsupported, "\(ref): indexes nested too deeply") }
      let list = try Self.decode(Index.self, fetched.bytes, ref: ref)
      let chosen = try list.select(for: platform)
      if index == nil { index = fetched }
      fetched = try await fetchManifestBytes(ref, reference: chosen.digest.description)
      guard Int64(fetched.bytes.count) == chosen.size else {
        throw BerthError.invalid(
          "size mismatch for manifest \(chosen.digest) of \(ref): expected \(chosen.size) bytes, got \(fetched.bytes.count)")
      }
      descriptor = chosen
      depth += 1
    }
    let manifest = try Self.decode(Manifest.self, fetched.bytes, ref: ref)
    return ResolvedImage(manifest: manifest, descriptor: descriptor, manifestBytes: fetched.bytes, index: index)
  }

  /// GETs a manifest or index, by tag or digest, with every type Berth reads in `Accept`.
  /// The body's sha256 is always computed; fetched by digest, it must equal that digest.
  /// - Parameters:
  ///   - ref: the repository (and, by default, the tag or digest to fetch)
  ///   - reference: a tag or digest to fetch instead of `ref.manifestReference`
  /// - Throws: `BerthError` `.notFound` when the registry has no such manifest,
  ///   `.invalidArgument` on a digest mismatch, `.unsupported` for a non-sha256 digest
  public func fetchManifestBytes(_ ref: Reference, reference: String? = nil) async throws -> FetchedManifest {
    let tagOrDigest = reference ?? ref.manifestReference
    let pinned = tagOrDigest.contains(":") ? try Digest(parsing: tagOrDigest) : nil
    if let pinned, pinned.algorithm != "sha256" {
      throw BerthError(.unsupported, "\(ref): cannot verify \(pinned.algorithm) manifest digest \(pinned)")
    }
    let url = endpoint(for: ref.domain).url(ref.path + "/manifests/" + tagOrDigest)
    var request = HTTPClientRequest(url: url)
    request.headers.add(name: "Accept", value: MediaType.manifestAccept.map(\.rawValue).joined(separator: ", "))
    let what = "GET manifest \(ref.name)\(tagOrDigest.contains(":") ? "@" : ":")\(tagOrDigest)"
    let response = try await withRetries(what: what) {
      try await self.send(request, ref: ref, timeout: self.requestTimeout)
    }
    let body: ByteBuffer
    do {
      body = try await response.body.collect(upTo: Self.maxManifestSize)
    } catch let error as NIOTooManyBytesError {
      throw BerthError(.unsupported, "\(what): manifest larger than \(Self.maxManifestSize) bytes", cause: error)
    }
    try checkStatus(response, what)
    let bytes = Array(body.readableBytesView)
    let digest = Self.sha256(bytes)
    if let pinned, pinned != digest {
      throw BerthError.invalid("digest mismatch for manifest of \(ref.name): expected \(pinned), got \(digest)")
    }
    let contentType = response.headers.first(name: "Content-Type").map(Self.bareMediaType)
    let mediaType = try Self.mediaType(of: bytes, contentType: contentType, ref: ref)
    return FetchedManifest(mediaType: mediaType, digest: digest, bytes: bytes)
  }

  /// The type of a manifest document: its own `mediaType`, else a known `Content-Type`, else by
  /// shape (schemaVersion 1 → schema1, `manifests` → OCI index, `layers` → OCI manifest).
  static func mediaType(of bytes: [UInt8], contentType: String?, ref: Reference) throws -> MediaType {
    let probe = try decode(ManifestProbe.self, bytes, ref: ref)
    if let own = probe.mediaType, !own.isEmpty { return MediaType(rawValue: own) }
    if let contentType {
      let type = MediaType(rawValue: contentType)
      if type.isManifest || type.isIndex || type.isSchema1 { return type }
    }
    if probe.schemaVersion == 1 { return .dockerSchema1SignedManifest }
    if probe.manifests != nil { return .ociIndex }
    if probe.layers != nil { return .ociManifest }
    return MediaType(rawValue: contentType ?? "unknown")
  }

  /// Refuses schema1 and anything that is neither an image manifest nor an index.
  static func checkSupported(_ type: MediaType, ref: Reference) throws {
    if type.isSchema1 {
      throw BerthError(
        .unsupported,
        "\(ref) is a docker schema1 manifest (\(type)), which berth does not support: push the image again with a current docker or skopeo")
    }
    guard type.isManifest || type.isIndex else {
      throw BerthError(.unsupported, "\(ref) has unsupported manifest media type \(type)")
    }
  }

  /// `application/json; charset=utf-8` → `application/json`.
  static func bareMediaType(_ header: String) -> String {
    let type = header.split(separator: ";", maxSplits: 1).first.map(String.init) ?? header
    return type.trimmingSpaces()
  }

  static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], ref: Reference) throws -> T {
    do {
      return try JSON.decode(type, from: bytes)
    } catch {
      throw BerthError(.invalidArgument, "\(ref): malformed manifest", cause: error as? BerthError)
    }
  }
}

extension String {
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s.removeFirst() }
    while s.last == " " || s.last == "\t" { s.removeLast() }
    return String(s)
  }
}
