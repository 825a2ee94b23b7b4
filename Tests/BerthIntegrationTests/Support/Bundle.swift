import BerthOCI
import Foundation

/// The static busybox the test rootfs is made of.
enum Busybox {
  static let hostPath = "/bin/busybox"
  /// The applets the tests call, each a symlink to /bin/busybox in the rootfs.
  static let applets = [
    "sh", "cat", "id", "hostname", "grep", "sleep", "ls", "mount", "head", "tr", "seq", "echo", "wc", "touch",
    "mkdir", "dd", "true", "false", "test", "ps", "kill",
  ]
}

/// An OCI bundle in a fresh directory: a busybox rootfs and a config.json made by
/// `berth-runtime spec`, edited through the typed `Spec`.
struct Bundle {
  let directory: URL
  var spec: Spec

  var rootfs: URL { directory.appendingPathComponent("rootfs") }
  var configURL: URL { directory.appendingPathComponent("config.json") }

  /// Creates the bundle directory with its rootfs and the runtime's template config, adjusted
  /// for tests: no terminal, `args` as given, a writable root (tests that want it read-only say so).
  static func make(in directory: URL, args: [String], scratch: URL) throws -> Bundle {
    let fm = FileManager.default
    let rootfs = directory.appendingPathComponent("rootfs")
    for dir in ["bin", "proc", "sys", "dev", "tmp", "etc", "mnt", "run"] {
      try fm.createDirectory(at: rootfs.appendingPathComponent(dir), withIntermediateDirectories: true)
    }
    try fm.copyItem(atPath: Busybox.hostPath, toPath: rootfs.appendingPathComponent("bin/busybox").path)
    for applet in Busybox.applets {
      try fm.createSymbolicLink(atPath: rootfs.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "busybox")
    }
    let made = try CommandRunner.run(["spec", "--bundle", directory.path], scratch: scratch)
    guard made.succeeded else { throw FixtureError("berth-runtime spec failed: \(made)") }
    var spec = try JSONDecoder().decode(Spec.self, from: Data(contentsOf: directory.appendingPathComponent("config.json")))
    spec.process?.terminal = false
    spec.process?.args = args
    spec.root?.readonly = false
    let bundle = Bundle(directory: directory, spec: spec)
    try bundle.write()
    return bundle
  }

  /// Writes `spec` to config.json.
  func write() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(spec).write(to: configURL)
  }

  /// Replaces config.json with raw text (for malformed configs).
  func writeRaw(_ text: String) throws {
    try Data(text.utf8).write(to: configURL)
  }

  /// Writes a file inside the rootfs, creating its directory.
  func addFile(_ path: String, contents: String) throws {
    let url = rootfs.appendingPathComponent(String(path.drop { $0 == "/" }))
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(contents.utf8).write(to: url)
  }
}

/// A failure of the test harness itself (not of an expectation).
struct FixtureError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
