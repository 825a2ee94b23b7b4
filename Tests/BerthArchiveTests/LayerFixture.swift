import BerthArchive
import CArchive
import Foundation
import Testing

/// A temporary directory holding layers, a snapshot root and a sentinel beside it; removed by
/// `cleanup()`. Layers are written by Python's tarfile (hostile names are easy there) and
/// compressed with gzip (tarfile) or zstd (libarchive's writer).
final class LayerFixture {
  enum Compression: String, CaseIterable, Sendable { case none, gzip, zstd }

  let base: String
  var root: String { base + "/root" }
  var sentinel: String { base + "/sentinel" }

  init() throws {
    base = NSTemporaryDirectory() + "berth-archive-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: base + "/root", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: base + "/sentinel", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: base + "/outside-dir", withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: base + "/sentinel/keep"))
  }

  func cleanup() { try? FileManager.default.removeItem(atPath: base) }

  /// Helpers for the Python body: f (file), d (dir), l (symlink), h (hard link), fifo, dev.
  static let prelude = """
    import io, sys, tarfile
    t = tarfile.open(sys.argv[1], 'w:gz' if sys.argv[2] == 'gzip' else 'w', format=tarfile.PAX_FORMAT)
    def f(name, data=b'', mode=0o644, uid=0, gid=0, mtime=1000000000, pax=None, type=tarfile.REGTYPE, linkname='', major=0, minor=0):
        i = tarfile.TarInfo(name)
        i.size = len(data) if type == tarfile.REGTYPE else 0
        i.mode, i.uid, i.gid, i.mtime, i.type, i.linkname = mode, uid, gid, mtime, type, linkname
        i.devmajor, i.devminor = major, minor
        if pax: i.pax_headers = pax
        t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
    def d(name, mode=0o755, **k): f(name, mode=mode, type=tarfile.DIRTYPE, **k)
    def l(name, target, **k): f(name, mode=0o777, type=tarfile.SYMTYPE, linkname=target, **k)
    def h(name, target, **k): f(name, type=tarfile.LNKTYPE, linkname=target, **k)
    def fifo(name, **k): f(name, type=tarfile.FIFOTYPE, **k)
    def dev(name, kind, major, minor): f(name, type=tarfile.CHRTYPE if kind == 'c' else tarfile.BLKTYPE, major=major, minor=minor)

    """

  /// `sha256:<hex>` of a tar file, gunzipped first when it is gzip (Python's hashlib).
  static func sha256(uncompressed path: String) throws -> String {
    let script = """
      import gzip, hashlib, sys
      data = open(sys.argv[1], 'rb').read()
      if data[:2] == b'\\x1f\\x8b': data = gzip.decompress(data)
      print('sha256:' + hashlib.sha256(data).hexdigest())
      """
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path]
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Writes a layer built by the Python `body` and returns its path.
  func layer(_ name: String, _ body: String, compression: Compression = .none) throws -> String {
    let path = base + "/" + name + ".tar"
    let script = Self.prelude + body + "\nt.close()\n"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path, compression == .gzip ? "gzip" : "none"]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "python tarfile failed for \(name)")
    guard compression == .zstd else { return path }
    try Self.zstd(path, to: path + ".zst")
    return path + ".zst"
  }

  /// Compresses `input` with libarchive's zstd filter (raw format: the bytes as they are).
  static func zstd(_ input: String, to output: String) throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
    let writer = try #require(archive_write_new())
    defer { archive_write_free(writer) }
    #expect(archive_write_add_filter_zstd(writer) == ARCHIVE_OK)
    #expect(archive_write_set_format_raw(writer) == ARCHIVE_OK)
    #expect(archive_write_open_filename(writer, output) == ARCHIVE_OK)
    let entry = try #require(archive_entry_new())
    defer { archive_entry_free(entry) }
    archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG
    archive_entry_set_size(entry, Int64(bytes.count))
    #expect(archive_write_header(writer, entry) == ARCHIVE_OK)
    _ = bytes.withUnsafeBytes { archive_write_data(writer, $0.baseAddress, $0.count) }
    #expect(archive_write_close(writer) == ARCHIVE_OK)
  }

  /// Every path under `base` outside the root (layers excluded), plus the names a hostile layer
  /// would create beside `base` or at `/`: what must not change.
  func outsideSnapshot() -> [String] {
    var seen: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: base)
    while let name = enumerator?.nextObject() as? String {
      if name != "root" && !name.hasPrefix("root/") && !name.contains(".tar") { seen.append(name) }
    }
    let parent = (base as NSString).deletingLastPathComponent
    for path in [parent + "/escape", parent + "/pwned", "/abs", "/pwned", "/escape"]
    where FileManager.default.fileExists(atPath: path) {
      seen.append(path)
    }
    return seen.sorted()
  }

  /// `lstat` of a path under the root.
  func lstat(_ relative: String) -> stat? {
    var st = stat()
    return Glibc.lstat(root + "/" + relative, &st) == 0 ? st : nil
  }

  /// An xattr of a path under the root, read by Python (getxattr is not in Glibc's module map).
  func xattr(_ relative: String, _ name: String) -> String? {
    let process = Process()
    let pipe = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-c", "import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())",
      root + "/" + relative, name,
    ]
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    process.waitUntilExit()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }

  func contents(_ relative: String) -> String? {
    (try? Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))).map { String(decoding: $0, as: UTF8.self) }
  }
}
