import BerthError
import BerthOCI
import BerthRuntimeClient
import BerthSys
import Foundation
import Testing

extension MonitorIntegration {
  /// The runtime verbs berthd calls through OCIRuntime.
  @Suite struct RuntimeVerbs {
    @Test("state, start, pause, resume, update, kill and delete", arguments: RuntimeKind.installed)
    func lifecycle(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "verbs") { box in
        #expect(try box.runtime.state(id: box.id) == nil)
        let pids = try box.launch()
        let created = try #require(try box.runtime.state(id: box.id))
        #expect(created.status == .created)
        #expect(created.pid == pids.containerPID)
        try box.runtime.start(id: box.id)
        #expect(try box.runtime.state(id: box.id)?.status == .running)
        try box.runtime.pause(id: box.id)
        #expect(try box.runtime.state(id: box.id)?.status == .paused)
        try box.runtime.resume(id: box.id)
        #expect(try box.runtime.state(id: box.id)?.status == .running)
        var resources = Resources()
        resources.memory = Resources.Memory(limit: 64 << 20)
        try box.runtime.update(id: box.id, resources: resources)
        let limit = try Sys.readFile("/sys/fs/cgroup/memory/\(box.id)/memory.limit_in_bytes")
        #expect(limit.hasPrefix("\(64 << 20)"))

        // sleep is the init of its pid namespace: only SIGKILL reaches it from outside.
        try box.runtime.kill(id: box.id, signal: SIGKILL, all: true)
        #expect(box.waitForExit()?.signal == SIGKILL)
        #expect(box.waitUntil { (try? box.runtime.state(id: box.id))??.status == .stopped })
        try box.runtime.kill(id: box.id, signal: SIGTERM)
        try box.runtime.delete(id: box.id, force: false)
        try box.runtime.delete(id: box.id, force: false)
        try box.runtime.kill(id: box.id, signal: SIGKILL)
        #expect(try box.runtime.state(id: box.id) == nil)
      }
    }

    @Test("a verb on a missing container names it", arguments: RuntimeKind.installed)
    func missing(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["true"], label: "missing") { box in
        let error = try #require(throws: BerthError.self) { try box.runtime.start(id: box.id) }
        #expect(error.code == .notFound)
        #expect(error.message.hasPrefix("start container \(box.id): "))
      }
    }

    @Test("exec collects output and feeds input", arguments: RuntimeKind.installed)
    func exec(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "exec") { box in
        try box.run()
        let echo = try box.runtime.exec(id: box.id, process: process(["sh", "-c", "echo hi; echo oops >&2; exit 4"]), timeout: 20)
        #expect(echo.stdoutText == "hi\n")
        #expect(echo.stderrText == "oops\n")
        #expect(echo.status == 4)
        #expect(!echo.timedOut)
        let cat = try box.runtime.exec(id: box.id, process: process(["cat"]), timeout: 20, input: Array("abc".utf8))
        #expect(cat.stdoutText == "abc")
        #expect(cat.status == 0)
      }
    }

    @Test("exec past its timeout kills the process and the runtime", arguments: RuntimeKind.installed)
    func execTimeout(kind: RuntimeKind) throws {
      try withSandbox(kind, args: ["sleep", "100"], label: "exectime") { box in
        try box.run()
        let started = Date()
        let output = try box.runtime.exec(id: box.id, process: process(["sleep", "37"]), timeout: 0.5)
        #expect(output.timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(box.waitUntil(timeout: 5) { liveProcesses(argv: ["sleep", "37"]).isEmpty })
        #expect(try box.runtime.state(id: box.id)?.status == .running)
      }
    }
  }
}

/// A process for exec in the busybox rootfs.
func process(_ args: [String]) -> Spec.Process {
  Spec.Process(args: args, env: ["PATH=/bin"], cwd: "/")
}
