#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CArchive

/// The state of one layer being applied: the root descriptor, what this layer wrote (whiteouts
/// and opaque markers only hide lower layers) and the directories whose mode and times are set
/// last, deepest first, since creating their children changes them.
final class LayerWriter {
  /// Mode and times of a directory entry, applied after every entry is in place.
  struct DirectoryMetadata {
    var mode: mode_t
    var times: (timespec, timespec)
  }

  let rootfd: Int32
  let options: ApplyOptions
  var result = ApplyResult()
  /// Cleaned paths this layer created or replaced.
  var written: Set<String> = []
  var directories: [String: DirectoryMetadata] = [:]
  /// The entry being applied, for error messages.
  var current = ""

  init(rootfd: Int32, options: ApplyOptions) {
    self.rootfd = rootfd
    self.options = options
  }

  /// Reads the whole stream from `fd` and applies every entry.
  func run(fd: Int32) throws -> ApplyResult {
    let stream = try LayerStream(fd: fd)
    guard let archive = archive_read_new() else { throw BerthError(.internalError, "archive_read_new failed") }
    defer { archive_read_free(archive) }
    // The stream is already decompressed: the tar reader gets no filters at all.
    archive_read_support_format_tar(archive)
    try stream.open(tar: archive)
    do {
      try applyEntries(archive, stream: stream)
      result.diffID = try stream.finish()
    } catch let error as BerthError {
      // A tar error caused by a broken compressed stream says so, naming the entry it cut.
      guard let failure = stream.failure else { throw error }
      throw BerthError(.io, "layer entry \"\(current)\": \(failure)")
    }
    try finishDirectories()
    result.uncompressedSize = stream.uncompressedSize
    result.compressedSize = stream.compressedSize
    return result
  }

  /// Applies every entry the tar reader yields.
  private func applyEntries(_ archive: OpaquePointer, stream: LayerStream) throws {
    var entry: OpaquePointer?
    while true {
      let rc = archive_read_next_header(archive, &entry)
      if rc == ARCHIVE_EOF { break }
      if rc < ARCHIVE_WARN {
        throw BerthError(.io, "reading layer after \"\(current)\": \(Self.message(archive))")
      }
      guard let entry else { break }
      if rc == ARCHIVE_WARN { result.warnings.append("layer entry: \(Self.message(archive))") }
      guard let raw = archive_entry_pathname(entry) else {
        throw BerthError(.invalidArgument, "layer entry after \"\(current)\": unreadable path")
      }
      current = String(cString: raw)
      try applyEntry(entry, archive: archive)
      result.entries += 1
    }
  }

  /// Places one entry: a whiteout, or a file, directory, link or node with its metadata.
  func applyEntry(_ entry: OpaquePointer, archive: OpaquePointer) throws {
    let components: [String]
    do { components = try PathCleaner.components(current) } catch { throw refuse(error.reason) }
    guard let name = components.last else { return }  // the root itself ("./"): left as the caller made it
    let parentPath = components.dropLast()
    if name.hasPrefix(PathCleaner.whiteoutPrefix) {
      return try applyWhiteout(name: name, parent: Array(parentPath))
    }
    let type = archive_entry_filetype(entry)
    let hardlink = archive_entry_hardlink(entry).map { String(cString: $0) }
    if hardlink == nil, type == S_IFCHR || type == S_IFBLK, !options.allowDevices {
      throw refuse("device nodes are not allowed in layers")
    }
    if hardlink == nil, type == S_IFSOCK {
      result.warnings.append("layer entry \"\(current)\": socket skipped")
      return
    }
    let parent = try openParent(parentPath, create: true)
    defer { close(parent) }
    let path = components.joined(separator: "/")
    let keptDirectory = try clearExisting(parent: parent, name: name, forDirectory: type == S_IFDIR && hardlink == nil)
    written.insert(path)
    if let hardlink {
      return try link(to: hardlink, parent: parent, name: name)
    }
    var dataFD: Int32 = -1
    defer { if dataFD >= 0 { close(dataFD) } }
    switch type {
    case S_IFDIR:
      if !keptDirectory { try check(mkdirat(parent, name, 0o700), "mkdirat") }
    case S_IFREG:
      dataFD = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      try check(dataFD, "creating file")
      try writeData(archive: archive, to: dataFD, size: archive_entry_size(entry))
    case S_IFLNK:
      guard let target = archive_entry_symlink(entry) else { throw refuse("symlink without a target") }
      // The target is link content only: it is never followed while applying.
      try check(symlinkat(target, parent, name), "symlinkat")
    case S_IFIFO, S_IFCHR, S_IFBLK:
      try check(mknodat(parent, name, type | 0o600, archive_entry_rdev(entry)), "mknodat")
    default:
      throw refuse("unsupported entry type \(String(type, radix: 8))")
    }
    try applyMetadata(entry, parent: parent, name: name, path: path, type: type, dataFD: dataFD)
  }

  /// Copies the entry's data into `fd`, holes included (sparse entries), then sets its size.
  func writeData(archive: OpaquePointer, to fd: Int32, size: Int64) throws {
    var block: UnsafeRawPointer?
    var length = 0
    var offset: la_int64_t = 0
    while true {
      let rc = archive_read_data_block(archive, &block, &length, &offset)
      if rc == ARCHIVE_EOF { break }
      if rc < ARCHIVE_WARN { throw BerthError(.io, "layer entry \"\(current)\": \(Self.message(archive))") }
      guard let block else { continue }
      var done = 0
      while done < length {
        let n = Sys.retrying { pwrite(fd, block + done, length - done, off_t(offset) + off_t(done)) }
        try check(n, "writing file")
        done += n
      }
      result.bytes += Int64(length)
    }
    try check(ftruncate(fd, off_t(size)), "ftruncate")
  }

  /// A hard link to `target`, which must already exist inside the root.
  func link(to target: String, parent: Int32, name: String) throws {
    let components: [String]
    do { components = try PathCleaner.components(target) } catch {
      throw refuse("hard link target \"\(target)\": \(error.reason)")
    }
    guard let targetName = components.last else { throw refuse("hard link to the root directory") }
    let targetParent = try openParent(components.dropLast(), create: false, role: "hard link target")
    defer { close(targetParent) }
    // Flags 0: a link to a symlink links the symlink itself, never what it points to.
    try check(linkat(targetParent, targetName, parent, name, 0), "hard link to \"\(target)\"")
  }

  /// An error refusing the current entry.
  func refuse(_ reason: String) -> BerthError {
    BerthError(.invalidArgument, "layer entry \"\(current)\": \(reason)")
  }

  /// Throws a syscall error for the current entry when `rc` is negative.
  @discardableResult
  func check<T: BinaryInteger>(_ rc: T, _ what: String) throws -> T {
    if rc >= 0 { return rc }
    let err = errno
    let error = Sys.error(what, err)
    throw BerthError(error.code, "layer entry \"\(current)\": \(error.message)", errno: err)
  }

  /// libarchive's message for the last failure.
  static func message(_ archive: OpaquePointer) -> String {
    archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
  }
}
