#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CArchive

/// Applies OCI image layers (tar changesets, uncompressed, gzip or zstd) onto a snapshot directory.
///
/// The stream is read once through libarchive, with no temporary copy. Every entry is placed
/// through directory file descriptors resolved with `openat2(RESOLVE_BENEATH)` under a descriptor
/// of the root, so no entry, link or whiteout can create, change or delete anything outside it.
public enum LayerApplier {
  /// Applies the layer read from `fd` (from its current offset to the end) onto `root`.
  /// - Parameters:
  ///   - fd: a readable descriptor; it is not closed
  ///   - root: the snapshot directory, which must exist; on failure it is removed when
  ///     `options.removeOnFailure` is set
  ///   - options: whiteout mode, device policy, id offsets and failure handling
  /// - Returns: counts, sizes and the warnings collected on the way
  /// - Throws: `BerthError` naming the offending entry
  public static func apply(layer fd: Int32, to root: String, options: ApplyOptions = ApplyOptions()) throws
    -> ApplyResult
  {
    let rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if rootfd < 0 { throw Sys.error("opening layer root \(root)") }
    defer { close(rootfd) }
    do {
      let writer = LayerWriter(rootfd: rootfd, options: options)
      return try writer.run(fd: fd)
    } catch {
      if options.removeOnFailure {
        try? LayerWriter.removeContents(of: rootfd)
        rmdir(root)
      }
      throw error
    }
  }

  /// Applies the layer file at `path` onto `root`; see `apply(layer:to:options:)`.
  /// - Parameters:
  ///   - path: a tar, tar+gzip or tar+zstd file
  ///   - root: the snapshot directory, which must exist
  ///   - options: whiteout mode, device policy, id offsets and failure handling
  /// - Returns: counts, sizes and the warnings collected on the way
  public static func apply(layer path: String, to root: String, options: ApplyOptions = ApplyOptions()) throws
    -> ApplyResult
  {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw Sys.error("opening layer \(path)") }
    defer { close(fd) }
    return try apply(layer: fd, to: root, options: options)
  }
}

/// How a layer is applied.
public struct ApplyOptions: Sendable {
  /// What whiteouts (`.wh.<name>`, `.wh..wh..opq`) become.
  public enum WhiteoutMode: Sendable {
    /// For an overlayfs upper directory: a whiteout becomes a 0:0 character device, an opaque
    /// directory gets the `opaque` xattr (`<overlayXattrPrefix>opaque=y`).
    case overlay
    /// For a plain directory holding the lower layers: the path is deleted, an opaque directory's
    /// lower contents are deleted.
    case apply
  }

  /// What whiteouts become; `.apply` by default.
  public var whiteoutMode: WhiteoutMode
  /// Whether character and block devices are created; refused by default.
  public var allowDevices: Bool
  /// Added to every entry's uid (user namespaces).
  public var uidOffset: UInt32
  /// Added to every entry's gid (user namespaces).
  public var gidOffset: UInt32
  /// Whether ownership is applied (lchown); failures are errors.
  public var preserveOwnership: Bool
  /// Whether a failed xattr is an error instead of a warning.
  public var strictXattrs: Bool
  /// Whether `root` is removed, with everything in it, when the layer fails.
  public var removeOnFailure: Bool
  /// The overlayfs xattr namespace, `trusted.overlay.` (or `user.overlay.` for rootless mounts
  /// with `userxattr`). Layer xattrs in either overlay namespace are skipped with a warning.
  public var overlayXattrPrefix: String

  /// Creates options.
  /// - Parameters:
  ///   - whiteoutMode: what whiteouts become
  ///   - allowDevices: whether device nodes are created
  ///   - uidOffset: added to every uid
  ///   - gidOffset: added to every gid
  ///   - preserveOwnership: whether ownership is applied
  ///   - strictXattrs: whether a failed xattr is an error
  ///   - removeOnFailure: whether `root` is removed on failure
  ///   - overlayXattrPrefix: the overlayfs xattr namespace
  public init(
    whiteoutMode: WhiteoutMode = .apply, allowDevices: Bool = false, uidOffset: UInt32 = 0, gidOffset: UInt32 = 0,
    preserveOwnership: Bool = true, strictXattrs: Bool = false, removeOnFailure: Bool = true,
    overlayXattrPrefix: String = "trusted.overlay."
  ) {
    self.whiteoutMode = whiteoutMode
    self.allowDevices = allowDevices
    self.uidOffset = uidOffset
    self.gidOffset = gidOffset
    self.preserveOwnership = preserveOwnership
    self.strictXattrs = strictXattrs
    self.removeOnFailure = removeOnFailure
    self.overlayXattrPrefix = overlayXattrPrefix
  }
}

/// What applying a layer did.
public struct ApplyResult: Sendable, Equatable {
  /// Tar entries processed (whiteouts included).
  public var entries: Int = 0
  /// Bytes of regular-file data written.
  public var bytes: Int64 = 0
  /// Bytes of the uncompressed tar stream libarchive consumed (through the end-of-archive marker).
  public var uncompressedSize: Int64 = 0
  /// Bytes read from the descriptor (the compressed size for a compressed layer).
  public var compressedSize: Int64 = 0
  /// `sha256:<hex>` of the uncompressed stream: the layer's diff ID, to check against the
  /// image config's `rootfs.diff_ids`.
  public var diffID: String = ""
  /// Things that did not stop the layer: an unsupported xattr, a skipped socket.
  public var warnings: [String] = []

  /// Creates an empty result.
  public init() {}
}
