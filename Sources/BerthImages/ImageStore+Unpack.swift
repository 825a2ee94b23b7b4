#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthArchive
import BerthContent
import BerthError
import BerthOCI
import BerthRegistry
import BerthSnapshots
import Dispatch

extension ImageStore {
  /// Downloads the missing layer blobs (at most `maxConcurrentDownloads` at once) while a second
  /// task unpacks them bottom-up as soon as each one and every layer below it are in.
  func fetchAndUnpack(
    _ source: Reference, manifest: Manifest, diffIDs: [Digest], client: RegistryClient, options: PullOptions,
    progress: @escaping @Sendable (PullEvent) -> Void
  ) async throws {
    let layers = manifest.layers
    let chain = ChainID.chainID(diffIDs)
    // Layers whose snapshot exists need no unpacking; their blobs are still fetched, as the
    // store keeps every blob of an image (for save, and for CRI's image size).
    var ready: Set<Int> = []
    var missing: [Int] = []
    for (index, layer) in layers.enumerated() {
      if try content.exists(layer.digest.description) {
        ready.insert(index)
        progress(.layer(layer.digest, .present))
      } else {
        missing.append(index)
      }
    }
    let (finished, continuation) = AsyncStream<Int>.makeStream()
    let (initial, toFetch) = (ready, missing)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        defer { continuation.finish() }
        try await self.download(toFetch, of: layers, from: source, client: client, limit: options.maxConcurrentDownloads, progress: progress) {
          continuation.yield($0)
        }
      }
      group.addTask {
        try await self.unpackInOrder(layers, chain: chain, diffIDs: diffIDs, ready: initial, finished: finished, options: options, progress: progress)
      }
      try await group.waitForAll()
    }
  }

  /// Downloads `indices` with at most `limit` running, calling `done` after each one.
  private func download(
    _ indices: [Int], of layers: [Descriptor], from source: Reference, client: RegistryClient, limit: Int,
    progress: @escaping @Sendable (PullEvent) -> Void, done: @escaping @Sendable (Int) -> Void
  ) async throws {
    try await withThrowingTaskGroup(of: Int.self) { group in
      var pending = indices[...]
      func start() {
        guard let index = pending.popFirst() else { return }
        let layer = layers[index]
        group.addTask {
          try await client.fetchBlob(source, descriptor: layer, into: self.content) { done, total in
            progress(.layer(layer.digest, .downloading(done: done, total: total)))
          }
          progress(.layer(layer.digest, .downloaded))
          return index
        }
      }
      for _ in 0..<limit { start() }
      while let index = try await group.next() {
        done(index)
        start()
      }
    }
  }

  /// Unpacks layer 0, 1, ... in order, each once its blob is in.
  private func unpackInOrder(
    _ layers: [Descriptor], chain: [Digest], diffIDs: [Digest], ready: Set<Int>, finished: AsyncStream<Int>,
    options: PullOptions, progress: @escaping @Sendable (PullEvent) -> Void
  ) async throws {
    var ready = ready
    var next = 0
    var stream = finished.makeAsyncIterator()
    while next < layers.count {
      while !ready.contains(next) {
        guard let index = await stream.next() else {
          try Task.checkCancellation()
          throw BerthError(.internalError, "layer downloads ended before layer \(next) (\(layers[next].digest)) arrived")
        }
        ready.insert(index)
      }
      let layer = layers[next]
      let parent = next == 0 ? nil : chain[next - 1]
      let (key, diffID) = (chain[next], diffIDs[next])
      if (try? snapshots.stat(key: key.description)) == nil {
        progress(.layer(layer.digest, .extracting))
        try await offPool { try self.unpack(layer, diffID: diffID, chainID: key, parent: parent, options: options) }
      }
      progress(.layer(layer.digest, .unpacked))
      next += 1
    }
  }

  /// Applies one layer blob into a new snapshot on `parent`, checks its diff ID and commits it
  /// as `chainID`. Another pull committing the same chain ID first is not an error.
  func unpack(_ layer: Descriptor, diffID: Digest, chainID: Digest, parent: Digest?, options: PullOptions) throws {
    let key = "extract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(chainID.encoded.prefix(16))"
    _ = try snapshots.prepare(key: key, parent: parent?.description)
    do {
      let upper = try snapshots.upperDir(key)
      let applied = try LayerApplier.apply(
        layer: try content.path(of: layer.digest.description), to: upper,
        options: ApplyOptions(whiteoutMode: .overlay, allowDevices: options.allowDevices, removeOnFailure: false))
      guard applied.diffID == diffID.description else {
        throw BerthError.invalid("layer \(layer.digest): its uncompressed digest is \(applied.diffID), but the image config says \(diffID)")
      }
      do {
        try snapshots.commit(name: chainID.description, key: key)
      } catch let error as BerthError where error.code == .alreadyExists {
        try snapshots.remove(key: key)
      }
    } catch {
      try? snapshots.remove(key: key)
      throw error
    }
  }
}

/// Runs blocking work (unpacking: syscalls and decompression) on a Dispatch thread, so the
/// cooperative pool stays free for the downloads.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue.global().async {
      continuation.resume(with: Result { try body() })
    }
  }
}
