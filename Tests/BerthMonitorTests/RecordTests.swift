import BerthOCI
import BerthRuntimeClient
import BerthSys
import Foundation
import Testing

/// The files the monitor and the daemon exchange, and the parsing around them (no root).
@Suite struct RecordTests {
  @Test(arguments: [
    // (wait status, code, signal, oom, reason)
    (Int32(0), Int32(0), Int32?.none, false, "Completed"),
    (3 << 8, 3, nil, false, "Error"),
    (255 << 8, 255, nil, false, "Error"),
    (9, 137, 9, false, "Error"),
    (15, 143, 15, false, "Error"),
    (9 | 0x80, 137, 9, true, "OOMKilled"),  // a core-dump bit does not change the signal
    (0, 0, nil, true, "OOMKilled"),
  ])
  func exitRecordFromWaitStatus(status: Int32, code: Int32, signal: Int32?, oom: Bool, reason: String) {
    let record = ExitRecord(waitStatus: status, exitedAt: 42, oomKilled: oom)
    #expect(record == ExitRecord(exitCode: code, signal: signal, exitedAt: 42, oomKilled: oom, reason: reason))
  }

  @Test("ExitRecord JSON has the contract's keys and round-trips")
  func exitRecordJSON() throws {
    let record = ExitRecord(exitCode: 137, signal: 9, exitedAt: 1_795_464_230_363_991_860, oomKilled: true, reason: "OOMKilled")
    let text = try JSON.string(record)
    #expect(text == #"{"exitCode":137,"exitedAt":1795464230363991860,"oomKilled":true,"reason":"OOMKilled","signal":9}"#)
    #expect(try JSON.decode(ExitRecord.self, from: Array(text.utf8)) == record)
    let plain = try JSON.decode(ExitRecord.self, from: Array(#"{"exitCode":0,"exitedAt":1,"oomKilled":false}"#.utf8))
    #expect(plain == ExitRecord(exitCode: 0, exitedAt: 1))
  }

  @Test("readExit: nil when absent or malformed")
  func readExit() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-exit-\(UUID().uuidString)").path
    try Sys.mkdirAll(dir)
    defer { try? Sys.removeAll(dir) }
    #expect(Monitor.readExit(dir + "/none") == nil)
    try Sys.writeFile(dir + "/bad", "{not json")
    #expect(Monitor.readExit(dir + "/bad") == nil)
    try Sys.writeFile(dir + "/good", #"{"exitCode":3,"exitedAt":5,"oomKilled":false,"reason":"Error"}"#)
    #expect(Monitor.readExit(dir + "/good") == ExitRecord(exitCode: 3, exitedAt: 5, reason: "Error"))
    #expect(!Monitor.isRunning(stateDir: dir))
  }

  @Test("MonitorOptions and SyncReport round-trip through JSON")
  func optionsJSON() throws {
    let options = MonitorOptions(
      id: "c1", bundle: "/b", stateDir: "/s", runtimePath: "/usr/sbin/runc", runtimeRoot: "/run/r",
      runtimeOptions: ["--systemd-cgroup"], logPath: "/l", exitFile: "/e/c1", stdin: true, logSizeMax: 1024)
    #expect(try JSON.decode(MonitorOptions.self, from: try JSON.encode(options)) == options)
    #expect(options.runtimeGlobalArguments == ["--root", "/run/r", "--systemd-cgroup"])
    #expect(try JSON.string(SyncReport(pid: 7)) == #"{"pid":7}"#)
    #expect(try JSON.string(SyncReport(error: "bad \"x\"")) == #"{"error":"bad \"x\""}"#)
  }

  @Test(arguments: [
    (#"{"level":"warning","msg":"w","time":"t"}"# + "\n" + #"{"level":"error","msg":"exec: \"x\": not found","time":"t"}"#, #"exec: "x": not found"#),
    (#"time="2026-01-01T00:00:00Z" level=error msg="container \"a\" does not exist""#, #"container "a" does not exist"#),
    ("level=info msg=starting\nplain failure text\n", "plain failure text"),
    ("container nope does not exist\n", "container nope does not exist"),
    ("\n  \n", nil),
  ])
  func runtimeMessages(text: String, expected: String?) {
    #expect(RuntimeMessages.lastError(text) == expected)
  }

  @Test(arguments: [
    ("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", UInt64(3)),
    ("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n", 2),
    ("under_oom 0\n", nil),
  ])
  func oomCounts(text: String, expected: UInt64?) {
    #expect(OOMCounter.parse(text) == expected)
  }

  @Test("the OOM counter file of v1 and v2 cgroup tables")
  func oomCounterFile() {
    let hybrid = "12:pids:/c1\n5:memory:/pod/c1\n1:name=systemd:/c1\n0::/c1\n"
    #expect(OOMCounter.counterFile(cgroupTable: hybrid, cgroupRoot: "/cg") == "/cg/memory/pod/c1/memory.oom_control")
    let unified = "0::/pod/c1\n"
    // No /cg/cgroup.controllers here, so the v2 hierarchy is taken to be at <root>/unified.
    #expect(OOMCounter.counterFile(cgroupTable: unified, cgroupRoot: "/nonexistent-cg") == "/nonexistent-cg/unified/pod/c1/memory.events")
    #expect(OOMCounter.counterFile(cgroupTable: "", cgroupRoot: "/cg") == nil)
  }

  @Test(arguments: [
    ("container abc does not exist", "notFound"),
    (#"exec: "x": executable file not found in $PATH"#, "notFound"),
    ("container not running", "invalidState"),
    ("cannot kill container a: it is stopped", "invalidState"),
    ("open /x: permission denied", "permissionDenied"),
    ("invalid mount option", "invalidArgument"),
  ])
  func errorCodes(message: String, code: String) {
    #expect(OCIRuntime.code(for: message).description == code)
  }
}
