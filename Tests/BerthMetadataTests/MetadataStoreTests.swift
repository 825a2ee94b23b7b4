import BerthError
import BerthMetadata
import Foundation
import Testing

/// Pod and container records in SQLite: round trips, name reservation, cascade on pod removal.
@Suite struct MetadataStoreTests {
  let dir: String
  let store: MetadataStore

  init() throws {
    dir = NSTemporaryDirectory() + "berth-metadata-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    store = try MetadataStore(path: dir + "/berth.db")
  }

  func pod(_ id: String, name: String = "web", attempt: UInt32 = 0) -> PodRecord {
    PodRecord(
      id: id, name: name, namespace: "default", uid: "uid-1", attempt: attempt, createdAt: 42, handler: "berth",
      config: [1, 2, 3], stateDir: "/run/berth/pods/\(id)")
  }

  func container(_ id: String, pod: String, name: String = "app") -> ContainerRecord {
    ContainerRecord(
      id: id, podID: pod, name: name, attempt: 0, imageRef: "busybox", imageID: "sha256:abc", createdAt: 7,
      logPath: "/var/log/pods/x/app/0.log", config: [9], handler: "berth", stateDir: "/run/berth/containers/\(id)",
      snapshotKey: "container-\(id)")
  }

  @Test func podsRoundTripAndUpdate() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var p = pod("p1")
    try store.insert(p)
    #expect(try store.pod("p1") == p)
    p.state = .notReady
    p.ips = ["10.88.0.2"]
    try store.update(p)
    #expect(try store.pod("p1")?.ips == ["10.88.0.2"])
    #expect(try store.pods().count == 1)
    #expect(try store.pod("nope") == nil)
  }

  @Test(arguments: [(0 as UInt32, true), (1, false)])
  func reservedPodNames(attempt: UInt32, conflicts: Bool) throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try store.insert(pod("p1"))
    let second = pod("p2", attempt: attempt)
    if conflicts {
      let error = #expect(throws: BerthError.self) { try store.insert(second) }
      #expect(error?.code == .alreadyExists)
      #expect(try store.pods().count == 1)
    } else {
      try store.insert(second)
      #expect(try store.pods().count == 2)
    }
  }

  @Test func containersNeedTheirPodAndAUniqueName() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(throws: BerthError.self) { try store.insert(container("c1", pod: "missing")) }
    try store.insert(pod("p1"))
    try store.insert(container("c1", pod: "p1"))
    let error = #expect(throws: BerthError.self) { try store.insert(container("c2", pod: "p1")) }
    #expect(error?.code == .alreadyExists)
    try store.insert(container("c2", pod: "p1", name: "sidecar"))
    #expect(try store.containers(pod: "p1").count == 2)
    var c = try #require(try store.container("c1"))
    c.state = .exited
    c.exitCode = 3
    try store.update(c)
    #expect(try store.container("c1")?.exitCode == 3)
  }

  @Test func removingAPodRemovesItsContainers() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try store.insert(pod("p1"))
    try store.insert(pod("p2", name: "db"))
    try store.insert(container("c1", pod: "p1"))
    try store.insert(container("c2", pod: "p2"))
    try store.removePod("p1")
    #expect(try store.containers().map(\.id) == ["c2"])
    #expect(try store.pod("p1") == nil)
    // The name is free again.
    try store.insert(pod("p3"))
  }

  @Test func reopenSeesTheSameData() throws {
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try store.insert(pod("p1"))
    let again = try MetadataStore(path: dir + "/berth.db")
    #expect(try again.pod("p1")?.name == "web")
  }
}
