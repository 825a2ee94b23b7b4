import BerthSys

/// The OOM-kill counter of a process's memory cgroup: cgroup v1 `memory.oom_control`
/// (`oom_kill N`) when the memory controller is on v1, else cgroup v2 `memory.events`. The
/// monitor reads it when the container is created and when it exits; a larger count means the
/// OOM killer acted in the container.
public struct OOMCounter: Sendable {
  /// The file the count is read from; nil when the process has no memory cgroup we can read.
  public let file: String?
  /// The count when the counter was made.
  public let baseline: UInt64

  /// The counter of `pid`'s memory cgroup (`cgroupRoot`: where the hierarchies are mounted).
  public init(pid: Int32, cgroupRoot: String = "/sys/fs/cgroup") {
    let table = (try? Sys.readFile("/proc/\(pid)/cgroup")) ?? ""
    file = OOMCounter.counterFile(cgroupTable: table, cgroupRoot: cgroupRoot)
    baseline = file.flatMap(OOMCounter.read) ?? 0
  }

  /// True when the count grew since the counter was made.
  public var killed: Bool {
    guard let file, let now = OOMCounter.read(file) else { return false }
    return now > baseline
  }

  /// The counter file for a /proc/PID/cgroup table: v1 memory if listed, else the v2 entry.
  public static func counterFile(cgroupTable: String, cgroupRoot: String) -> String? {
    var unified: String?
    for line in cgroupTable.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      let path = fields[2] == "/" ? "" : String(fields[2])
      if fields[1].split(separator: ",").contains("memory") {
        return "\(cgroupRoot)/memory\(path)/memory.oom_control"
      }
      if fields[0] == "0" && fields[1].isEmpty {
        // Hybrid hosts mount cgroup2 at <root>/unified; unified ones at <root>.
        let mount = Sys.exists(cgroupRoot + "/cgroup.controllers") ? cgroupRoot : cgroupRoot + "/unified"
        unified = "\(mount)\(path)/memory.events"
      }
    }
    return unified
  }

  /// The `oom_kill` count of a counter file.
  public static func read(_ file: String) -> UInt64? {
    guard let text = try? Sys.readFile(file) else { return nil }
    return parse(text)
  }

  /// The value of the `oom_kill` line of memory.oom_control or memory.events text.
  public static func parse(_ text: String) -> UInt64? {
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: " ")
      if parts.count == 2 && parts[0] == "oom_kill" { return UInt64(parts[1]) }
    }
    return nil
  }
}
