import BerthError
import BerthOCI
import BerthRuntime
import Foundation
import Testing

@testable import BerthRuntimeCLI

/// A state root holding only `<root>/c1/config.json`, which is all `exec`'s process template reads.
private struct FakeContainer {
  let root: String
  let runtime: Runtime

  init() throws {
    root = FileManager.default.temporaryDirectory.path + "/berth-exec-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root + "/c1", withIntermediateDirectories: true)
    var spec = Spec.template()
    spec.process?.env = ["PATH=/bin", "HOME=/root"]
    spec.process?.cwd = "/work"
    try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: root + "/c1/config.json"))
    runtime = try Runtime(root: root)
  }

  func process(_ arguments: [String]) throws -> Spec.Process {
    try Exec.makeProcess(try Arguments(arguments[...], options: Exec.options), runtime: runtime, id: "c1")
  }

  func remove() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite struct ExecTests {
  @Test func inlineCommandOverTheContainersProcess() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let process = try container.process(["-e", "A=1", "--env", "B=2", "--cwd", "/tmp", "-t", "c1", "sh", "-c", "echo $A"])
    #expect(process.args == ["sh", "-c", "echo $A"])
    #expect(process.env == ["PATH=/bin", "HOME=/root", "A=1", "B=2"])
    #expect(process.cwd == "/tmp")
    #expect(process.terminal == true)
    #expect(process.consoleSize == nil)
    #expect(process.user == Spec.User(uid: 0, gid: 0))
  }

  @Test func keepsTheContainersCwdAndNoTerminalByDefault() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let process = try container.process(["c1", "true"])
    #expect(process.cwd == "/work")
    #expect(process.terminal == false)
    #expect(process.noNewPrivileges == true)
  }

  @Test(arguments: [("1000", UInt32(1000), UInt32(0)), ("1000:1001", 1000, 1001), ("0:5", 0, 5)])
  func user(text: String, uid: UInt32, gid: UInt32) throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let process = try container.process(["--user", text, "c1", "id"])
    #expect(process.user.uid == uid)
    #expect(process.user.gid == gid)
  }

  @Test(arguments: ["root", "1000:staff", "-1", "1000:1001:1002", ""])
  func badUser(text: String) throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let error = #expect(throws: BerthError.self) { try container.process(["-u", text, "c1", "id"]) }
    #expect(error?.message == "--user \(text): expected uid[:gid]")
  }

  /// runc splits with SplitN and refuses an empty uid or gid; `split` drops the empty part.
  @Test(arguments: [":1000", "1000:"])
  func emptyUidOrGid(text: String) throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let error = #expect(throws: BerthError.self) { try container.process(["-u", text, "c1", "id"]) }
    #expect(error?.message == "--user \(text): expected uid[:gid]")
  }

  @Test func additionalGidsAndCapabilities() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let process = try container.process(["-g", "10", "--additional-gids", "20", "--cap", "CAP_SYS_ADMIN", "--no-new-privs", "c1", "x"])
    #expect(process.user.additionalGids == [10, 20])
    #expect(process.capabilities?.bounding?.last == "CAP_SYS_ADMIN")
    #expect(process.capabilities?.effective?.last == "CAP_SYS_ADMIN")
    #expect(process.capabilities?.permitted?.last == "CAP_SYS_ADMIN")
    #expect(process.capabilities?.ambient == nil)
    #expect(process.noNewPrivileges == true)
  }

  @Test func badAdditionalGid() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let error = #expect(throws: BerthError.self) { try container.process(["-g", "wheel", "c1", "x"]) }
    #expect(error?.message == "--additional-gids wheel: not a number")
  }

  @Test func noCommand() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let error = #expect(throws: BerthError.self) { try container.process(["c1"]) }
    #expect(error?.message.contains("no command given") == true)
  }

  @Test func processFile() throws {
    let container = try FakeContainer()
    defer { container.remove() }
    let path = container.root + "/process.json"
    try Data(#"{"user":{"uid":7,"gid":8},"cwd":"/","args":["top"]}"#.utf8).write(to: URL(fileURLWithPath: path))
    let process = try container.process(["-p", path, "c1"])
    #expect(process.args == ["top"])
    #expect(process.user == Spec.User(uid: 7, gid: 8))
    try Data(#"{"user":{"uid":7,"gid":8},"args":["top"]}"#.utf8).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: BerthError.self) { try container.process(["--process", path, "c1"]) }
    #expect(error?.message.contains("cwd") == true)
    #expect(error?.message.contains(path) == true)
  }
}
