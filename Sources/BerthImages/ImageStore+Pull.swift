#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthContent
import BerthError
import BerthOCI
import BerthRegistry
import BerthSnapshots
import BerthSys
import Synchronization

extension ImageStore {
  /// Pulls an image: resolves the reference (mirrors first, then the origin), stores the
  /// manifest, index and config, downloads the layers a few at a time, unpacks each into its
  /// chain-ID snapshot as soon as it and the layers below it are in (so unpacking overlaps the
  /// downloads), checks every diff ID against the config, and finally names the image.
  ///
  /// Safe alongside other pulls of the same image, in this process or another: blobs are
  /// committed by digest, snapshots by chain ID, and a pull that loses a race uses the winner's.
  /// - Parameters:
  ///   - ref: the image reference
  ///   - client: the registry client (credentials, insecure registries)
  ///   - options: platform, concurrency, mirrors
  ///   - progress: called with every state change, from any task
  /// - Returns: the stored image
  /// - Throws: `BerthError` from resolution, download, verification or unpacking; a failed pull
  ///   leaves no snapshot half-made and names nothing
  @discardableResult
  public func pull(
    _ ref: Reference, client: RegistryClient, options: PullOptions = PullOptions(),
    progress: @escaping @Sendable (PullEvent) -> Void = { _ in }
  ) async throws -> ImageRecord {
    let lock = try lock(exclusive: false)
    defer { withExtendedLifetime(lock) {} }
    let (source, resolved) = try await resolve(ref, client: client, options: options, progress: progress)
    let manifest = resolved.manifest
    progress(.resolved(reference: ref.description, source: source.domain, manifest: resolved.descriptor.digest, layers: manifest.layers))
    if let index = resolved.index { try storeBytes(index.bytes, digest: index.digest) }
    try storeBytes(resolved.manifestBytes, digest: resolved.descriptor.digest)
    try await client.fetchBlob(source, descriptor: manifest.config, into: content)
    let config = try readConfig(manifest.config.digest)
    try Self.check(manifest: manifest, config: config, ref: ref)
    try await fetchAndUnpack(source, manifest: manifest, diffIDs: config.rootfs.diffIDs, client: client, options: options, progress: progress)

    let sizes = manifest.layers.reduce(manifest.config.size + Int64(resolved.manifestBytes.count)) { $0 + $1.size }
    let image = ImageRecord(
      id: manifest.config.digest, manifestDigest: resolved.descriptor.digest, indexDigest: resolved.index?.digest,
      size: sizes, unpackedSize: try unpackedSize(config.rootfs.diffIDs), created: config.created,
      pulledAt: Int64(time(nil)), platform: config.platform.description, layers: manifest.layers.map(\.digest),
      diffIDs: config.rootfs.diffIDs)
    let stored = try record(image, names: Self.names(for: ref, digest: resolved.index?.digest ?? resolved.descriptor.digest))
    progress(.stored(stored))
    return stored
  }

  /// Names a stored image and returns it as the store now has it.
  func record(_ image: ImageRecord, names: [String]) throws -> ImageRecord {
    try database.write { db in
      try ImageDatabase.upsert(image, db)
      for name in names { try ImageDatabase.setName(name, id: image.id, db) }
    }
    return try get(image.id.description)
  }

  /// `name:tag` (unless pulled by digest only) and `name@digest` of what the repository served.
  static func names(for ref: Reference, digest: Digest) -> [String] {
    var names = [ref.name + "@" + digest.description]
    if ref.digest == nil || ref.tag != nil { names.insert(ref.name + ":" + (ref.tag ?? Reference.defaultTag), at: 0) }
    return names
  }

  /// Resolves on each mirror in turn, then on the origin.
  func resolve(
    _ ref: Reference, client: RegistryClient, options: PullOptions, progress: @Sendable (PullEvent) -> Void
  ) async throws -> (Reference, ResolvedImage) {
    for mirror in options.mirrors where mirror != ref.domain {
      do {
        let source = try Reference(domain: mirror, path: ref.path, tag: ref.tag, digest: ref.digest)
        return (source, try await client.resolveImage(source, platform: options.platform))
      } catch is CancellationError {
        throw CancellationError()
      } catch {
        progress(.mirrorFailed(mirror: mirror, reason: "\(error)"))
      }
    }
    return (ref, try await client.resolveImage(ref, platform: options.platform))
  }

  /// The manifest and config must agree: one diff ID per layer, tar layers only.
  static func check(manifest: Manifest, config: ImageConfig, ref: Reference) throws {
    guard manifest.layers.count == config.rootfs.diffIDs.count else {
      throw BerthError.invalid(
        "\(ref): manifest lists \(manifest.layers.count) layers but the config has \(config.rootfs.diffIDs.count) diff ids")
    }
    for layer in manifest.layers where !layer.mediaType.isLayer {
      throw BerthError(.unsupported, "\(ref): layer \(layer.digest) has media type \(layer.mediaType), which is not a tar layer")
    }
  }

  /// Writes bytes already verified (a manifest or index) into the content store.
  func storeBytes(_ bytes: [UInt8], digest: Digest) throws {
    // An ingest of its own: a concurrent pull of the same image writes the same few bytes too
    // (committing one digest twice is harmless) instead of sleeping on the other's ingest lock.
    let writer = try content.writer(
      ref: "bytes@\(digest)@\(getpid())-\(UInt32.random(in: 0...UInt32.max))", expected: digest.description,
      expectedSize: Int64(bytes.count))
    if writer.alreadyExists { return }
    do {
      try writer.write(bytes)
      try writer.commit(expected: digest.description, size: Int64(bytes.count))
    } catch {
      try? writer.abort()
      throw error
    }
  }

  func readConfig(_ digest: Digest) throws -> ImageConfig {
    do { return try JSON.decode(ImageConfig.self, from: try content.read(digest.description)) } catch let error as BerthError {
      throw error
    } catch {
      throw BerthError.invalid("config \(digest) is not a valid image config: \(error)")
    }
  }

  /// Bytes of the image's layer snapshots.
  func unpackedSize(_ diffIDs: [Digest]) throws -> Int64 {
    try ChainID.chainID(diffIDs).reduce(0) { $0 + (try snapshots.usage(key: $1.description)).bytes }
  }
}
