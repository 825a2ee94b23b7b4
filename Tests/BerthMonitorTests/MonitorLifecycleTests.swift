import BerthError
import BerthOCI
import BerthRuntimeClient
import BerthSys
import Foundation
import Testing

extension MonitorIntegration {
  /// The container's output in the CRI log, and the exit record.
  @Suite struct Output {
    @Test("stdout and stderr become CRI log lines; exit 0 is Completed", arguments: RuntimeKind.installed)
    func stdoutAndStderr(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sh", "-c", "echo out1; echo err1 >&2; echo out 2; printf tail"], label: "echo") { box in
        let pids = try box.run()
        #expect(pids.containerPID > 0 && pids.monitorPID > 0)
        let record = try #require(box.waitForExit())
        #expect(record == ExitRecord(exitCode: 0, exitedAt: record.exitedAt, reason: "Completed"))
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        #expect(abs(now - record.exitedAt) < 60_000_000_000)

        let lines = try #require(box.logLines(), "malformed log: \(String(decoding: (try? Sys.readBytes(box.logPath)) ?? [], as: UTF8.self))")
        let stdout = lines.filter { $0.stream == .stdout }.map { "\(Character(UnicodeScalar($0.tag.rawValue))) " + String(decoding: $0.content, as: UTF8.self) }
        let stderr = lines.filter { $0.stream == .stderr }.map { "\(Character(UnicodeScalar($0.tag.rawValue))) " + String(decoding: $0.content, as: UTF8.self) }
        // The last line has no newline: a P piece, as containerd and conmon write it.
        #expect(stdout == ["F out1", "F out 2", "P tail"])
        #expect(stderr == ["F err1"])
        for line in lines {
          #expect(isCRITimestamp(line.timestamp), "bad timestamp \(line.timestamp)")
        }
        // The monitor is gone and took its socket and pid file with it.
        #expect(box.waitUntil { !Monitor.isRunning(stateDir: box.stateDir) })
        #expect(!Sys.exists(MonitorFiles.socket(box.stateDir)))
        #expect(!Sys.exists(MonitorFiles.pid(box.stateDir)))
      }
    }

