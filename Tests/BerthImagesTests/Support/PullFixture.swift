#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthImages
import BerthOCI
import BerthRegistry
import BerthSnapshots
import Foundation
import Synchronization
import Testing

/// One test's world: a temp dir holding its registries, proxies, OCI layouts and image store, and
/// a registry client. `PullFixture.with` stops every process and removes the dir on every path.
final class PullFixture {
  let base: String
  let store: ImageStore
  /// Short back-off, so a mirror that is down costs milliseconds.
  let client = RegistryClient(backoff: [.milliseconds(20), .milliseconds(50), .milliseconds(100)])
  private var registries: [LocalRegistry] = []
  private var proxies: [BlobProxy] = []
  private var reserved: [Int32] = []
  private var layouts = 0

  private init() throws {
    base = try Tools.tempDir("berth-images-test")
    do { store = try ImageStore(root: base + "/store") } catch {
      try? FileManager.default.removeItem(atPath: base)
      throw error
    }
  }

  /// Runs `body` with a new fixture and cleans it up afterwards, whether `body` throws or not.
  static func with(_ body: (PullFixture) async throws -> Void) async throws {
    let fixture = try PullFixture()
    do {
      try await body(fixture)
    } catch {
      // What the servers saw, for the failure's diagnosis: the tail of every log.
      for registry in fixture.registries { print("registry \(registry.domain) log:\n\(registry.log.suffix(3000))") }
      for proxy in fixture.proxies { print("proxy \(proxy.domain) log:\n\(proxy.log.suffix(30).joined(separator: "\n"))") }
      await fixture.cleanup()
      throw error
    }
    await fixture.cleanup()
  }

  private func cleanup() async {
    for proxy in proxies { proxy.stop() }
    for fd in reserved { close(fd) }
    for registry in registries { registry.stop() }
    try? await client.shutdown()
    // A test that failed while a view was mounted must not leave the mount behind.
    _ = umount2(base + "/merged", Int32(MNT_DETACH))
    try? FileManager.default.removeItem(atPath: base)
  }

  /// Starts a registry in its own directory and waits until it answers.
  func startRegistry() async throws -> LocalRegistry {
    let registry = try LocalRegistry(dir: base + "/registry-\(registries.count)")
    registries.append(registry)
    try await registry.waitReady(client)
    return registry
  }

  /// `127.0.0.1:<port>` of a registry that is down: the port is bound, not listening, until the
  /// fixture ends, so connections are refused and no parallel test's server can take it.
  func downRegistry() throws -> String {
    let (fd, port) = try Tools.bindLoopback()
    reserved.append(fd)
    return "127.0.0.1:\(port)"
  }

  /// Starts the dropping proxy in front of `registry`, cutting the first download of `cut`.
  func startProxy(to registry: LocalRegistry, cut: Digest) throws -> BlobProxy {
    let proxy = try BlobProxy(upstream: registry.port, cut: cut, logPath: base + "/proxy-\(proxies.count).log")
    proxies.append(proxy)
    return proxy
  }

  /// Builds an OCI layout with `Support/oci_layout.py`.
  /// - Parameters:
  ///   - kind: three layers of three compressions, or an index of three platforms
  ///   - payload: bytes of the bottom layer's `/bin/payload` (layered only)
  func build(_ kind: BuiltLayout.Kind, payload: Int? = nil) throws -> BuiltLayout {
    layouts += 1
    let dir = base + "/layout-\(layouts)"
    let output = try Tools.python(
      "oci_layout.py", [kind.rawValue, dir, "v1"] + (payload.map { ["--payload", String($0)] } ?? []))
    var layout = try JSONDecoder().decode(BuiltLayout.self, from: Data(output.utf8))
    (layout.dir, layout.tag) = (dir, "v1")
    return layout
  }

  /// Builds the three-layer image and pushes it to each registry as `test/layered:v1`.
  /// - Returns: the layout and the reference to pull from the first registry
  func pushLayered(to registries: [LocalRegistry], payload: Int? = nil) throws -> (BuiltLayout, Reference) {
    let built = try build(.layered, payload: payload)
    for registry in registries { try registry.push(layout: built.dir, tag: built.tag, as: "test/layered:v1") }
    return (built, try Reference(parsing: "\(registries[0].domain)/test/layered:v1"))
  }

  /// Snapshots that are not committed layers: unpacks in progress, containers, views.
  func uncommittedSnapshots() throws -> [SnapshotInfo] {
    try store.snapshots.walk().filter { $0.kind != .committed || $0.key.hasPrefix("extract-") }
  }

  /// Mounts a read-only view of the image's layers at `<base>/merged`, runs `body` with that
  /// path and the layer directories (top first), then unmounts and removes the view.
  func withMergedView(of image: ImageRecord, _ body: (String, [String]) throws -> Void) throws {
    let top = try #require(image.topChainID)
    let mounts = try store.snapshots.view(key: "test-view", parent: top.description)
    defer { try? store.snapshots.remove(key: "test-view") }
    let mount = try #require(mounts.first)
    try #require(mount.type == "overlay", "a view of several layers is an overlay: \(mounts)")
    let lowers = mount.options.first { $0.hasPrefix("lowerdir=") }.map { $0.dropFirst(9).split(separator: ":").map(String.init) } ?? []
    let target = base + "/merged"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    try #require(Glibc.mount(mount.source, target, mount.type, 0, mount.data) == 0, "mount: \(String(cString: strerror(errno)))")
    defer { _ = umount2(target, Int32(MNT_DETACH)) }
    try body(target, lowers)
  }
}

/// What `oci_layout.py` built: the tagged descriptor (manifest or index) and each image.
struct BuiltLayout: Decodable {
  /// The script's two layouts.
  enum Kind: String {
    case layered, multiarch
  }

  /// One image of the layout.
  struct Image: Decodable {
    var platform: String
    var manifest: Descriptor
    var config: Digest
    var layers: [Layer]
  }

  /// One layer blob and the digest of its uncompressed tar.
  struct Layer: Decodable {
    var mediaType: MediaType
    var digest: Digest
    var size: Int64
    var diffID: Digest
  }

  /// What the layout's `index.json` tags: the manifest, or the image index.
  var top: Descriptor
  var images: [Image]
  var dir = ""
  var tag = ""

  enum CodingKeys: String, CodingKey {
    case top, images
  }

  /// The image built for `platform` (`linux/arm64/v8`).
  func image(_ platform: String) throws -> Image {
    try #require(images.first { $0.platform == platform }, "no image for \(platform) in \(images.map(\.platform))")
  }
}

/// Pull events, recorded from any task.
final class EventLog: Sendable {
  private let events = Mutex<[PullEvent]>([])

  /// The progress callback to hand to `pull`.
  var callback: @Sendable (PullEvent) -> Void { { event in self.events.withLock { $0.append(event) } } }

  /// Everything recorded so far.
  var all: [PullEvent] { events.withLock { $0 } }

  /// The source registry of each `.resolved` event.
  var sources: [String] {
    all.compactMap { if case .resolved(_, let source, _, _) = $0 { source } else { nil } }
  }

  /// The mirrors of each `.mirrorFailed` event, with the reasons.
  var mirrorFailures: [(mirror: String, reason: String)] {
    all.compactMap { if case .mirrorFailed(let mirror, let reason) = $0 { (mirror, reason) } else { nil } }
  }

  /// The layers reported in `state`.
  func layers(in state: LayerState) -> [Digest] {
    all.compactMap { if case .layer(let digest, let s) = $0, s == state { digest } else { nil } }
  }
}
