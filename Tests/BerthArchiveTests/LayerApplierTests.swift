import BerthArchive
import BerthError
import Foundation
import Testing

@Suite("LayerApplier: regular layers")
struct LayerApplierTests {
  @Test("a normal layer: files, dirs, links, fifo, modes, owners, mtimes, xattr", .enabled(if: getuid() == 0))
  func normalLayer() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer(
      "normal",
      """
      d('etc', mode=0o755, mtime=1500000000)
      f('etc/passwd', b'root:x:0:0', mode=0o644, mtime=1600000000)
      d('usr/bin', mode=0o750, uid=1000, gid=1001, mtime=1400000000)
      f('usr/bin/su', b'#!su', mode=0o4755, uid=0, gid=0)
      f('usr/bin/wall', b'wall', mode=0o2755, gid=5)
      d('tmp', mode=0o1777)
      l('etc/link', '/etc/passwd', uid=1000, gid=1000)
      h('etc/hard', 'etc/passwd')
      fifo('run.fifo', mode=0o640, uid=7, gid=8)
      f('user', b'x', uid=1000, gid=1001, pax={'SCHILY.xattr.user.test': 'hello'})
      """)
    let result = try LayerApplier.apply(layer: layer, to: fixture.root)
    #expect(result.entries == 10)
    #expect(result.bytes == Int64("root:x:0:0#!suwallx".utf8.count))
    #expect(result.uncompressedSize > 0 && result.uncompressedSize == result.compressedSize)
    #expect(result.warnings.isEmpty)
    #expect(fixture.contents("etc/passwd") == "root:x:0:0")
    let passwd = try #require(fixture.lstat("etc/passwd"))
    #expect(passwd.st_mtim.tv_sec == 1_600_000_000)
    #expect(passwd.st_nlink == 2)
    #expect(fixture.lstat("etc/hard")?.st_ino == passwd.st_ino)
    #expect(fixture.lstat("etc")?.st_mtim.tv_sec == 1_500_000_000)
    let bin = try #require(fixture.lstat("usr/bin"))
    #expect(bin.st_mode & 0o7777 == 0o750 && bin.st_uid == 1000 && bin.st_gid == 1001)
    #expect(bin.st_mtim.tv_sec == 1_400_000_000)
    #expect(fixture.lstat("usr/bin/su").map { $0.st_mode & 0o7777 } == 0o4755)
    #expect(fixture.lstat("usr/bin/wall").map { ($0.st_mode & 0o7777, $0.st_gid) } ?? (0, 0) == (0o2755, 5))
    #expect(fixture.lstat("tmp").map { $0.st_mode & 0o7777 } == 0o1777)
    let link = try #require(fixture.lstat("etc/link"))
    #expect(link.st_mode & S_IFMT == S_IFLNK && link.st_uid == 1000)
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: fixture.root + "/etc/link")) == "/etc/passwd")
    let fifo = try #require(fixture.lstat("run.fifo"))
    #expect(fifo.st_mode & S_IFMT == S_IFIFO && fifo.st_mode & 0o7777 == 0o640 && fifo.st_uid == 7 && fifo.st_gid == 8)
    #expect(fixture.xattr("user", "user.test") == "hello")
  }

  @Test("gzip, zstd and uncompressed streams", arguments: LayerFixture.Compression.allCases)
  func compressions(_ compression: LayerFixture.Compression) throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("c", "f('a/b/file', b'data' * 1000)", compression: compression)
    let fd = open(layer, O_RDONLY)
    defer { close(fd) }
    let result = try LayerApplier.apply(layer: fd, to: fixture.root, options: ApplyOptions(preserveOwnership: false))
    #expect(fixture.contents("a/b/file") == String(repeating: "data", count: 1000))
    #expect(result.bytes == 4000 && result.uncompressedSize >= 4000 + 512)
    if compression != .none { #expect(result.compressedSize < result.uncompressedSize) }
    // The diff ID is the sha256 of the whole uncompressed stream, end-marker padding included.
    let plain = compression == .zstd ? String(layer.dropLast(4)) : layer
    #expect(result.diffID == (try LayerFixture.sha256(uncompressed: plain)))
  }

  @Test("a relative symlink parent inside the root is followed; ids are shifted", .enabled(if: getuid() == 0))
  func symlinkParentAndOffsets() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("s", "d('usr/lib')\nl('lib', 'usr/lib')\nf('lib/x', b'x', uid=1000, gid=5)\nf('new/deep/y')")
    let options = ApplyOptions(uidOffset: 100_000, gidOffset: 200_000)
    _ = try LayerApplier.apply(layer: layer, to: fixture.root, options: options)
    #expect(fixture.contents("usr/lib/x") == "x")
    #expect(fixture.lstat("usr/lib/x").map { ($0.st_uid, $0.st_gid) } ?? (0, 0) == (101_000, 200_005))
    #expect(fixture.lstat("new/deep").map { ($0.st_uid, $0.st_gid) } ?? (0, 0) == (100_000, 200_000))
  }

  static let lower = """
    d('a')
    f('a/x', b'x')
    f('a/y', b'y')
    d('d')
    f('d/old', b'old')
    d('d/sub')
    f('d/sub/deep', b'deep')
    f('keep', b'keep')
    """
  static let upper = """
    d('d')
    f('d/before', b'before')
    f('a/.wh.x')
    f('d/.wh..wh..opq')
    f('d/new', b'new')
    """

  @Test("two layers in .apply mode: a whiteout deletes, an opaque directory drops lower contents")
  func applyMode() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let options = ApplyOptions(whiteoutMode: .apply, preserveOwnership: getuid() == 0)
    _ = try LayerApplier.apply(layer: try fixture.layer("l1", Self.lower), to: fixture.root, options: options)
    #expect(fixture.contents("a/x") == "x" && fixture.contents("d/sub/deep") == "deep")
    _ = try LayerApplier.apply(layer: try fixture.layer("l2", Self.upper), to: fixture.root, options: options)
    #expect(fixture.lstat("a/x") == nil)
    #expect(fixture.contents("a/y") == "y" && fixture.contents("keep") == "keep")
    #expect(fixture.lstat("d/old") == nil && fixture.lstat("d/sub") == nil)
    #expect(fixture.contents("d/new") == "new" && fixture.contents("d/before") == "before")
    #expect(fixture.lstat("a/.wh.x") == nil && fixture.lstat("d/.wh..wh..opq") == nil)
  }

  @Test("the upper layer in .overlay mode: a 0:0 char device and trusted.overlay.opaque", .enabled(if: getuid() == 0))
  func overlayMode() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let options = ApplyOptions(whiteoutMode: .overlay)
    let result = try LayerApplier.apply(layer: try fixture.layer("l2", Self.upper), to: fixture.root, options: options)
    #expect(result.entries == 5)
    let whiteout = try #require(fixture.lstat("a/x"))
    #expect(whiteout.st_mode & S_IFMT == S_IFCHR && whiteout.st_rdev == 0)
    #expect(fixture.xattr("d", "trusted.overlay.opaque") == "y")
    #expect(fixture.contents("d/new") == "new" && fixture.contents("d/before") == "before")
    #expect(fixture.lstat("a/.wh.x") == nil && fixture.lstat("d/.wh..wh..opq") == nil)
  }

  @Test("overlay xattrs carried by a layer are skipped with a warning")
  func overlayXattrsSkipped() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("x", "d('d', pax={'SCHILY.xattr.trusted.overlay.redirect': '/etc'})")
    let result = try LayerApplier.apply(layer: layer, to: fixture.root, options: ApplyOptions(preserveOwnership: false))
    #expect(result.warnings.count == 1 && result.warnings[0].contains("overlay xattr"))
    #expect(fixture.xattr("d", "trusted.overlay.redirect") == nil)
  }
}
