import BerthError
import BerthOCI
import BerthRegistry
import Foundation

/// A real registry (Debian's docker-registry, distribution 2.8) on a free loopback port, storing
/// blobs under `<dir>/data` on the filesystem, where tests can corrupt them. `stop()` ends it.
final class LocalRegistry {
  let dir: String
  let port: Int
  private let process: Process
  /// `127.0.0.1:<port>`.
  var domain: String { "127.0.0.1:\(port)" }

  /// Starts a registry whose config, storage and log live in `dir` (created), and waits until
  /// it listens. A free port can be taken by a parallel test's registry before ours binds it;
  /// ours then exits, and is started again on another port (else the test would talk to the
  /// other test's registry, and lose it when that test ends).
  init(dir: String) throws {
    self.dir = dir
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for _ in 0..<5 {
      let port = try Tools.freePort()
      let process = try Self.launch(dir: dir, port: port)
      if try Self.waitListening(process, dir: dir, port: port) {
        (self.port, self.process) = (port, process)
        return
      }
    }
    throw BerthError(.io, "docker-registry did not start in \(dir): \(Self.log(dir))")
  }

  private static func launch(dir: String, port: Int) throws -> Process {
    let config = """
      version: 0.1
      log:
        level: info
      storage:
        filesystem:
          rootdirectory: \(dir)/data
      http:
        addr: 127.0.0.1:\(port)
      """
    try config.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: dir + "/registry.log", contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/registry.log"))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Tools.registry)
    process.arguments = ["serve", dir + "/config.yml"]
    process.standardOutput = log
    process.standardError = log
    try process.run()
    return process
  }

  /// True once the log says the registry listens on `port`; false if it exited (port taken).
  private static func waitListening(_ process: Process, dir: String, port: Int) throws -> Bool {
    for _ in 0..<500 {
      if log(dir).contains("listening on 127.0.0.1:\(port)") { return true }
      if !process.isRunning { return false }
      usleep(20_000)
    }
    Tools.kill(process)
    throw BerthError(.timeout, "docker-registry on port \(port) did not listen within 10 s: \(log(dir))")
  }

  private static func log(_ dir: String) -> String {
    (try? String(contentsOfFile: dir + "/registry.log", encoding: .utf8)) ?? ""
  }

  /// Kills the registry and waits for it; safe to call twice.
  func stop() {
    Tools.kill(process)
  }

  /// What the registry logged.
  var log: String { Self.log(dir) }

  /// Waits until `GET /v2/` answers.
  func waitReady(_ client: RegistryClient) async throws {
    for _ in 0..<100 {
      if (try? await client.ping(domain)) != nil { return }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw BerthError(.timeout, "registry on \(domain) did not start: \(log)")
  }

  /// Pushes the OCI layout's `tag` as `<domain>/<repository>` with skopeo, keeping every digest
  /// (skopeo fails rather than recompress a layer).
  /// - Parameters:
  ///   - layout: the OCI layout directory
  ///   - tag: the layout's ref name
  ///   - repository: `path:tag` in this registry
  ///   - all: copy every image of an index (`--all`), not only the host's
  func push(layout: String, tag: String, as repository: String, all: Bool = false) throws {
    try Tools.run(
      Tools.skopeo,
      ["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests"] + (all ? ["--all"] : [])
        + ["oci:\(layout):\(tag)", "docker://\(domain)/\(repository)"])
  }

  /// The file the registry serves blob `digest` from.
  func blobData(_ digest: Digest) -> String {
    "\(dir)/data/docker/registry/v2/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)/data"
  }
}

/// The Python proxy of `Support/blob_proxy.py` in front of a registry: it drops the connection
/// of the first GET of one blob halfway through the body and logs every request.
final class BlobProxy {
  let port: Int
  let logPath: String
  private let process = Process()
  /// `127.0.0.1:<port>`.
  var domain: String { "127.0.0.1:\(port)" }

  /// Starts the proxy and reads the port it listens on.
  /// - Parameters:
  ///   - upstream: the registry's port
  ///   - cut: the blob whose first download is cut short
  ///   - logPath: where requests are logged
  init(upstream: Int, cut: Digest, logPath: String) throws {
    self.logPath = logPath
    let out = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", Tools.supportDir + "/blob_proxy.py", String(upstream), logPath, cut.description]
    process.standardOutput = out
    try process.run()
    // The script prints its port, then nothing more.
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line += chunk
    }
    guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
      Tools.kill(process)
      throw BerthError(.io, "blob_proxy.py did not print its port: \(String(decoding: line, as: UTF8.self))")
    }
    self.port = port
  }

  /// Kills the proxy and waits for it; safe to call twice.
  func stop() {
    Tools.kill(process)
  }

  /// The logged lines: `METHOD PATH range=<Range or ->`, and `cut PATH at N of M`.
  var log: [String] {
    ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }
}
