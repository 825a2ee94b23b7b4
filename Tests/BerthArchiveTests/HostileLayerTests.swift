import BerthArchive
import BerthError
import Foundation
import Testing

/// The hostile-layer set of issue 3: each layer starts with an honest file, then tries to leave
/// the snapshot. Each must be refused with a message naming the entry, nothing may change outside
/// the root, and the root must be gone.
@Suite("LayerApplier: hostile layers")
struct HostileLayerTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    /// Python body; `OUT` is replaced by the fixture's `outside-dir`, `SENTINEL` by its sentinel.
    var body: String
    var message: String
    var mode: ApplyOptions.WhiteoutMode = .apply
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "../escape", body: "f('../escape', b'x')", message: "layer entry \"../escape\": path escapes the root"),
    Case(name: "/abs/path", body: "f('/abs/path', b'x')", message: "layer entry \"/abs/path\": absolute paths are not allowed"),
    Case(name: "a/../../escape", body: "f('a/../../escape')", message: "layer entry \"a/../../escape\": path escapes the root"),
    Case(
      name: "absolute symlink parent", body: "l('evil', 'OUT')\nf('evil/pwned', b'x')",
      message: "layer entry \"evil/pwned\": parent \"evil\" escapes the root through a symlink"),
    Case(
      name: "relative symlink parent", body: "l('evil', '../../..')\nf('evil/pwned', b'x')",
      message: "layer entry \"evil/pwned\": parent \"evil\" escapes the root through a symlink"),
    Case(
      name: "deep symlink parent", body: "d('a/b')\nl('a/b/up', '../../../..')\nf('a/b/up/pwned')",
      message: "escapes the root through a symlink"),
    Case(
      name: "hard link to ../", body: "h('h', '../outside-file')",
      message: "layer entry \"h\": hard link target \"../outside-file\": path escapes the root"),
    Case(
      name: "hard link through a symlink", body: "l('s', 'SENTINEL')\nh('h', 's/keep')",
      message: "layer entry \"h\": hard link target \"s\" escapes the root through a symlink"),
    Case(name: "char device", body: "dev('dev/mem', 'c', 1, 1)", message: "layer entry \"dev/mem\": device nodes are not allowed"),
    Case(name: "block device", body: "dev('sda', 'b', 8, 0)", message: "layer entry \"sda\": device nodes are not allowed"),
    Case(name: "whiteout .wh...", body: "f('.wh...')", message: "layer entry \".wh...\": whiteout of \"..\""),
    Case(name: "whiteout ../.wh.x", body: "f('../.wh.x')", message: "layer entry \"../.wh.x\": path escapes the root"),
    Case(
      name: "whiteout through a symlink", body: "l('s', 'SENTINEL')\nf('s/.wh.keep')",
      message: "layer entry \"s/.wh.keep\": parent \"s\" escapes the root through a symlink"),
    Case(
      name: "overlay whiteout through a symlink", body: "l('s', 'SENTINEL')\nf('s/.wh.keep')",
      message: "escapes the root through a symlink", mode: .overlay),
    Case(
      name: "overlay opaque through a symlink", body: "l('s', '../sentinel')\nf('s/.wh..wh..opq')",
      message: "escapes the root through a symlink", mode: .overlay),
  ]

  @Test("refused, nothing written outside, root removed", arguments: cases)
  func refused(_ hostile: Case) throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let body =
      "f('honest', b'ok')\n"
      + hostile.body.replacingOccurrences(of: "OUT", with: fixture.base + "/outside-dir")
      .replacingOccurrences(of: "SENTINEL", with: fixture.sentinel)
    let layer = try fixture.layer("hostile", body)
    let before = fixture.outsideSnapshot()
    let options = ApplyOptions(whiteoutMode: hostile.mode, preserveOwnership: getuid() == 0)
    let error = try #require(throws: BerthError.self) {
      try LayerApplier.apply(layer: layer, to: fixture.root, options: options)
    }
    #expect(error.message.contains(hostile.message), "\(error.message)")
    #expect(fixture.outsideSnapshot() == before)
    #expect(FileManager.default.fileExists(atPath: fixture.root) == false)
    #expect((try? String(contentsOfFile: fixture.sentinel + "/keep", encoding: .utf8)) == "keep")
  }

  @Test("removeOnFailure false keeps what was written")
  func keepsPartialRoot() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("hostile", "f('honest', b'ok')\nf('../escape')")
    let options = ApplyOptions(preserveOwnership: false, removeOnFailure: false)
    #expect(throws: BerthError.self) { try LayerApplier.apply(layer: layer, to: fixture.root, options: options) }
    #expect(fixture.contents("honest") == "ok")
  }

  @Test("devices are created when allowed", .enabled(if: getuid() == 0))
  func devicesAllowed() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("dev", "dev('null', 'c', 1, 3)")
    _ = try LayerApplier.apply(layer: layer, to: fixture.root, options: ApplyOptions(allowDevices: true))
    let st = try #require(fixture.lstat("null"))
    #expect(st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0x103)  // makedev(1, 3)
  }

  @Test("a stream that is not a tar is refused")
  func notATar() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let path = fixture.base + "/junk"
    try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
    let error = try #require(throws: BerthError.self) { try LayerApplier.apply(layer: path, to: fixture.root) }
    #expect(error.message.hasPrefix("opening layer stream"))
    #expect(FileManager.default.fileExists(atPath: fixture.root) == false)
  }

  @Test("a truncated gzip layer fails and leaves nothing behind")
  func truncated() throws {
    let fixture = try LayerFixture()
    defer { fixture.cleanup() }
    let layer = try fixture.layer("t", "import os\nf('a', os.urandom(200000))\nf('b', os.urandom(200000))", compression: .gzip)
    let data = try Data(contentsOf: URL(fileURLWithPath: layer))
    try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: layer))
    let error = try #require(throws: BerthError.self) {
      try LayerApplier.apply(layer: layer, to: fixture.root, options: ApplyOptions(preserveOwnership: false))
    }
    #expect(error.message.contains("layer entry \"a\"") || error.message.contains("reading layer"), "\(error.message)")
    #expect(FileManager.default.fileExists(atPath: fixture.root) == false)
  }
}
