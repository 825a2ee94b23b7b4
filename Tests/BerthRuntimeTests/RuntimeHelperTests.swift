import BerthOCI
import Foundation
import Testing

@testable import BerthRuntime
import BerthError

@Suite struct NormalizeTests {
  @Test(arguments: [
    ("/", "/"), ("", "/"), ("/a/b", "/a/b"), ("/a//b/", "/a/b"), ("/a/./b/.", "/a/b"), ("/a/b/../c", "/a/c"),
    ("/../..", "/"), ("/a/../../b", "/b"), ("a/b", "/a/b"), ("./x/../y", "/y"),
  ])
  func normalize(input: String, expected: String) {
    #expect(Runtime.normalize(input) == expected)
  }

  @Test func absoluteKeepsAbsolutePaths() {
    #expect(Runtime.absolute("/srv/../bundle") == "/bundle")
    let relative = Runtime.absolute("bundle/./x")
    #expect(relative.hasPrefix("/") && relative.hasSuffix("/bundle/x"))
  }
}

/// Decoding errors of `config.json` name the file and the key path, as runc's do.
@Suite struct ConfigDecodingErrorTests {
  /// The message `Runtime.loadSpec` throws for `json` as a bundle's config, without the
  /// "<path>: " prefix (checked here too).
  func message(_ json: String) throws -> String {
    let bundle = try TemporaryDirectory()
    defer { bundle.remove() }
    try Data(json.utf8).write(to: URL(fileURLWithPath: bundle.path + "/config.json"))
    let error = try #require(throws: BerthError.self) { try Runtime.loadSpec(bundle: bundle.path) }
    #expect(error.code == .invalidArgument)
    let prefix = bundle.path + "/config.json: "
    #expect(error.message.hasPrefix(prefix), "\(error.message)")
    return String(error.message.dropFirst(prefix.count))
  }

  @Test func missingTopLevelField() throws {
    #expect(try message("{}") == "missing required field ociVersion")
  }

  @Test func missingNestedField() throws {
    #expect(try message(#"{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"args":["sh"]}}"#)
      == "missing required field process.cwd")
    #expect(try message(#"{"ociVersion":"1.2.0","process":{"user":{"uid":0},"cwd":"/"}}"#)
      == "missing required field process.user.gid")
  }

  @Test func missingFieldInArray() throws {
    #expect(try message(#"{"ociVersion":"1.2.0","mounts":[{"destination":"/a"},{"type":"tmpfs"}]}"#)
      == "missing required field mounts[1].destination")
  }

  @Test(arguments: [
    (#"{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"cwd":5}}"#, "process.cwd: "),
    (#"{"ociVersion":"1.2.0","process":{"user":{"uid":"root","gid":0},"cwd":"/"}}"#, "process.user.uid: "),
    (#"{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"cwd":null}}"#, "process.cwd: "),
    (#"{"ociVersion":"1.2.0","linux":{"namespaces":[{"type":"pid"},{"type":7}]}}"#, "linux.namespaces[1].type: "),
    (#"{"ociVersion":"1.2.0","root":{"path":"r","readonly":"yes"}}"#, "root.readonly: "),
    (#"{"ociVersion":["1.2.0"]}"#, "ociVersion: "),
  ])
  func wrongTypeNamesTheKeyPath(json: String, path: String) throws {
    let text = try message(json)
    #expect(text.hasPrefix(path), "\(text)")
    #expect(text.contains("expected"), "\(text)")
  }

  @Test(arguments: [#"{"ociVersion": "1.2.0", "#, "not json", ""])
  func malformedJSON(json: String) throws {
    #expect(try message(json).hasPrefix("malformed JSON"))
  }

  @Test func missingBundle() throws {
    let bundle = try TemporaryDirectory()
    defer { bundle.remove() }
    let error = #expect(throws: BerthError.self) { try Runtime.loadSpec(bundle: bundle.path + "/none") }
    #expect(error?.code == .notFound)
    #expect(error?.message.contains("/none/config.json") == true)
  }

  @Test func loadsAValidConfig() throws {
    let bundle = try TemporaryDirectory()
    defer { bundle.remove() }
    try JSONEncoder().encode(Spec.template()).write(to: URL(fileURLWithPath: bundle.path + "/config.json"))
    #expect(try Runtime.loadSpec(bundle: bundle.path) == Spec.template())
  }
}

@Suite struct ResourceMergeTests {
  @Test func mergeReplacesOnlyWhatTheUpdateSets() {
    var base = Resources()
    base.memory = Resources.Memory(limit: 100, reservation: 50, swap: 200)
    base.cpu = Resources.CPU(shares: 512, quota: 10_000, period: 100_000, cpus: "0-3")
    base.pids = Resources.Pids(limit: 10)
    base.unified = ["memory.high": "90", "io.weight": "100"]
    base.devices = [Resources.DeviceRule(allow: false, access: "rwm")]

    var update = Resources()
    update.memory = Resources.Memory(limit: 300)
    update.cpu = Resources.CPU(quota: 20_000, mems: "0")
    update.unified = ["memory.high": "120"]

    let merged = Runtime.merge(base, update)
    #expect(merged.memory == Resources.Memory(limit: 300, reservation: 50, swap: 200))
    #expect(merged.cpu == Resources.CPU(shares: 512, quota: 20_000, period: 100_000, cpus: "0-3", mems: "0"))
    #expect(merged.pids == Resources.Pids(limit: 10))
    #expect(merged.unified == ["memory.high": "120", "io.weight": "100"])
    #expect(merged.devices == base.devices)
  }

  @Test func mergeIntoEmptyAndReplaceWholeSections() {
    var update = Resources()
    update.pids = Resources.Pids(limit: 64)
    var io = Resources.BlockIO()
    io.weight = 500
    update.blockIO = io
    update.hugepageLimits = [Resources.HugepageLimit(pageSize: "2MB", limit: 1 << 21)]
    update.memory = Resources.Memory(swap: -1)
    let merged = Runtime.merge(Resources(), update)
    #expect(merged.pids?.limit == 64)
    #expect(merged.blockIO?.weight == 500)
    #expect(merged.hugepageLimits?.first?.pageSize == "2MB")
    #expect(merged.memory == Resources.Memory(swap: -1))
    #expect(merged.cpu == nil)
    #expect(Runtime.merge(Resources(), Resources()) == Resources())
  }

  @Test func mergeKeepsMemoryExtras() {
    var base = Resources()
    var memory = Resources.Memory(limit: 1)
    memory.swappiness = 10
    memory.kernelTCP = 7
    base.memory = memory
    var update = Resources()
    var change = Resources.Memory()
    change.swappiness = 60
    update.memory = change
    let merged = Runtime.merge(base, update)
    #expect(merged.memory?.limit == 1)
    #expect(merged.memory?.kernelTCP == 7)
    #expect(merged.memory?.swappiness == 60)
  }
}
