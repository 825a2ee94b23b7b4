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
  /// Downloads the missing layer blobs (at most `maxConcurrentDownloads` at once) and unpacks
  /// each layer as soon as its blob is in, several at a time (one per core), each into its own
  /// parentless snapshot; the unpacked layers are then stacked bottom-up (`commit(rebasingOnto:)`)
  /// as soon as the layer below is committed. Layers whose chain-ID snapshot exists are skipped;
  /// their blobs are still fetched, as the store keeps every blob of an image (for save, and for
  /// CRI's image size). On failure every snapshot this pull made and did not commit is removed.
  func fetchAndUnpack(
    _ source: Reference, manifest: Manifest, diffIDs: [Digest], client: RegistryClient, options: PullOptions,
    progress: @escaping @Sendable (PullEvent) -> Void
  ) async throws {
    let layers = manifest.layers
    let chain = ChainID.chainID(diffIDs)
    let prefix = "extract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-"
    var plan = UnpackPlan(count: layers.count, downloadLimit: options.maxConcurrentDownloads, unpackLimit: Self.cores)
    for (index, layer) in layers.enumerated() {
      let unpacked = (try? snapshots.stat(key: chain[index].description)) != nil
      if try content.exists(layer.digest.description) {
        progress(.layer(layer.digest, .present))
        if !unpacked { plan.toUnpack.append(index) }
      } else {
        plan.toDownload.append(index)
      }
      if unpacked { plan.committed.insert(index) }
    }
    do {
      try await withThrowingTaskGroup(of: UnpackPlan.Step.self) { group in
        while true {
          for index in plan.startDownloads() {
            let layer = layers[index]
            group.addTask {
              try await client.fetchBlob(source, descriptor: layer, into: self.content) { done, total in
                progress(.layer(layer.digest, .downloading(done: done, total: total)))
              }
              progress(.layer(layer.digest, .downloaded))
              return .downloaded(index)
            }
          }
          for index in plan.startUnpacks() {
            let (layer, diffID, key) = (layers[index], diffIDs[index], prefix + String(index))
            progress(.layer(layer.digest, .extracting))
            group.addTask {
              try await offPool { try self.unpack(layer, diffID: diffID, key: key, options: options) }
              return .unpacked(index, key: key)
            }
          }
          for (index, key) in plan.commitReady() {
            try stack(key, layer: index, chain: chain)
            progress(.layer(layers[index].digest, .unpacked))
          }
          guard let step = try await group.next() else { break }
          plan.record(step)
        }
      }
    } catch {
      // Unpacks still running when the group failed have finished by now: remove what is left.
      for snapshot in (try? snapshots.walk()) ?? [] where snapshot.key.hasPrefix(prefix) {
        try? snapshots.remove(key: snapshot.key)
      }
      throw error
    }
    guard plan.committed.count == layers.count else {
      throw BerthError(.internalError, "pull ended with \(plan.committed.count) of \(layers.count) layers unpacked")
    }
  }

  /// Logical cores, the number of layers unpacked at once.
  static var cores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

  /// Applies one layer blob into a new parentless snapshot `key` and checks its diff ID. On
  /// failure the snapshot is removed.
  func unpack(_ layer: Descriptor, diffID: Digest, key: String, options: PullOptions) throws {
    _ = try snapshots.prepare(key: key, parent: nil)
    do {
      let upper = try snapshots.upperDir(key)
      let applied = try LayerApplier.apply(
        layer: try content.path(of: layer.digest.description), to: upper,
        options: ApplyOptions(whiteoutMode: .overlay, allowDevices: options.allowDevices, removeOnFailure: false))
      guard applied.diffID == diffID.description else {
        throw BerthError.invalid("layer \(layer.digest): its uncompressed digest is \(applied.diffID), but the image config says \(diffID)")
      }
    } catch {
      try? snapshots.remove(key: key)
      throw error
    }
  }

  /// Unpacks and stacks layers one by one (imports: no downloads to overlap with).
  func unpackInOrder(_ layers: [Descriptor], diffIDs: [Digest], options: PullOptions) throws {
    let chain = ChainID.chainID(diffIDs)
    for (index, layer) in layers.enumerated() where (try? snapshots.stat(key: chain[index].description)) == nil {
      let key = "extract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(index)"
      try unpack(layer, diffID: diffIDs[index], key: key, options: options)
      try stack(key, layer: index, chain: chain)
    }
  }

  /// Commits the unpacked snapshot `key` as layer `index` of `chain`, on the layer below. When
  /// another pull committed that layer first, `key` is dropped and theirs is used; on any other
  /// failure `key` is removed too.
  private func stack(_ key: String, layer index: Int, chain: [Digest]) throws {
    do {
      try snapshots.commit(name: chain[index].description, key: key, rebasingOnto: index == 0 ? nil : chain[index - 1].description)
    } catch let error as BerthError where error.code == .alreadyExists {
      try snapshots.remove(key: key)
    } catch {
      try? snapshots.remove(key: key)
      throw error
    }
  }
}

/// The bookkeeping of `fetchAndUnpack`: which layers wait for a download, for an unpack slot,
/// or for the layer below to be committed. Pure state, so the order rules are easy to follow.
struct UnpackPlan {
  enum Step: Sendable {
    case downloaded(Int)
    case unpacked(Int, key: String)
  }

  let count: Int
  let downloadLimit: Int
  let unpackLimit: Int
  var toDownload: [Int] = []
  var toUnpack: [Int] = []
  var downloading = 0
  var unpacking = 0
  /// Unpacked into a parentless snapshot, waiting for the layer below.
  var unpacked: [Int: String] = [:]
  var committed: Set<Int> = []

  init(count: Int, downloadLimit: Int, unpackLimit: Int) {
    self.count = count
    self.downloadLimit = downloadLimit
    self.unpackLimit = unpackLimit
  }

  /// Downloads to start now, lowest layers first.
  mutating func startDownloads() -> [Int] {
    var started: [Int] = []
    while downloading < downloadLimit, !toDownload.isEmpty {
      started.append(toDownload.removeFirst())
      downloading += 1
    }
    return started
  }

  /// Unpacks to start now, lowest layers first (they are committed first).
  mutating func startUnpacks() -> [Int] {
    toUnpack.sort()
    var started: [Int] = []
    while unpacking < unpackLimit, !toUnpack.isEmpty {
      started.append(toUnpack.removeFirst())
      unpacking += 1
    }
    return started
  }

  /// Unpacked layers whose layer below is committed, bottom-up; marked committed.
  mutating func commitReady() -> [(Int, String)] {
    var ready: [(Int, String)] = []
    var next = 0
    while next < count {
      if committed.contains(next) {
        next += 1
        continue
      }
      guard let key = unpacked.removeValue(forKey: next) else { break }
      ready.append((next, key))
      committed.insert(next)
      next += 1
    }
    return ready
  }

  mutating func record(_ step: Step) {
    switch step {
    case .downloaded(let index):
      downloading -= 1
      if !committed.contains(index) { toUnpack.append(index) }
    case .unpacked(let index, let key):
      unpacking -= 1
      unpacked[index] = key
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
