import BerthArchive
import BerthError
import BerthOCI
import BerthSnapshots
import Foundation
import Testing

@Suite("Overlay mounts (root)")
struct OverlayMountTests {
  @Test("two layers with whiteouts, committed by chain ID, mounted under a container snapshot", .enabled(if: getuid() == 0))
  func mountedOverlay() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    let layer1 = try fixture.layer("one", "f('a', b'a1'); f('keep', b'k'); d('dir'); f('dir/old', b'o')")
    let layer2 = try fixture.layer("two", "f('.wh.a'); d('dir'); f('dir/.wh..wh..opq'); f('dir/new', b'n')")
    let chain = ChainID.chainID([try Digest(parsing: ChainIDTests.a), try Digest(parsing: ChainIDTests.b)])

    var parent: String?
    for (path, chainID) in zip([layer1, layer2], chain) {
      _ = try s.prepare(key: "extract-" + chainID.encoded, parent: parent)
      _ = try LayerApplier.apply(layer: path, to: try s.upperDir("extract-" + chainID.encoded), options: ApplyOptions(whiteoutMode: .overlay))
      try s.commit(name: chainID.description, key: "extract-" + chainID.encoded)
      parent = chainID.description
    }

    let mounts = try s.prepare(key: "container", parent: chain[1].description)
    let mount = try #require(mounts.first)
    #expect(mounts.count == 1 && mount.type == "overlay")
    let target = fixture.base + "/merged"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    #expect(Glibc.mount(mount.source, target, mount.type, 0, mount.data) == 0, "mount: \(String(cString: strerror(errno)))")
    defer { _ = umount2(target, Int32(MNT_DETACH)) }

    let fm = FileManager.default
    #expect(!fm.fileExists(atPath: target + "/a"), "whiteout hides layer 1's file")
    #expect(try String(contentsOfFile: target + "/keep", encoding: .utf8) == "k")
    #expect(try fm.contentsOfDirectory(atPath: target + "/dir") == ["new"], "opaque dir shows layer 2 only")
    try Data("w".utf8).write(to: URL(fileURLWithPath: target + "/written"))
    #expect(fm.fileExists(atPath: try s.upperDir("container") + "/written"), "writes land in the upper dir")
    #expect(!fm.fileExists(atPath: try fixture.fs(chain[1].description) + "/written"))
    #expect(umount2(target, 0) == 0)

    #expect(throws: BerthError.self) { try s.remove(key: chain[0].description) }
    try s.remove(key: "container")
    try s.remove(key: chain[1].description)
    try s.remove(key: chain[0].description)
    #expect(try s.walk().isEmpty)
  }
}
