import BerthContent
import BerthError
import BerthOCI
import Foundation
import Synchronization
import Testing

@testable import BerthRegistry

/// A real registry (Debian's docker-registry, distribution 2.8) on a free loopback port, with a
/// small image pushed by umoci + skopeo. Removed, with its temp dir, by `stop()`.
final class LocalRegistry {
  static let tools = ["/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/umoci"]
  static var available: Bool { tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) } }

  let dir: String
  let port: Int
  let process = Process()
  var domain: String { "127.0.0.1:\(port)" }

  init() throws {
    dir = NSTemporaryDirectory() + "berth-registry-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    port = try Self.freePort()
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
    process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
    process.arguments = ["serve", dir + "/config.yml"]
    process.standardOutput = log
    process.standardError = log
    try process.run()
  }

  func stop() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: dir)
  }

  var log: String { (try? String(contentsOfFile: dir + "/registry.log", encoding: .utf8)) ?? "" }

  /// Waits until `GET /v2/` answers.
  func waitReady(_ client: RegistryClient) async throws {
    for _ in 0..<100 {
      if (try? await client.ping(domain)) != nil { return }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw BerthError(.timeout, "registry on \(domain) did not start: \(log)")
  }

  /// Builds an OCI layout with one layer holding `payload` at /bin/busybox and pushes it as
  /// `<domain>/test/busybox:latest`.
  func pushImage(payload: [UInt8]) throws {
    let layout = dir + "/layout"
    let file = dir + "/payload"
    _ = FileManager.default.createFile(atPath: file, contents: Data(payload))
    try Self.run("/usr/bin/umoci", ["init", "--layout", layout])
    try Self.run("/usr/bin/umoci", ["new", "--image", layout + ":latest"])
    try Self.run("/usr/bin/umoci", ["insert", "--image", layout + ":latest", file, "/bin/busybox"])
    try Self.run(
      "/usr/bin/skopeo",
      ["--insecure-policy", "copy", "--dest-tls-verify=false", "oci:\(layout):latest", "docker://\(domain)/test/busybox:latest"])
  }

  static func run(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BerthError(.io, "\(tool) \(arguments.joined(separator: " ")) failed: \(String(decoding: output, as: UTF8.self))")
    }
  }

  /// A port the kernel says is free right now (bind to port 0, read it back, close).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BerthError(.syscall, "socket") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
        bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
      }
    }
    guard bound else { throw BerthError(.syscall, "bind 127.0.0.1:0") }
    return Int(UInt16(bigEndian: addr.sin_port))
  }
}

@Suite("Registry client against a local docker-registry", .serialized)
struct RegistryIntegrationTests {
  static let skipReason: Comment = "needs /usr/bin/docker-registry, skopeo and umoci (scripts/setup installs them)"

  /// Pseudo-random bytes, so the gzip layer is about as large as the payload.
  static func payload(count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
  }

  static func tempStore() throws -> (ContentStore, String) {
    let root = NSTemporaryDirectory() + "berth-registry-store-\(UUID().uuidString)"
    return (try ContentStore(root: root), root)
  }

  @Test(.enabled(if: LocalRegistry.available, Self.skipReason))
  func pullResolveAndResume() async throws {
    let registry = try LocalRegistry()
    defer { registry.stop() }
    let client = RegistryClient()
    do {
      try await exercise(registry, client)
    } catch {
      try await client.shutdown()
      throw error
    }
    try await client.shutdown()
  }

