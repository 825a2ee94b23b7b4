import BerthOCI

/// What a pull reports while it runs, for progress bars and logs.
public enum PullEvent: Sendable, Hashable {
  /// The reference resolved to a manifest; `source` is the registry that served it (a mirror or
  /// the origin).
  case resolved(reference: String, source: String, manifest: Digest, layers: [Descriptor])
  /// A mirror failed and the next source is tried.
  case mirrorFailed(mirror: String, reason: String)
  /// A layer's state changed.
  case layer(Digest, LayerState)
  /// The image is stored under its name.
  case stored(ImageRecord)
}

/// The stages of one layer during a pull.
public enum LayerState: Sendable, Hashable {
  /// The blob is already in the content store.
  case present
  /// Bytes downloaded so far of the total.
  case downloading(done: Int64, total: Int64)
  /// The blob is downloaded and verified.
  case downloaded
  /// The layer is being unpacked into its snapshot.
  case extracting
  /// The layer's snapshot is committed (or already was).
  case unpacked
}

/// How to pull.
public struct PullOptions: Sendable {
  /// The platform to select from an index; the host's by default.
  public var platform: Platform
  /// Layer downloads running at once.
  public var maxConcurrentDownloads: Int
  /// Registries tried, in order, before the reference's own (`host[:port]`).
  public var mirrors: [String]
  /// Whether device nodes in layers are created (refused by default).
  public var allowDevices: Bool

  /// Creates options.
  /// - Parameters:
  ///   - platform: the platform to select
  ///   - maxConcurrentDownloads: downloads at once (at least 1)
  ///   - mirrors: mirror registries, tried in order before the origin
  ///   - allowDevices: whether device nodes in layers are created
  public init(
    platform: Platform = .host, maxConcurrentDownloads: Int = 3, mirrors: [String] = [], allowDevices: Bool = false
  ) {
    self.platform = platform
    self.maxConcurrentDownloads = max(1, maxConcurrentDownloads)
    self.mirrors = mirrors
    self.allowDevices = allowDevices
  }
}
