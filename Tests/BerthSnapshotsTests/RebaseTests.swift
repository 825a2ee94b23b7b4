import BerthError
import BerthSnapshots
import Foundation
import Testing

@Suite("Overlay snapshotter: layers unpacked side by side, stacked on commit")
struct RebaseTests {
  @Test("a parentless snapshot committed onto a parent gets that parent and its mounts")
  func rebase() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    // Both layers are prepared before either is committed, as a parallel pull does.
    _ = try s.prepare(key: "extract-0")
    _ = try s.prepare(key: "extract-1")
    try s.commit(name: "base", key: "extract-0", rebasingOnto: nil)
    try s.commit(name: "top", key: "extract-1", rebasingOnto: "base")
    let top = try s.stat(key: "top")
    #expect(top.kind == .committed && top.parent == "base")
    #expect(try String(contentsOfFile: try fixture.dir("top") + "/info", encoding: .utf8).contains("parent base\n"))
    let mounts = try s.view(key: "rootfs", parent: "top")
    #expect(mounts.count == 1 && mounts[0].type == "overlay")
    let lower = "lowerdir=\(try fixture.fs("top")):\(try fixture.fs("base"))"
    #expect(mounts[0].options.contains(lower))
    // The base cannot go while the stack stands on it.
    #expect(throws: BerthError.self) { try s.remove(key: "base") }
  }

  @Test("rebasing is refused for a snapshot that has a parent, onto a missing or uncommitted parent, or onto a taken name")
  func refusals() throws {
    let fixture = try SnapshotFixture()
    defer { fixture.cleanup() }
    let s = fixture.snapshotter
    try fixture.committed("base", parent: nil)
    _ = try s.prepare(key: "child", parent: "base")
    let hasParent = try #require(throws: BerthError.self) { try s.commit(name: "x", key: "child", rebasingOnto: "base") }
    #expect(hasParent.code == .invalidState)
    _ = try s.prepare(key: "loose")
    #expect(throws: BerthError.self) { try s.commit(name: "x", key: "loose", rebasingOnto: "missing") }
    let uncommitted = try #require(throws: BerthError.self) { try s.commit(name: "x", key: "loose", rebasingOnto: "child") }
    #expect(uncommitted.code == .invalidState)
    let taken = try #require(throws: BerthError.self) { try s.commit(name: "base", key: "loose", rebasingOnto: nil) }
    #expect(taken.code == .alreadyExists)
    // Every refusal left the snapshot active and parentless.
    let loose = try s.stat(key: "loose")
    #expect(loose.kind == .active && loose.parent == nil)
  }
}