  private func exercise(_ registry: LocalRegistry, _ client: RegistryClient) async throws {
    try await registry.waitReady(client)
    #expect(try await client.ping(registry.domain).isEmpty)
    try registry.pushImage(payload: Self.payload(count: 400_000))
    let ref = try Reference(parsing: "\(registry.domain)/test/busybox:latest")

    // By tag, then by the digest that gave.
    let (manifest, descriptor) = try await client.resolve(ref, platform: .host)
    #expect(descriptor.mediaType == .ociManifest)
    #expect(manifest.layers.count == 1)
    let byDigest = try await client.resolveImage(ref.withDigest(descriptor.digest), platform: .host)
    #expect(byDigest.manifest == manifest)
    #expect(RegistryClient.sha256(byDigest.manifestBytes) == descriptor.digest)
    #expect(Int64(byDigest.manifestBytes.count) == descriptor.size)

    // Config and layers into a store.
    let (store, root) = try Self.tempStore()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let seen = Counter()
    for blob in [manifest.config] + manifest.layers {
      try await client.fetchBlob(ref, descriptor: blob, into: store) { done, total in seen.record(done, total) }
      let info = try #require(try store.info(blob.digest.description))
      #expect(info.size == blob.size)
      #expect(try store.verify(blob.digest.description))
    }
    #expect(seen.last == manifest.layers[0].size)
    // Already there: no download.
    try await client.fetchBlob(ref, descriptor: manifest.config, into: store, progress: nil)

    let layer = manifest.layers[0]
    let layerBytes = try store.read(layer.digest.description)
    let ingest = RegistryClient.ingestRef(ref, digest: layer.digest)

    // An unknown digest: not found, nothing committed.
    let (other, otherRoot) = try Self.tempStore()
    defer { try? FileManager.default.removeItem(atPath: otherRoot) }
    let missing = Descriptor(mediaType: layer.mediaType, digest: RegistryClient.sha256([1, 2, 3]), size: 3)
    await #expect(throws: BerthError.self) { try await client.fetchBlob(ref, descriptor: missing, into: other) }
    #expect(try other.list().isEmpty)

    // A wrong size: rejected, nothing committed.
    var short = layer
    short.size -= 1
    await #expect(throws: BerthError.self) { try await client.fetchBlob(ref, descriptor: short, into: other) }
    #expect(try other.list().isEmpty)

    // Resume: the first half is already in the ingest; the rest comes with a Range request.
    do {
      let writer = try other.writer(ref: ingest, expected: layer.digest.description, expectedSize: layer.size)
      try writer.write(layerBytes[0..<(layerBytes.count / 2)])
    }
    let resumed = Counter()
    try await client.fetchBlob(ref, descriptor: layer, into: other) { done, total in resumed.record(done, total) }
    // The first chunk landed after the half already there: the registry honoured the Range.
    #expect(resumed.first > Int64(layerBytes.count / 2))
    #expect(try other.info(layer.digest.description)?.size == layer.size)
    #expect(try other.verify(layer.digest.description))
    #expect(try other.abandonedIngests(olderThan: 0).isEmpty)

    // A corrupt partial ingest: the resumed blob fails its digest check and nothing is committed.
    let (third, thirdRoot) = try Self.tempStore()
    defer { try? FileManager.default.removeItem(atPath: thirdRoot) }
    do {
      let writer = try third.writer(ref: ingest, expected: layer.digest.description, expectedSize: layer.size)
      try writer.write([UInt8](repeating: 0, count: layerBytes.count / 2))
    }
    await #expect(throws: BerthError.self) { try await client.fetchBlob(ref, descriptor: layer, into: third) }
    #expect(try third.list().isEmpty)
    #expect(try third.abandonedIngests(olderThan: 0).isEmpty)

    // A missing tag.
    let absent = try ref.withTag("nope")
    await #expect(throws: BerthError.self) { try await client.resolve(absent, platform: .host) }
  }
}

/// Progress calls, recorded from any thread.
final class Counter: Sendable {
  private let state = Mutex<(first: Int64?, last: Int64)>((nil, 0))
  func record(_ done: Int64, _ total: Int64) {
    state.withLock { state in
      if state.first == nil { state.first = done }
      state.last = done
    }
  }
  var first: Int64 { state.withLock { $0.first ?? -1 } }
  var last: Int64 { state.withLock { $0.last } }
}
