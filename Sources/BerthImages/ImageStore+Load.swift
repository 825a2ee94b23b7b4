#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthArchive
import BerthContent
import BerthError
import BerthOCI
import BerthSnapshots
import BerthSys
import Crypto

extension ImageStore {
  /// Imports images without a registry: an OCI layout directory, or a tar (optionally gzip or
  /// zstd compressed) holding an OCI layout or a docker-archive (`docker save`, `podman save`).
  ///
  /// A tar is first unpacked into a private directory under the store with the same path safety
  /// as image layers (nothing can land outside it), then read like a layout. Every blob is
  /// verified against its digest as it enters the content store, every layer against its diff ID.
  /// - Parameters:
  ///   - path: the archive or directory
  ///   - options: the platform to pick from an index, device policy
  /// - Returns: the images stored
  public func load(from path: String, options: PullOptions = PullOptions()) throws -> [ImageRecord] {
    let lock = try lock(exclusive: false)
    defer { withExtendedLifetime(lock) {} }
    var isDirectory = false
    if Sys.exists(path) {
      var st = stat()
      if stat(path, &st) == 0 { isDirectory = st.st_mode & S_IFMT == S_IFDIR }
    } else {
      throw BerthError(.notFound, "\(path) does not exist")
    }
    if isDirectory { return try loadLayout(path, options: options) }
    let scratch = root + "/tmp/load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try Sys.mkdirAll(scratch, mode: 0o700)
    defer { try? Sys.removeAll(scratch) }
    do {
      _ = try LayerApplier.apply(
        layer: path, to: scratch, options: ApplyOptions(preserveOwnership: false, removeOnFailure: false))
    } catch let error as BerthError {
      throw BerthError(error.code, "\(path) is not a readable image archive: \(error.message)")
    }
    if Sys.exists(scratch + "/manifest.json") { return try loadDocker(scratch, options: options) }
    guard Sys.exists(scratch + "/index.json") else {
      throw BerthError.invalid("\(path) holds neither an OCI layout (index.json) nor a docker archive (manifest.json)")
    }
    return try loadLayout(scratch, options: options)
  }

  /// Imports every image an OCI layout's `index.json` lists (one platform of each index).
  func loadLayout(_ dir: String, options: PullOptions) throws -> [ImageRecord] {
    let index = try decodeFile(Index.self, dir + "/index.json")
    var images: [ImageRecord] = []
    for entry in index.manifests {
      var descriptor = entry
      var indexDigest: BerthOCI.Digest?
      if descriptor.mediaType.isIndex {
        try ingest(dir, descriptor)
        indexDigest = descriptor.digest
        descriptor = try JSON.decode(Index.self, from: try content.read(descriptor.digest.description)).select(for: options.platform)
      }
      guard descriptor.mediaType.isManifest else { continue }
      try ingest(dir, descriptor)
      let manifest = try JSON.decode(Manifest.self, from: try content.read(descriptor.digest.description))
      for blob in [manifest.config] + manifest.layers { try ingest(dir, blob) }
      var names: [String] = []
      if let name = entry.annotations?[Self.nameAnnotation] ?? entry.annotations?[Self.refAnnotation],
        let ref = try? Reference(parsing: name), name.contains("/") || name.contains(":")
      {
        names = [ref.name + ":" + (ref.tag ?? Reference.defaultTag)]
      }
      images.append(try store(manifest: manifest, digest: descriptor.digest, index: indexDigest, names: names, options: options))
    }
    guard !images.isEmpty else { throw BerthError.invalid("\(dir)/index.json lists no image manifest") }
    return images
  }

  /// Imports a docker-archive: `manifest.json` names each image's config and layer files.
  func loadDocker(_ dir: String, options: PullOptions) throws -> [ImageRecord] {
    let entries = try decodeFile([DockerManifestEntry].self, dir + "/manifest.json")
    var images: [ImageRecord] = []
    for entry in entries {
      let config = try ingestFile(try Self.inside(dir, entry.Config), mediaType: .ociConfig)
      var layers: [Descriptor] = []
      for layer in entry.Layers {
        let path = try Self.inside(dir, layer)
        layers.append(try ingestFile(path, mediaType: try Self.layerType(path)))
      }
      let manifest = Manifest(config: config, layers: layers)
      let bytes = try JSON.encode(manifest)
      let digest = BerthOCI.Digest(sha256: SHA256.hash(data: bytes))
      try storeBytes(bytes, digest: digest)
      let names = try (entry.RepoTags ?? []).map { tag in
        let ref = try Reference(parsing: tag)
        return ref.name + ":" + (ref.tag ?? Reference.defaultTag)
      }
      images.append(try store(manifest: manifest, digest: digest, index: nil, names: names, options: options))
    }
    return images
  }

