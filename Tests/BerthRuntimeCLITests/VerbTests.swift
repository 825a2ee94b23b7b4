import BerthError
import BerthOCI
import BerthRuntime
import Foundation
import Testing

@testable import BerthRuntimeCLI

@Suite struct SignalTests {
  @Test(arguments: [
    ("KILL", Int32(9)), ("SIGKILL", 9), ("sigkill", 9), ("kill", 9), ("SIGTERM", 15), ("sigterm", 15), ("TERM", 15),
    ("HUP", 1), ("SIGUSR1", 10), ("USR2", 12), ("CHLD", 17), ("SIGWINCH", 28), ("IOT", 6), ("POLL", 29), ("SYS", 31),
    ("9", 9), ("1", 1), ("64", 64), ("RTMIN", 34), ("SIGRTMIN", 34), ("RTMIN+3", 37), ("rtmin+0", 34), ("RTMIN+30", 64),
    ("RTMAX", 64), ("SIGRTMAX-2", 62), ("RTMAX-30", 34),
  ])
  func known(text: String, number: Int32) {
    #expect(Signals.number(text) == number)
  }

  @Test(arguments: [
    "FOO", "SIGFOO", "0", "65", "-9", "", "SIG", "RTMIN+40", "RTMIN+31", "RTMIN-1", "RTMAX+1", "RTMAX-31", "RTMIN+",
    "RTMIN+x", "RTMAX--1", "RTMIN+-1", " 9",
  ])
  func unknown(text: String) {
    #expect(Signals.number(text) == nil)
  }

  @Test func killRejectsAnUnknownSignalBeforeTouchingTheRuntime() throws {
    let arguments = try Arguments(["c1", "FOO"][...], options: Kill.options)
    let error = #expect(throws: BerthError.self) { try Kill.run(arguments, Context(root: "/nonexistent/berth")) }
    #expect(error?.message == "unknown signal \"FOO\"")
  }
}

@Suite struct DurationTests {
  @Test(arguments: [
    ("5s", UInt64(5_000_000)), ("500ms", 500_000), ("1m", 60_000_000), ("2", 2_000_000), ("1h", 3_600_000_000),
    ("250us", 250), ("0s", 0), ("10ms", 10_000),
  ])
  func parses(text: String, micros: UInt64) {
    #expect(Events.parseDuration(text) == micros)
  }

  @Test(arguments: ["", "abc", "5x", "-1s", "s", "ms", "5 s", "1e3"])
  func rejects(text: String) {
    #expect(Events.parseDuration(text) == nil)
  }

  /// runc's --interval is a Go time.Duration: fractions and unit sequences are valid there.
  @Test(arguments: [("1.5s", UInt64(1_500_000)), ("1m30s", 90_000_000)])
  func goDurations(text: String, micros: UInt64) {
    #expect(Events.parseDuration(text) == micros)
  }

  @Test func eventsRejectsABadInterval() throws {
    let arguments = try Arguments(["--interval", "0s", "c1"][...], options: Events.options)
    let error = #expect(throws: BerthError.self) { try Events.run(arguments, Context(root: "/nonexistent/berth")) }
    #expect(error?.message == "invalid --interval 0s")
  }
}

@Suite struct TableTests {
  @Test func alignsColumnsWithThreeSpaces() {
    let text = Table.render([["ID", "PID", "STATUS"], ["web-1", "4242", "running"], ["x", "0", "stopped"]])
    #expect(text == """
      ID      PID    STATUS
      web-1   4242   running
      x       0      stopped

      """)
  }

  @Test func lastColumnIsNotPaddedAndShortRowsWork() {
    #expect(Table.render([["a", "long-cell"], ["bbbb"]]) == "a      long-cell\nbbbb\n")
    #expect(Table.render([]) == "")
    #expect(Table.render([["only"]]) == "only\n")
  }
}

@Suite struct UpdateTests {
  func resources(_ arguments: [String]) throws -> Resources {
    try Update.resources(try Arguments((arguments + ["c1"])[...], options: Update.options))
  }

  @Test func noFlagsIsEmpty() throws {
    #expect(try resources([]) == Resources())
  }

  @Test func memoryFlags() throws {
    let result = try resources(["--memory", "1048576", "--memory-swap=-1", "--memory-reservation", "524288"])
    #expect(result.memory?.limit == 1_048_576)
    #expect(result.memory?.swap == -1)
    #expect(result.memory?.reservation == 524_288)
    #expect(result.memory?.kernel == nil)
    #expect(result.cpu == nil && result.pids == nil && result.blockIO == nil)
    let kernel = try resources(["--kernel-memory", "1", "--kernel-memory-tcp", "2"])
    #expect(kernel.memory?.kernel == 1 && kernel.memory?.kernelTCP == 2 && kernel.memory?.limit == nil)
  }

  @Test func cpuFlags() throws {
    let result = try resources([
      "--cpu-shares", "512", "--cpu-quota", "-1", "--cpu-period", "100000", "--cpu-rt-runtime", "950000",
      "--cpu-rt-period", "1000000", "--cpuset-cpus", "0-3", "--cpuset-mems", "0,1",
    ])
    let cpu = try #require(result.cpu)
    #expect(cpu.shares == 512 && cpu.quota == -1 && cpu.period == 100_000)
    #expect(cpu.realtimeRuntime == 950_000 && cpu.realtimePeriod == 1_000_000)
    #expect(cpu.cpus == "0-3" && cpu.mems == "0,1")
    #expect(result.memory == nil)
  }

  @Test func pidsAndBlkio() throws {
    let result = try resources(["--pids-limit", "-1", "--blkio-weight", "300"])
    #expect(result.pids == Resources.Pids(limit: -1))
    #expect(result.blockIO?.weight == 300)
  }

  @Test(arguments: [
    (["--memory", "1g"], "memory"), (["--cpu-shares", "-5"], "cpu-shares"), (["--blkio-weight", "70000"], "blkio-weight"),
    (["--pids-limit", "many"], "pids-limit"),
  ])
  func badNumbers(arguments: [String], flag: String) {
    let error = #expect(throws: BerthError.self) { try resources(arguments) }
    #expect(error?.message.contains("for -\(flag): not a number") == true)
  }

  @Test func flagsOverrideTheResourcesFile() throws {
    let path = FileManager.default.temporaryDirectory.path + "/berth-update-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let json = #"{"memory":{"limit":100,"swap":200},"cpu":{"shares":2,"cpus":"1"},"pids":{"limit":9}}"#
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    let result = try resources(["-r", path, "--memory", "300", "--cpuset-cpus", "0-1"])
    #expect(result.memory == Resources.Memory(limit: 300, swap: 200))
    #expect(result.cpu == Resources.CPU(shares: 2, cpus: "0-1"))
    #expect(result.pids == Resources.Pids(limit: 9))
  }

  @Test func badResourcesFile() throws {
    let path = FileManager.default.temporaryDirectory.path + "/berth-update-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(#"{"memory":{"limit":"lots"}}"#.utf8).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: BerthError.self) { try resources(["--resources", path]) }
    #expect(error?.message.hasPrefix("resources \(path): ") == true)
  }
}
