#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CArchive
import CLinuxSys

/// OCI whiteouts (image-spec layer.md). A whiteout only hides lower layers: what this layer
/// itself wrote, before or after the marker, stays.
extension LayerWriter {
  func applyWhiteout(name: String, parent components: [String]) throws {
    let opaque = name == PathCleaner.opaqueMarker
    let hidden = String(name.dropFirst(PathCleaner.whiteoutPrefix.count))
    if !opaque {
      if hidden.isEmpty || hidden == "." || hidden == ".." {
        throw refuse("whiteout of \"\(hidden)\" names no file in its directory")
      }
      if hidden.hasPrefix(PathCleaner.whiteoutPrefix) {
        result.warnings.append("layer entry \"\(current)\": reserved whiteout name skipped")
        return
      }
    }
    let dirPath = components.joined(separator: "/")
    switch options.whiteoutMode {
    case .overlay:
      let parent = try openParent(components, create: true)
      defer { close(parent) }
      if opaque { return try markOpaque(parent) }
      let path = dirPath.isEmpty ? hidden : dirPath + "/" + hidden
      if written.contains(path) {
        result.warnings.append("layer entry \"\(current)\": whiteout of a file of the same layer ignored")
        return
      }
      _ = try clearExisting(parent: parent, name: hidden, forDirectory: false)
      try check(mknodat(parent, hidden, S_IFCHR, 0), "creating whiteout device")
      written.insert(path)
      if options.preserveOwnership {
        try check(fchownat(parent, hidden, options.uidOffset, options.gidOffset, AT_SYMLINK_NOFOLLOW), "lchown")
      }
    case .apply:
      let parent: Int32
      do { parent = try openParent(components, create: false) } catch let error as BerthError where error.code == .invalidArgument {
        // Nothing below to hide when the directory does not exist; escapes are still refused.
        if error.message.hasSuffix("does not exist") { return }
        throw error
      }
      defer { close(parent) }
      if opaque { return try clearLower(parent, path: dirPath) }
      let path = dirPath.isEmpty ? hidden : dirPath + "/" + hidden
      if written.contains(path) {
        result.warnings.append("layer entry \"\(current)\": whiteout of a file of the same layer ignored")
        return
      }
      try removeTree(parent: parent, name: hidden)
    }
  }

  /// Sets the overlay `opaque` xattr on the directory `dir` (an O_PATH descriptor).
  func markOpaque(_ dir: Int32) throws {
    let name = options.overlayXattrPrefix + "opaque"
    let rc = "y".withCString { berth_archive_setxattr("/proc/self/fd/\(dir)", name, $0, 1) }
    try check(rc, "setting \(name)")
  }

  /// Removes what lower layers left in the directory `dir`, keeping this layer's entries (and
  /// clearing lower leftovers inside this layer's directories, which are merged ones).
  func clearLower(_ dir: Int32, path: String) throws {
    for child in try Self.children(of: dir) {
      let childPath = path.isEmpty ? child : path + "/" + child
      guard written.contains(childPath) else {
        try removeTree(parent: dir, name: child)
        continue
      }
      let sub = openat(dir, child, BERTH_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if sub < 0 { continue }  // not a directory: nothing below it
      defer { close(sub) }
      try clearLower(sub, path: childPath)
    }
  }
}
