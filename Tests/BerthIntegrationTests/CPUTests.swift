import BerthOCI
import Foundation
import Testing

extension Integration {
  /// CPU limits on the host's v1 cpu and cpuset hierarchies, and `update` of them.
  @Suite(.containerScope)
  struct CPULimits {
    @Test("cpu shares, CFS quota and period and cpuset.cpus are on the host; update changes them")
    func cpuResources() throws {
      try withFixture("cpu") { f in
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          spec.linux?.resources?.cpu = Resources.CPU(shares: 512, quota: 50_000, period: 100_000, cpus: "0")
        }
        let id = f.newID()
        let pid = try f.startDetached(bundle, id: id)
        func cpu(_ file: String) -> String? { HostProbe.cgroupFile("cpu", id: id, file) }
        #expect(cpu("cpu.shares") == "512")
        #expect(cpu("cpu.cfs_quota_us") == "50000")
        #expect(cpu("cpu.cfs_period_us") == "100000")
        #expect(HostProbe.cgroupFile("cpuset", id: id, "cpuset.cpus") == "0")
        let allowed = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
          .split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        #expect(allowed?.split(separator: "\t").last == "0", "init may run on CPU 0 only: \(allowed ?? "none")")

        let quota = try f.runtime("update", "--cpu-quota", "20000", "--cpu-period", "100000", id)
        #expect(quota.succeeded, "\(quota)")
        #expect(cpu("cpu.cfs_quota_us") == "20000")
        #expect(cpu("cpu.cfs_period_us") == "100000")
        #expect(cpu("cpu.shares") == "512", "an update of the quota keeps the shares")

        let more = try f.runtime("update", "--cpu-shares", "256", "--cpu-quota", "-1", "--cpuset-cpus", "0-1", id)
        #expect(more.succeeded, "\(more)")
        #expect(cpu("cpu.shares") == "256")
        #expect(cpu("cpu.cfs_quota_us") == "-1", "-1 lifts the quota")
        let cpus = ProcessInfo.processInfo.activeProcessorCount > 1 ? "0-1" : "0"
        if cpus == "0-1" { #expect(HostProbe.cgroupFile("cpuset", id: id, "cpuset.cpus") == "0-1") }
        #expect(try f.state(id)?.status == .running)
      }
    }
  }

  /// `exec` into a container with its own user namespace.
  @Suite(.containerScope)
  struct UserNamespaceExec {
    @Test("exec in a user namespace: root inside, the mapped uid 100000 on the host")
    func execMapsIDs() throws {
      try withFixture("usernsexec") { f in
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          spec.linux?.namespaces?.append(Spec.Namespace(type: "user"))
          spec.linux?.uidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
          spec.linux?.gidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
        }
        let id = f.newID()
        let initPid = try f.startDetached(bundle, id: id)
        #expect(hostIDs(initPid, "Uid") == ["100000", "100000", "100000", "100000"])

        let inside = try f.runtime("exec", id, "sh", "-c", "id -u; id -g; cat /proc/self/uid_map")
        #expect(inside.succeeded, "\(inside)")
        let lines = inside.stdout.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        #expect(lines == ["0", "0", "0 100000 65536"], "\(inside)")

        let pidFile = f.scratch.appendingPathComponent("exec.pid").path
        let detached = try f.runtime("exec", "--detach", "--pid-file", pidFile, id, "sleep", "20")
        #expect(detached.succeeded, "\(detached)")
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        let execPid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "pid file: \(text.debugDescription)")
        #expect(HostProbe.isAlive(execPid))
        #expect(hostIDs(execPid, "Uid") == ["100000", "100000", "100000", "100000"])
        #expect(hostIDs(execPid, "Gid") == ["100000", "100000", "100000", "100000"])
        let namespace = { (pid: Int32) in try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user") }
        #expect(namespace(execPid) != nil && namespace(execPid) == namespace(initPid), "the exec joined init's user namespace")
        #expect(namespace(execPid) != namespace(getpid()))
      }
    }
  }
}

/// The four ids of a "Uid:" or "Gid:" line of /proc/PID/status, as the host sees them.
private func hostIDs(_ pid: Int32, _ field: String) -> [String] {
  let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
  let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
  return line.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init)
}
