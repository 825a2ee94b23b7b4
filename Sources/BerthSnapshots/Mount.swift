/// A mount a snapshotter returns for its caller to perform (mount(2) or the OCI runtime spec's
/// `mounts`): the snapshotter itself never mounts, so it works the same for a runtime that mounts
/// in another namespace or hands the mounts to a VM.
public struct Mount: Sendable, Hashable {
  /// The filesystem type: `overlay`, or `bind` for a bind mount.
  public var type: String
  /// The source: `overlay`, or the directory a bind mount shows.
  public var source: String
  /// Where it goes, when the snapshotter knows (it does not: the caller chooses).
  public var target: String?
  /// mount options: flags (`rbind`, `ro`, `rw`) and filesystem data (`lowerdir=...`).
  public var options: [String]

  /// Creates a mount.
  /// - Parameters:
  ///   - type: the filesystem type, `overlay` or `bind`
  ///   - source: `overlay`, or the directory to bind
  ///   - target: the mount point, if known
  ///   - options: flags and filesystem data, in order
  public init(type: String, source: String, target: String? = nil, options: [String]) {
    self.type = type
    self.source = source
    self.target = target
    self.options = options
  }

  /// Whether this is a bind mount (flag `bind` or `rbind`, or type `bind`).
  public var isBind: Bool { type == "bind" || options.contains("bind") || options.contains("rbind") }

  /// Whether the mount is read-only (flag `ro`, or an overlay with no upper directory).
  public var isReadOnly: Bool {
    options.contains("ro") || (type == "overlay" && !options.contains { $0.hasPrefix("upperdir=") })
  }

  /// The filesystem-specific options joined by commas, as mount(2)'s `data` wants them: every
  /// option except the bind/ro/rw flags.
  public var data: String {
    options.filter { !Self.flagOptions.contains($0) }.joined(separator: ",")
  }

  /// Options that are mount(2) flags rather than filesystem data.
  static let flagOptions: Set<String> = ["bind", "rbind", "ro", "rw"]
}
