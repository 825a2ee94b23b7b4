import BerthError
import BerthSnapshots
import Foundation
import Testing

@Suite("Overlay snapshotter")
struct SnapshotterTests {
  @Test("prepare, commit, view and remove, with the metadata on disk")
  func lifecycle() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    _ = try s.prepare(key: "extract")
    let dir = try fixture.dir("extract")
    #expect(dir.hasSuffix("/snapshots/1"))
    #expect(FileManager.default.fileExists(atPath: dir + "/work"))
    let info = try String(contentsOfFile: dir + "/info", encoding: .utf8)
    #expect(info.hasPrefix("berth-snapshot 1\nkind active\nkey extract\ncreated "))
    try Data("hello".utf8).write(to: URL(fileURLWithPath: try s.upperDir("extract") + "/hello"))

    try s.commit(name: "layer", key: "extract")
    #expect(throws: BerthError.self) { try s.stat(key: "extract") }
    let committed = try s.stat(key: "layer")
    #expect(committed.kind == .committed && committed.parent == nil && committed.id == 1)
    #expect(try String(contentsOfFile: dir + "/info", encoding: .utf8).contains("kind committed\nkey layer\n"))
    #expect(throws: BerthError.self) { try s.upperDir("layer") }

    _ = try s.view(key: "look", parent: "layer")
    let view = try s.stat(key: "look")
    #expect(view.kind == .view && view.parent == "layer" && view.id == 2)
    #expect(try String(contentsOfFile: try fixture.dir("look") + "/info", encoding: .utf8).contains("parent layer\n"))

    let usage = try s.usage(key: "layer")
    #expect(usage.inodes == 2 && usage.bytes > 0)

    try s.remove(key: "look")
    try s.remove(key: "layer")
    #expect(try s.walk().isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.base + "/root/snapshots").isEmpty)
  }

  @Test("mount options for 0, 1 and 3 parents")
  func mountOptions() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    #expect(try s.prepare(key: "base") == [Mount(type: "bind", source: try fixture.fs("base"), options: ["rbind", "rw"])])
    #expect(try s.view(key: "empty") == [Mount(type: "bind", source: try fixture.fs("empty"), options: ["rbind", "ro"])])
    try fixture.committed("l1", parent: nil)
    try fixture.committed("l2", parent: "l1")
    try fixture.committed("l3", parent: "l2")

    let one = try s.prepare(key: "c1", parent: "l1")
    let c1 = try fixture.dir("c1")
    #expect(one == [Mount(type: "overlay", source: "overlay", options: ["workdir=\(c1)/work", "upperdir=\(c1)/fs", "lowerdir=\(try fixture.fs("l1"))"])])
    #expect(!one[0].isReadOnly && one[0].data == one[0].options.joined(separator: ","))
    #expect(try s.view(key: "v1", parent: "l1") == [Mount(type: "bind", source: try fixture.fs("l1"), options: ["rbind", "ro"])])

    let lowers = try ["l3", "l2", "l1"].map { try fixture.fs($0) }.joined(separator: ":")
    let three = try s.prepare(key: "c3", parent: "l3")
    let c3 = try fixture.dir("c3")
    #expect(three[0].options == ["workdir=\(c3)/work", "upperdir=\(c3)/fs", "lowerdir=\(lowers)"])
    #expect(try s.mounts(key: "c3") == three)
    let view = try s.view(key: "v3", parent: "l3")
    #expect(view == [Mount(type: "overlay", source: "overlay", options: ["lowerdir=\(lowers)"])])
    #expect(view[0].isReadOnly)
  }

  @Test("clear errors")
  func errors() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    func code(_ body: () throws -> Void) -> (BerthError.Code, String)? {
      do { try body() } catch let error as BerthError { return (error.code, error.message) } catch { return nil }
      return nil
    }
    #expect(code { _ = try s.stat(key: "nope") }?.1 == "snapshot \"nope\" does not exist")
    #expect(code { _ = try s.prepare(key: "a", parent: "nope") }?.0 == .notFound)
    _ = try s.prepare(key: "a")
    #expect(code { _ = try s.prepare(key: "a") }?.0 == .alreadyExists)
    let notCommitted = code { _ = try s.prepare(key: "b", parent: "a") }
    #expect(notCommitted?.0 == .invalidState && notCommitted?.1 == "parent snapshot \"a\" is active, not committed")
    #expect(code { _ = try s.mounts(key: "b") }?.0 == .notFound)
    try s.commit(name: "base", key: "a")
    #expect(code { try s.commit(name: "x", key: "base") }?.0 == .invalidState)
    _ = try s.prepare(key: "c", parent: "base")
    #expect(code { try s.commit(name: "base", key: "c") }?.0 == .alreadyExists)
    #expect(code { _ = try s.mounts(key: "base") }?.0 == .invalidState)
    let children = code { try s.remove(key: "base") }
    #expect(children?.0 == .invalidState && children?.1.contains("has 1 child snapshot(s) (c)") == true)
    #expect(code { _ = try s.prepare(key: "") }?.0 == .invalidArgument)
    #expect(code { _ = try s.prepare(key: "x\ny") }?.0 == .invalidArgument)
    #expect(code { _ = try OverlaySnapshotter(root: "relative") }?.0 == .invalidArgument)
    #expect(code { _ = try OverlaySnapshotter(root: "/tmp/a:b") }?.0 == .invalidArgument)
    #expect(code { try s.remove(key: "nope") }?.0 == .notFound)
  }

  @Test("walk lists every snapshot in creation order; crash debris is ignored and cleaned")
  func walk() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    try fixture.committed("l1", parent: nil)
    _ = try s.prepare(key: "ctr", parent: "l1")
    _ = try s.view(key: "v", parent: "l1")
    try FileManager.default.createDirectory(atPath: fixture.base + "/root/snapshots/9/fs", withIntermediateDirectories: true)
    let all = try s.walk()
    #expect(all.map(\.key) == ["l1", "ctr", "v"])
    #expect(all.map(\.kind) == [.committed, .active, .view])
    #expect(all.map(\.parent) == [nil, "l1", "l1"])
    _ = try s.prepare(key: "after-debris")
    #expect(try s.stat(key: "after-debris").id == 10)
    #expect(try s.cleanup() == 1)
    #expect(try s.walk().count == 4)
    // A second snapshotter on the same root (another process) sees the same state.
    #expect(try OverlaySnapshotter(root: fixture.base + "/root/").walk() == s.walk())
  }
}
