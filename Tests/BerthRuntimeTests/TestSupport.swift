import Foundation

/// A fresh directory under the system temporary directory; `remove()` deletes it and everything
/// in it. Use with `defer`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    let base = FileManager.default.temporaryDirectory.path
    path = base + "/berth-runtime-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
  }

  func makeDirectory(_ relative: String) throws {
    try FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
  }

  func symlink(_ relative: String, to target: String) throws {
    try FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}
