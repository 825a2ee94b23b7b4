import BerthOCI
import Foundation
import Testing

/// An init that exits cleanly on SIGTERM (a pid-namespace init ignores signals it has no handler
/// for, so plain `sleep` would not die of TERM).
private let trappingInit = ["sh", "-c", "trap 'exit 0' TERM; sleep 30 & wait"]

extension Integration {
  @Suite(.containerScope)
  struct Lifecycle {
    @Test("create → created → start → running → kill TERM → stopped → delete → gone")
    func fullLifecycle() throws {
      try withFixture("life") { f in
        let bundle = try f.bundle(trappingInit)
        let id = f.newID()
        let created = try f.runtime("create", "--bundle", bundle.directory.path, id)
        #expect(created.succeeded, "\(created)")
        let afterCreate = try #require(try f.state(id))
        #expect(afterCreate.status == .created)
        #expect(afterCreate.pid > 0)
        #expect(afterCreate.id == id)
        #expect(afterCreate.bundle == bundle.directory.path)
        #expect(HostProbe.isAlive(afterCreate.pid))

        #expect(try f.runtime("start", id).succeeded)
        let running = try #require(try f.state(id))
        #expect(running.status == .running)
        #expect(running.pid == afterCreate.pid)

        #expect(try f.runtime("kill", id, "TERM").succeeded)
        let stopped = try f.waitFor(id, .stopped)
        #expect(stopped?.status == .stopped)
        #expect(!HostProbe.isAlive(afterCreate.pid))

        let deleted = try f.runtime("delete", id)
        #expect(deleted.succeeded, "\(deleted)")
        let gone = try f.runtime("state", id)
        #expect(!gone.succeeded)
        #expect(gone.stderr.contains(id), "\(gone)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
      }
    }

    @Test("exec prints output and returns the exit code of the command", arguments: [0, 3, 42])
    func execExitCode(code: Int) throws {
      try withFixture("exec") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        let result = try f.runtime("exec", id, "sh", "-c", "echo exec-out-$((\(code) + 1000)); exit \(code)")
        #expect(result.status == Int32(code), "\(result)")
        #expect(result.stdout == "exec-out-\(code + 1000)\n")
        #expect(try f.state(id)?.status == .running, "an exec must not disturb the container")
      }
    }

    @Test("exec of a process killed by a signal returns 128 + the signal", arguments: [("KILL", 9), ("TERM", 15)])
    func execSignalled(signal: String, number: Int32) throws {
      try withFixture("execsig") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        let result = try f.runtime("exec", id, "sh", "-c", "kill -\(signal) $$; sleep 5")
        #expect(result.status == 128 + number, "\(result)")
        #expect(try f.state(id)?.status == .running)
      }
    }

    @Test("exec runs inside the container's namespaces")
    func execJoinsContainer() throws {
      try withFixture("execns") { f in
        let bundle = try f.bundle(["sleep", "30"]) { $0.hostname = "exec-host" }
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        let result = try f.runtime("exec", id, "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo")
        #expect(result.succeeded, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "exec-host")
        #expect(lines.dropFirst().first == "sleep 30 ", "pid 1 of the exec's pid namespace is the container's init")
      }
    }

    @Test("ps --format json lists the container's processes")
    func psJSON() throws {
      try withFixture("ps") { f in
        let bundle = try f.bundle(["sh", "-c", "sleep 30 & sleep 30 & wait"])
        let id = f.newID()
        let initPid = try f.startDetached(bundle, id: id)
        // The two sleeps appear once the shell has forked them.
        var pids: [Int32] = []
        let deadline = Date().addingTimeInterval(5)
        repeat {
          let ps = try f.runtime("ps", "--format", "json", id)
          #expect(ps.succeeded, "\(ps)")
          pids = try JSONDecoder().decode([Int32].self, from: Data(ps.stdout.utf8))
          if pids.count >= 3 { break }
          Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        #expect(pids.contains(initPid))
        #expect(pids.count == 3, "init and two sleeps: \(pids)")
        for pid in pids {
          let cgroup = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
          #expect(cgroup.contains("/\(id)\n"), "pid \(pid) is in the container's cgroup")
        }
      }
    }

    @Test("pause → paused (frozen on the host) → resume → running")
    func pauseResume() throws {
      try withFixture("pause") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        let paused = try f.runtime("pause", id)
        #expect(paused.succeeded, "\(paused)")
        #expect(try f.state(id)?.status == .paused)
        #expect(HostProbe.cgroupFile("freezer", id: id, "freezer.state") == "FROZEN")
        let resumed = try f.runtime("resume", id)
        #expect(resumed.succeeded, "\(resumed)")
        #expect(try f.state(id)?.status == .running)
        #expect(HostProbe.cgroupFile("freezer", id: id, "freezer.state") == "THAWED")
        // Resuming a running container is an error.
        let again = try f.runtime("resume", id)
        #expect(!again.succeeded)
        #expect(again.errorLines.count == 1, "\(again)")
      }
    }

    @Test("update changes the limits of a running container on the host")
    func update() throws {
      try withFixture("update") { f in
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          spec.linux?.resources?.pids = Resources.Pids(limit: 20)
        }
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        #expect(HostProbe.cgroupFile("pids", id: id, "pids.max") == "20")
        let updated = try f.runtime("update", "--pids-limit", "7", id)
        #expect(updated.succeeded, "\(updated)")
        #expect(HostProbe.cgroupFile("pids", id: id, "pids.max") == "7")
        let memory = try f.runtime("update", "--memory", "67108864", id)
        #expect(memory.succeeded, "\(memory)")
        #expect(HostProbe.cgroupFile("memory", id: id, "memory.limit_in_bytes") == "67108864")
        #expect(HostProbe.cgroupFile("pids", id: id, "pids.max") == "7", "a memory update keeps the pids limit")
      }
    }

    @Test("events --stats prints one stats event as JSON")
    func eventsStats() throws {
      try withFixture("events") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        let events = try f.runtime("events", "--stats", id)
        #expect(events.succeeded, "\(events)")
        let lines = events.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(events)")
        let object = try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any]
        #expect(object?["type"] as? String == "stats")
        #expect(object?["id"] as? String == id)
        #expect(object?["data"] is [String: Any])
      }
    }

    @Test("run --detach returns while the container keeps running")
    func runDetached() throws {
      try withFixture("detach") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let started = Date()
        let result = try f.runtime("run", "--detach", "--bundle", bundle.directory.path, id)
        #expect(result.succeeded, "\(result)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try f.state(id)?.status == .running)
      }
    }

    @Test("run (attached) returns the container's exit status and deletes it", arguments: [0, 1, 7])
    func runExitStatus(code: Int) throws {
      try withFixture("runexit") { f in
        let bundle = try f.bundle(["sh", "-c", "echo ran; exit \(code)"])
        let id = f.newID()
        let result = try f.run(bundle, id: id)
        #expect(result.status == Int32(code), "\(result)")
        #expect(result.stdout == "ran\n")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty, "run deletes the container when it exits")
      }
    }
  }
}
