import Foundation

/// Looks at the host for what a container leaves behind: state entries, cgroup directories and
/// processes.
enum HostProbe {
  static let cgroupRoot = "/sys/fs/cgroup"

  /// The directory of a container's cgroup in one v1 controller (or "unified"), for the default
  /// cgroupsPath "/<id>".
  static func cgroupDirectory(_ controller: String, id: String) -> String {
    "\(cgroupRoot)/\(controller)/\(id)"
  }

  /// Reads a cgroup file of a container, trimmed.
  static func cgroupFile(_ controller: String, id: String, _ file: String) -> String? {
    (try? String(contentsOfFile: cgroupDirectory(controller, id: id) + "/" + file, encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Every cgroup directory under any hierarchy whose name matches.
  static func cgroupDirectories(matching match: Match) -> [String] {
    let fm = FileManager.default
    let hierarchies = (try? fm.contentsOfDirectory(atPath: cgroupRoot)) ?? []
    return hierarchies.flatMap { hierarchy -> [String] in
      let entries = (try? fm.contentsOfDirectory(atPath: "\(cgroupRoot)/\(hierarchy)")) ?? []
      return entries.filter(match.test).map { "\(cgroupRoot)/\(hierarchy)/\($0)" }
    }
  }

  /// Live host processes whose /proc/PID/cgroup names a matching cgroup. Zombies do not count:
  /// this VM's pid 1 is slow to reap the orphaned inits, which is no concern of the runtime.
  static func processes(inCgroupMatching match: Match) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> Int32? in
      guard let pid = Int32(entry), isAlive(pid),
        let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
      else { return nil }
      let inside = text.split(separator: "\n").contains { line in
        line.split(separator: "/").last.map { match.test(String($0)) } ?? false
      }
      return inside ? pid : nil
    }
  }

  /// Entries of a state root for matching ids: the container directory and its `.ID.lock`.
  static func stateEntries(root: String, matching match: Match) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { name in
      match.test(name) || (name.hasPrefix(".") && name.hasSuffix(".lock") && match.test(String(name.dropFirst().dropLast(5))))
    }
  }

  /// "comm state ppid" of a process, for messages.
  static func describe(_ pid: Int32) -> String {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    let cgroup = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
    return stat.split(separator: " ").prefix(4).joined(separator: " ") + " | " + cgroup.split(separator: "\n").joined(separator: " ")
  }

  /// Whether a process exists (and is not a zombie).
  static func isAlive(_ pid: Int32) -> Bool {
    guard pid > 0, kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].dropFirst(2).hasPrefix("Z")
  }

  /// Which names count as a container's: one id exactly, or every id with a prefix.
  enum Match {
    case id(String)
    case prefix(String)
    func test(_ name: String) -> Bool {
      switch self {
      case .id(let id): name == id
      case .prefix(let prefix): name.hasPrefix(prefix)
      }
    }
  }

  /// Everything found for matching ids, as readable lines (empty when nothing is left).
  static func leftovers(root: String, _ match: Match) -> [String] {
    stateEntries(root: root, matching: match).map { "state entry \(root)/\($0)" }
      + cgroupDirectories(matching: match).map { "cgroup \($0)" }
      + processes(inCgroupMatching: match).map { "process \($0) in the container's cgroup: \(describe($0))" }
  }
}