    @Test("a non-zero exit status is recorded as Error", arguments: RuntimeKind.installed)
    func exitStatus(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sh", "-c", "exit 3"], label: "exit") { box in
        try box.run()
        let record = try #require(box.waitForExit())
        #expect(record.exitCode == 3)
        #expect(record.signal == nil)
        #expect(record.reason == "Error")
        #expect(!record.oomKilled)
      }
    }

    @Test("a line longer than the buffer is split into P pieces and an F piece", arguments: RuntimeKind.installed)
    func longLine(kind: RuntimeKind) throws {
      // 65536 x's: four pieces of 16 KiB, the last one F.
      let script = "s=x; while [ ${#s} -lt 40000 ]; do s=$s$s; done; echo $s; echo short"
      try withSandbox(kind, args: ["sh", "-c", script], label: "long") { box in
        try box.run()
        #expect(box.waitForExit()?.exitCode == 0)
        let lines = try #require(box.logLines()).filter { $0.stream == .stdout }
        #expect(lines.map(\.tag) == [.partial, .partial, .partial, .full, .full])
        #expect(lines.prefix(4).allSatisfy { $0.content.count == CRILog.defaultMaxLine })
        #expect(box.logText(.stdout) == String(repeating: "x", count: 65536) + "\nshort\n")
      }
    }

    @Test("reopenLog after a rename sends new output to a new file", arguments: RuntimeKind.installed)
    func reopen(kind: RuntimeKind) throws {
      let script = "echo before; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo after"
      try withSandbox(kind, args: ["sh", "-c", script], label: "reopen") { box in
        try box.run()
        #expect(box.waitUntil { box.logText(.stdout) == "before\n" })
        let rotated = box.logPath + ".1"
        #expect(rename(box.logPath, rotated) == 0)
        try Monitor.reopenLog(stateDir: box.stateDir)
        #expect(Sys.exists(box.logPath))
        try Sys.writeFile(box.bundle + "/rootfs/tmp/go", "")
        #expect(box.waitForExit()?.exitCode == 0)
        #expect(box.logText(.stdout, path: rotated) == "before\n")
        #expect(box.logText(.stdout) == "after\n")
      }
    }
  }

  /// Signals, kills before start, OOM, and the monitor's independence from its launcher.
  @Suite struct Exits {
    @Test("SIGKILL is exit code 137 with signal 9", arguments: RuntimeKind.installed)
    func killed(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "kill") { box in
        try box.run()
        try box.runtime.kill(id: box.id, signal: SIGKILL)
        let record = try #require(box.waitForExit())
        #expect(record.exitCode == 137)
        #expect(record.signal == 9)
        #expect(record.reason == "Error")
        // Killing a stopped container again is not an error.
        try box.runtime.kill(id: box.id, signal: SIGKILL)
      }
    }

    @Test("a created container deleted before start still gets an exit record", arguments: RuntimeKind.installed)
    func deletedBeforeStart(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "nostart") { box in
        try box.launch()
        #expect(try box.runtime.state(id: box.id)?.status == .created)
        try box.runtime.delete(id: box.id, force: true)
        let record = try #require(box.waitForExit())
        #expect(record.exitCode == 137 && record.signal == 9)
        #expect(try box.runtime.state(id: box.id) == nil)
      }
    }

    @Test("the OOM killer is reported", arguments: RuntimeKind.installed)
    func oomKilled(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sh", "-c", "x=a; while true; do x=$x$x; done"], label: "oom") { box in
        let limit: Int64 = 8 << 20
        var resources = box.spec.linux?.resources ?? Resources()
        resources.memory = Resources.Memory(limit: limit, swap: limit)
        box.spec.linux?.resources = resources
        try box.writeSpec()
        try box.run()
        let record = try #require(box.waitForExit(timeout: 60))
        #expect(record.oomKilled)
        #expect(record.reason == "OOMKilled")
        #expect(record.exitCode == 137)
      }
    }

    @Test("the monitor is not a child of its launcher and has its own session", arguments: RuntimeKind.installed)
    func detached(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "detach") { box in
        let pids = try box.launch()
        let status = try Sys.readFile("/proc/\(pids.monitorPID)/status")
        let ppid = status.split(separator: "\n").first { $0.hasPrefix("PPid:") }.flatMap { Int32($0.split(separator: "\t").last ?? "") }
        // Adopted by init or by the nearest subreaper, never the launching process.
        #expect(ppid != nil && ppid != getpid())
        #expect(getsid(pids.monitorPID) != getsid(0))
        #expect(Monitor.isRunning(stateDir: box.stateDir))
        #expect(Monitor.pid(stateDir: box.stateDir) == pids.monitorPID)
        // It is the container's parent (a subreaper) once the runtime has exited.
        let containerStatus = try Sys.readFile("/proc/\(pids.containerPID)/status")
        #expect(containerStatus.contains("PPid:\t\(pids.monitorPID)\n"))
      }
    }
  }

  /// Failures of `runtime create` reach the caller with the runtime's message.
  @Suite struct CreateFailure {
    enum Failure: String, CaseIterable, Sendable {
      case missingBinary, missingRootfs
    }

    @Test(arguments: RuntimeKind.installed, Failure.allCases)
    func createFails(kind: RuntimeKind, failure: Failure) throws {
      try withSandbox(kind, args: ["/bin/no-such-program"], label: "fail") { box in
        let expected: String
        switch failure {
        case .missingBinary:
          expected = "no-such-program"
        case .missingRootfs:
          box.spec.process?.args = ["true"]
          box.spec.root?.path = "no-such-rootfs"
          try box.writeSpec()
          expected = "no-such-rootfs"
        }
        let error = try #require(throws: BerthError.self) { try box.launch() }
        #expect(error.message.contains(expected), "message: \(error.message)")
        #expect(error.message.hasPrefix("create container \(box.id): "))
        // Nothing left: no monitor, no container, no pid file or socket.
        #expect(liveProcesses(mentioning: MonitorFiles.config(box.stateDir)).isEmpty)
        #expect(!Monitor.isRunning(stateDir: box.stateDir))
        #expect(!Sys.exists(MonitorFiles.pid(box.stateDir)))
        #expect(!Sys.exists(MonitorFiles.socket(box.stateDir)))
        #expect(try box.runtime.state(id: box.id) == nil)
      }
    }
  }
}

/// "2026-11-23T10:00:00.123456789Z": RFC 3339, UTC, nine fraction digits.
func isCRITimestamp(_ text: String) -> Bool {
  let pattern = Array("dddd-dd-ddTdd:dd:dd.dddddddddZ")
  let chars = Array(text)
  guard chars.count == pattern.count else { return false }
  return zip(chars, pattern).allSatisfy { char, expected in expected == "d" ? char.isASCII && char.isNumber : char == expected }
}

extension MonitorIntegration {
  /// monitor.sock: one reply line per request line, several requests per connection.
  @Suite struct SocketProtocol {
    @Test("requests are answered in order; unknown ones get an error line")
    func lineProtocol() throws {
      try withSandbox(.berth, args: ["sleep", "100"], label: "sock") { box in
        try box.run()
        let fd = try UnixSocket.connect(MonitorFiles.socket(box.stateDir))
        defer { close(fd) }
        try Sys.writeAll(fd: fd, Array("reopen\nbogus arg\n\nreopen\n".utf8), what: "socket")
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while received.filter({ $0 == 0x0a }).count < 4 {
          let n = read(fd, &buffer, buffer.count)
          guard n > 0 else { break }
          received += buffer[0..<n]
        }
        #expect(String(decoding: received, as: UTF8.self) == "ok\nerror unknown request bogus\nerror empty request\nok\n")
      }
    }
  }
}
