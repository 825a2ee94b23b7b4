import BerthOCI
import Foundation
import Testing

private let mebibyte: Int64 = 1024 * 1024

/// A shell that holds `megabytes` MB in a variable: real anonymous memory (RSS) of the process.
/// A shell that holds `megabytes` in memory. It volunteers as the OOM killer's victim
/// (oom_score_adj 1000, which needs no privilege), so a kill takes it and not the container's
/// other processes.
private func allocate(megabytes: Int) -> [String] {
  ["sh", "-c", "echo 1000 > /proc/self/oom_score_adj; x=$(head -c \(megabytes * 1_000_000) /dev/zero | tr '\\0' a); echo allocated ${#x}"]
}

extension Integration {
  /// cgroup limits, checked by what the kernel does to the container, not only by the files.
  @Suite(.containerScope)
  struct Limits {
    @Test("memory limit without swap: a small allocation succeeds, a large one is OOM-killed (137)", arguments: [4, 100])
    func memoryLimit(megabytes: Int) throws {
      try withFixture("oom") { f in
        let bundle = try f.bundle(allocate(megabytes: megabytes)) { spec in
          var memory = Resources.Memory(limit: 32 * mebibyte, swap: 32 * mebibyte)
          memory.swappiness = 0
          spec.linux?.resources?.memory = memory
        }
        let result = try f.run(bundle, timeout: 20)
        if megabytes * 1_000_000 < 32 * Int(mebibyte) / 2 {
          #expect(result.succeeded, "\(result)")
          #expect(result.stdout == "allocated \(megabytes * 1_000_000)\n")
        } else {
          #expect(result.status == 137, "killed by SIGKILL from the OOM killer: \(result)")
          #expect(!result.stdout.contains("allocated"))
        }
      }
    }

    @Test("memory limits are on the host cgroup and the OOM kill is counted there")
    func memoryOOMCounted() throws {
      try withFixture("oomcount") { f in
        let bundle = try f.bundle(["sh", "-c", "trap 'exit 0' TERM; sleep 30 & wait"]) { spec in
          spec.linux?.resources?.memory = Resources.Memory(limit: 32 * mebibyte, swap: 32 * mebibyte)
        }
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        #expect(HostProbe.cgroupFile("memory", id: id, "memory.limit_in_bytes") == String(32 * mebibyte))
        #expect(HostProbe.cgroupFile("memory", id: id, "memory.memsw.limit_in_bytes") == String(32 * mebibyte))
        #expect(oomKills(id) == 0)
        let exec = try f.runtime(["exec", id] + allocate(megabytes: 100), timeout: 20)
        #expect(exec.status == 137, "\(exec)")
        #expect((oomKills(id) ?? 0) >= 1, "memory.oom_control counts the kill")
        #expect(try f.state(id)?.status == .running, "the OOM killer took the exec, not init")
        let stats = try f.runtime("events", "--stats", id)
        #expect(stats.succeeded, "\(stats)")
        #expect(stats.stdout.contains("\"type\":\"stats\""), "\(stats)")
      }
    }

    @Test("pids limit: forks beyond it fail inside the container and nothing survives")
    func pidsLimit() throws {
      try withFixture("pids") { f in
        let script = "for i in $(seq 1 50); do sleep 30 & done; echo looped; wait"
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.linux?.resources?.pids = Resources.Pids(limit: 10)
        }
        let id = f.newID()
        let created = try f.runtime("create", "--bundle", bundle.directory.path, id)
        try #require(created.succeeded, "\(created)")
        #expect(HostProbe.cgroupFile("pids", id: id, "pids.max") == "10")
        let initPid = try #require(try f.state(id)?.pid)
        try #require(try f.runtime("start", id).succeeded)
        // The shell stops at its first failed fork; give it a moment to get there.
        let deadline = Date().addingTimeInterval(5)
        var current = 0
        while Date() < deadline {
          current = Int(HostProbe.cgroupFile("pids", id: id, "pids.current") ?? "") ?? 0
          if current >= 10 || !HostProbe.isAlive(initPid) { break }
          Thread.sleep(forTimeInterval: 0.05)
        }
        let failures = Int(HostProbe.cgroupFile("pids", id: id, "pids.events")?.split(separator: " ").last ?? "") ?? 0
        #expect(current <= 10)
        #expect(failures >= 1, "pids.events counts the refused forks")
        let members = HostProbe.processes(inCgroupMatching: .id(id))
        #expect(members.count <= 10, "\(members)")

        #expect(try f.runtime("kill", "--all", id, "KILL").succeeded || !HostProbe.isAlive(initPid))
        let deleted = try f.runtime("delete", "--force", id)
        #expect(deleted.succeeded, "\(deleted)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        #expect(members.filter(HostProbe.isAlive).isEmpty, "every process of the container is gone")
      }
    }

    @Test("pids limit: run reports the failed forks on stderr and exits")
    func pidsLimitRun() throws {
      try withFixture("pidsrun") { f in
        let bundle = try f.bundle(["sh", "-c", "for i in $(seq 1 50); do sleep 2 & done; wait; echo finished"]) { spec in
          spec.linux?.resources?.pids = Resources.Pids(limit: 10)
        }
        let result = try f.run(bundle)
        #expect(result.status != 0, "\(result)")
        #expect(!result.stdout.contains("finished"))
        #expect(result.stderr.contains("can't fork") || result.stderr.contains("Resource temporarily unavailable"), "\(result)")
      }
    }
  }
}

/// The `oom_kill` counter of a container's memory cgroup (cgroup v1 memory.oom_control).
private func oomKills(_ id: String) -> Int? {
  guard let text = HostProbe.cgroupFile("memory", id: id, "memory.oom_control") else { return nil }
  for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
    return Int(line.split(separator: " ").last ?? "")
  }
  return nil
}
