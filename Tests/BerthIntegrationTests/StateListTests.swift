import BerthOCI
import Foundation
import Testing

/// RFC 3339: date, "T", time with optional fraction, and "Z" or a numeric offset.
private var rfc3339: Regex<(Substring, Substring, Substring, Substring, Substring, Substring, Substring, Substring?, Substring)> { #/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/# }

/// The seconds since 1970 of an RFC 3339 UTC ("Z") time, ignoring the fraction.
private func epochSeconds(_ text: String) -> TimeInterval? {
  guard let match = text.wholeMatch(of: rfc3339), match.output.8 == "Z" else { return nil }
  var parts = DateComponents()
  parts.calendar = Calendar(identifier: .gregorian)
  parts.timeZone = TimeZone(identifier: "UTC")
  (parts.year, parts.month, parts.day) = (Int(match.output.1), Int(match.output.2), Int(match.output.3))
  (parts.hour, parts.minute, parts.second) = (Int(match.output.4), Int(match.output.5), Int(match.output.6))
  return parts.date?.timeIntervalSince1970
}

extension Integration {
  /// What `create --pid-file`, `list` and `state` report about a container.
  @Suite(.containerScope)
  struct Reporting {
    @Test("create --pid-file writes init's pid")
    func pidFile() throws {
      try withFixture("pidfile") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let pidFile = f.scratch.appendingPathComponent("init.pid").path
        let created = try f.runtime("create", "--pid-file", pidFile, "--bundle", bundle.directory.path, id)
        try #require(created.succeeded, "\(created)")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let state = try #require(try f.state(id))
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == String(state.pid), "\(text.debugDescription)")
        #expect(HostProbe.isAlive(state.pid))
        let cgroup = (try? String(contentsOfFile: "/proc/\(state.pid)/cgroup", encoding: .utf8)) ?? ""
        #expect(cgroup.contains("/\(id)\n"), "the pid is in the container's cgroup")
      }
    }

    @Test("list: the table, -q and --format json show each container with its pid and status")
    func list() throws {
      try withFixture("list") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let running = f.newID()
        let created = f.newID()
        let runningPid = try f.startDetached(bundle, id: running)
        try #require(try f.runtime("create", "--bundle", bundle.directory.path, created).succeeded)
        let createdPid = try #require(try f.state(created)?.pid)

        let table = try f.runtime("list")
        #expect(table.succeeded, "\(table)")
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first?.prefix(3) == ["ID", "PID", "STATUS"], "\(table)")
        for (id, pid, status) in [(running, runningPid, "running"), (created, createdPid, "created")] {
          let row = rows.first { $0.first == id }
          #expect(row.map { Array($0.prefix(4)) } == [id, String(pid), status, bundle.directory.path], "\(table)")
        }

        let quiet = try f.runtime("list", "-q")
        #expect(quiet.succeeded, "\(quiet)")
        #expect(Set(quiet.stdout.split(separator: "\n").map(String.init)) == [running, created], "\(quiet)")

        let json = try f.runtime("list", "--format", "json")
        #expect(json.succeeded, "\(json)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json)")
        #expect(objects.count == 2)
        for (id, pid, status) in [(running, runningPid, "running"), (created, createdPid, "created")] {
          let object = try #require(objects.first { $0["id"] as? String == id }, "\(json)")
          #expect(object["pid"] as? Int == Int(pid))
          #expect(object["status"] as? String == status)
          #expect(object["bundle"] as? String == bundle.directory.path)
        }
      }
    }

    @Test("list of an empty root prints the header (table), nothing (-q) and an empty array (json)")
    func listEmpty() throws {
      try withFixture("listempty") { f in
        #expect(try f.runtime("list", "-q").stdout.isEmpty)
        let json = try f.runtime("list", "--format", "json")
        #expect(json.succeeded, "\(json)")
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Any]
        #expect(objects?.isEmpty == true, "\(json)")
      }
    }

    @Test("state prints the OCI fields, rootfs and an RFC 3339 creation time")
    func stateFields() throws {
      try withFixture("state") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let before = Date().timeIntervalSince1970
        let pid = try f.startDetached(bundle, id: id)
        let result = try f.runtime("state", id)
        #expect(result.succeeded, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect((object["ociVersion"] as? String)?.hasPrefix("1.") == true, "\(result)")
        #expect(object["id"] as? String == id)
        #expect(object["pid"] as? Int == Int(pid))
        #expect(object["status"] as? String == "running")
        #expect(object["bundle"] as? String == bundle.directory.path)
        #expect(object["rootfs"] as? String == bundle.rootfs.path)
        let created = object["created"] as? String ?? ""
        #expect(created.wholeMatch(of: rfc3339) != nil, "created is RFC 3339: \(created)")
        let seconds = try #require(epochSeconds(created), "created is in UTC: \(created)")
        #expect(seconds >= before.rounded(.down) && seconds <= Date().timeIntervalSince1970, "created \(created) is the time of create")
      }
    }
  }
}