  /// Checks, unpacks and names one imported image whose blobs are all in the content store.
  private func store(manifest: Manifest, digest: BerthOCI.Digest, index: BerthOCI.Digest?, names: [String], options: PullOptions) throws -> ImageRecord {
    let config = try readConfig(manifest.config.digest)
    try Self.check(manifest: manifest, config: config, ref: try Reference(parsing: "localhost/import"))
    let diffIDs = config.rootfs.diffIDs
    try unpackInOrder(manifest.layers, diffIDs: diffIDs, options: options)
    let manifestSize = try content.info(digest.description)?.size ?? 0
    let image = ImageRecord(
      id: manifest.config.digest, manifestDigest: digest, indexDigest: index,
      size: manifest.layers.reduce(manifest.config.size + manifestSize) { $0 + $1.size },
      unpackedSize: try unpackedSize(diffIDs), created: config.created, pulledAt: Int64(time(nil)),
      platform: config.platform.description, layers: manifest.layers.map(\.digest), diffIDs: diffIDs)
    return try record(image, names: names)
  }

  /// Copies the blob `descriptor` names from a layout into the content store, verified.
  private func ingest(_ dir: String, _ descriptor: Descriptor) throws {
    let digest = descriptor.digest
    guard digest.algorithm == "sha256" else { throw BerthError(.unsupported, "blob \(digest): only sha256 is supported") }
    let path = dir + "/blobs/sha256/" + digest.encoded
    guard Sys.exists(path) else { throw BerthError(.notFound, "the layout has no blob \(digest)") }
    _ = try ingestFile(path, mediaType: descriptor.mediaType, expected: descriptor)
  }

  /// Streams a file into the content store; with `expected`, digest and size must match it.
  private func ingestFile(_ path: String, mediaType: MediaType, expected: Descriptor? = nil) throws -> Descriptor {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw Sys.error("opening \(path)") }
    defer { close(fd) }
    // An ingest of its own, always started from byte 0: a file is read whole, never resumed,
    // and a concurrent load of the same archive does not trip over this one's lock.
    let writer = try content.writer(
      ref: "import@\(expected?.digest.description ?? path)@\(getpid())-\(UInt32.random(in: 0...UInt32.max))",
      expected: expected?.digest.description, expectedSize: expected?.size)
    if writer.alreadyExists, let expected { return expected }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    do {
      while true {
        let n = buffer.withUnsafeMutableBytes { raw in Sys.retrying { read(fd, raw.baseAddress, raw.count) } }
        if n < 0 { throw Sys.error("reading \(path)") }
        if n == 0 { break }
        try writer.write(buffer[0..<n])
      }
      let size = writer.offset
      let digest = try writer.commit(expected: expected?.digest.description, size: expected?.size)
      return Descriptor(mediaType: mediaType, digest: try Digest(parsing: digest), size: size)
    } catch {
      try? writer.abort()
      throw error
    }
  }

  private func decodeFile<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
    guard Sys.exists(path) else { throw BerthError(.notFound, "\(path) is missing") }
    do { return try JSON.decode(type, from: Array(try Sys.readFile(path).utf8)) } catch let error as BerthError {
      throw error
    } catch {
      throw BerthError.invalid("\(path) is not valid: \(error)")
    }
  }

  /// `dir/relative`, refusing paths that leave `dir`.
  static func inside(_ dir: String, _ relative: String) throws -> String {
    let parts = relative.split(separator: "/")
    guard !relative.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
      throw BerthError.invalid("archive path \(relative) leaves the archive")
    }
    return dir + "/" + relative
  }

  /// The layer media type by the file's first bytes: gzip, zstd or plain tar.
  static func layerType(_ path: String) throws -> MediaType {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw Sys.error("opening \(path)") }
    defer { close(fd) }
    var magic = [UInt8](repeating: 0, count: 4)
    let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
    if n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b { return .ociLayerGzip }
    if n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] { return .ociLayerZstd }
    return .ociLayer
  }
}
