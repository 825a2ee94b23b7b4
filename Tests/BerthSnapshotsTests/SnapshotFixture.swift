import BerthSnapshots
import Foundation
import Testing

/// A temporary snapshot root, removed by `cleanup()`.
final class SnapshotFixture {
  let base: String
  let snapshotter: OverlaySnapshotter

  init() throws {
    base = NSTemporaryDirectory() + "berth-snapshots-" + UUID().uuidString
    snapshotter = try OverlaySnapshotter(root: base + "/root")
  }

  func cleanup() { try? FileManager.default.removeItem(atPath: base) }

  /// The fs directory of snapshot `key`.
  func fs(_ key: String) throws -> String { "\(base)/root/snapshots/\(try snapshotter.stat(key: key).id)/fs" }

  /// The directory of snapshot `key`.
  func dir(_ key: String) throws -> String { "\(base)/root/snapshots/\(try snapshotter.stat(key: key).id)" }

  /// Prepares `key` on `parent`, writes `file` into it and commits it as `key`.
  func committed(_ key: String, parent: String?, file: String = "f") throws {
    _ = try snapshotter.prepare(key: key + "-extract", parent: parent)
    try Data(key.utf8).write(to: URL(fileURLWithPath: try snapshotter.upperDir(key + "-extract") + "/" + file))
    try snapshotter.commit(name: key, key: key + "-extract")
  }

  /// Writes a tar layer built by the Python `body` (helpers `f(name, data)` and `d(name)`).
  func layer(_ name: String, _ body: String) throws -> String {
    let path = base + "/" + name + ".tar"
    let script = """
      import io, sys, tarfile
      t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
      def f(name, data=b''):
          i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644; i.mtime = 1000000000
          t.addfile(i, io.BytesIO(data))
      def d(name):
          i = tarfile.TarInfo(name); i.type = tarfile.DIRTYPE; i.mode = 0o755; i.mtime = 1000000000
          t.addfile(i)
      \(body)
      t.close()
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "python tarfile failed for \(name)")
    return path
  }
}
