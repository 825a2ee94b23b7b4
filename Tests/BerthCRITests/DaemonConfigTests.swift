import BerthError
import Foundation
import Testing

@testable import BerthCRI

@Suite("berthd configuration")
struct DaemonConfigTests {
  @Test("defaults are valid and name berth-runtime, runc and crun")
  func defaults() throws {
    let config = DaemonConfig()
    try config.validate()
    #expect(config.defaultHandler == "berth" && Set(config.handlers.keys) == ["berth", "runc", "crun"])
  }

  @Test("keys override defaults; a new handler needs a path; an existing one keeps what is not set")
  func apply() throws {
    var config = DaemonConfig()
    try config.apply(
      toml: """
        [berthd]
        listen = "/run/x.sock"
        [cni]
        bin_dirs = ["/a", "/b"]
        [runtime]
        default_handler = "kata"
        [runtime.handlers.kata]
        path = "/usr/bin/kata-runtime"
        options = ["--debug"]
        [runtime.handlers.runc]
        root = "/run/r"
        """, source: "t.toml")
    try config.validate()
    #expect(config.listen == "/run/x.sock" && config.cniBinDirs == ["/a", "/b"])
    #expect(config.handlers["kata"] == .init(path: "/usr/bin/kata-runtime", options: ["--debug"]))
    #expect(config.handlers["runc"]?.path == "/usr/sbin/runc" && config.handlers["runc"]?.root == "/run/r")
  }

  @Test(
    "bad keys and values are errors naming the file and the key",
    arguments: [
      ("[berthd]\nlisen = \"/x\"", "t.toml: unknown key berthd.lisen"),
      ("[images]\npause_image = 3", "t.toml: images.pause_image: expected a string"),
      ("[cni]\nbin_dirs = [\"/a\", 2]", "t.toml: cni.bin_dirs[1]: expected a string"),
      ("[runtime.handlers.kata]\nroot = \"/r\"", "t.toml: runtime.handlers.kata.path is required"),
      ("nonsense = 1", "t.toml: unknown key nonsense"),
      ("[berthd", "t.toml: "),
    ])
  func errors(_ text: String, message: String) throws {
    var config = DaemonConfig()
    let error = try #require(throws: BerthError.self) { try config.apply(toml: text, source: "t.toml") }
    #expect(error.message.hasPrefix(message), "\(error.message)")
  }

  @Test("validation: the default handler must exist, paths absolute, log level known")
  func validation() throws {
    var config = DaemonConfig()
    config.defaultHandler = "nope"
    #expect(throws: BerthError.self) { try config.validate() }
    config = DaemonConfig()
    config.root = "relative"
    #expect(throws: BerthError.self) { try config.validate() }
    config = DaemonConfig()
    config.logLevel = "loud"
    #expect(throws: BerthError.self) { try config.validate() }
  }

  @Test(
    "the metrics endpoint listens on loopback only",
    arguments: [
      ("127.0.0.1:9090", true), ("[::1]:9090", true), ("localhost:1", true), ("0.0.0.0:9090", false),
      ("10.0.0.1:9090", false), ("127.0.0.1", false), ("127.0.0.1:0", false), ("127.0.0.1:70000", false), (":9090", false),
    ])
  func metricsListen(_ address: String, _ valid: Bool) {
    var config = DaemonConfig()
    config.metricsListen = address
    let accepted = (try? config.validate()) != nil
    #expect(accepted == valid, "\(address)")
  }

  @Test("the rendered config reads back to the same values, drop-ins override the main file")
  func roundTripAndDropIns() throws {
    let dir = NSTemporaryDirectory() + "berthd-config-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/berth.toml.d", withIntermediateDirectories: true)
    try "[berthd]\nroot = \"/srv/berth\"\nlog_level = \"debug\"\n".write(toFile: dir + "/berth.toml", atomically: true, encoding: .utf8)
    try "[berthd]\nlog_level = \"warning\"\n".write(toFile: dir + "/berth.toml.d/10-log.toml", atomically: true, encoding: .utf8)
    try "ignored".write(toFile: dir + "/berth.toml.d/README", atomically: true, encoding: .utf8)
    let loaded = try DaemonConfig.load(path: dir + "/berth.toml")
    #expect(loaded.root == "/srv/berth" && loaded.logLevel == "warning")
    var again = DaemonConfig()
    try again.apply(toml: loaded.rendered(), source: "rendered")
    #expect(again == loaded)
  }
}
