import BerthSys

/// What the stats RPCs report of one cgroup. A figure is nil when its control file is missing
/// or unreadable (a controller not mounted, a kernel without it), never a guessed zero.
struct CgroupUsage: Sendable, Equatable {
  /// CPU time of every task in the cgroup and its descendants, in nanoseconds.
  var cpuNanoseconds: UInt64?
  /// Memory charged to the cgroup, page cache included.
  var memoryBytes: UInt64?
  /// `memoryBytes` minus the inactive file cache: what the kernel cannot easily reclaim (the
  /// figure the kubelet evicts on, as containerd and cAdvisor compute it).
  var workingSetBytes: UInt64?
  /// Anonymous memory and swap cache (v1 `total_rss`, v2 `anon`).
  var rssBytes: UInt64?
  /// Page faults and major page faults since the cgroup was made.
  var pageFaults: UInt64?
  var majorPageFaults: UInt64?
  /// The memory limit; nil when there is none (v2 `max`, v1's page-rounded `LONG_MAX`).
  var memoryLimitBytes: UInt64?
  /// Tasks (threads included) in the cgroup.
  var processes: UInt64?

  /// What is left below the limit: the limit minus the working set; nil without a limit.
  var availableBytes: UInt64? {
    guard let limit = memoryLimitBytes, let used = workingSetBytes else { return nil }
    return limit > used ? limit - used : 0
  }
}

/// The cgroup filesystem, reached only through the `read` and `write` closures, so tests run on
/// a faked `/sys/fs/cgroup` tree. v1 has one hierarchy per controller (`<root>/memory/<path>`);
/// v2 one unified hierarchy (`<root>/<path>`). Reads and writes block: call through `offload`.
struct CgroupFiles: Sendable {
  /// Which hierarchy the node runs.
  enum Layout: Sendable, Equatable {
    /// Per-controller hierarchies (also the "hybrid" layout, whose controller-less cgroup2
    /// mount at `<root>/unified` holds nothing the stats need).
    case v1
    /// The unified hierarchy: `<root>/cgroup.controllers` exists.
    case v2
  }

  /// The mount point of the hierarchies, normally `/sys/fs/cgroup`.
  var root: String
  var layout: Layout
  /// A whole control file, or nil if it cannot be read.
  var read: @Sendable (String) -> String?
  /// Writes a value into an existing control file.
  var write: @Sendable (_ path: String, _ value: String) throws -> Void

  /// The node's cgroupfs at `/sys/fs/cgroup`, its layout detected.
  static func host() -> CgroupFiles {
    let root = "/sys/fs/cgroup"
    return CgroupFiles(
      root: root, layout: Sys.exists(root + "/cgroup.controllers") ? .v2 : .v1,
      read: { try? Sys.readFile($0) },
      write: { path, value in try Sys.writeFile(path, value, create: false) })
  }

  /// The directory of `path` (a cgroupfs path such as `/berth/<pod>/<container>`): in
  /// `controller`'s hierarchy on v1, in the unified one on v2.
  func directory(_ controller: String, _ path: String) -> String {
    let relative = path.hasPrefix("/") ? path : "/" + path
    switch layout {
    case .v1: return root + "/" + controller + (relative == "/" ? "" : relative)
    case .v2: return root + (relative == "/" ? "" : relative)
    }
  }

  /// The first readable file of `name` among the hierarchies of `controllers` (v1 mounts cpuacct
  /// alone on some nodes, joined with cpu as `cpu,cpuacct` on others).
  private func file(_ controllers: [String], _ path: String, _ name: String) -> String? {
    for controller in controllers {
      if let text = read(directory(controller, path) + "/" + name) { return text }
    }
    return nil
  }

  /// The cgroup's figures; nil when the cgroup does not exist (no memory or CPU file readable).
  func usage(of path: String) -> CgroupUsage? {
    var usage = CgroupUsage()
    switch layout {
    case .v1:
      usage.cpuNanoseconds = file(["cpuacct", "cpu,cpuacct", "cpuacct,cpu"], path, "cpuacct.usage").flatMap(Self.number)
      if let current = file(["memory"], path, "memory.usage_in_bytes").flatMap(Self.number) {
        let stat = Self.keyedValues(file(["memory"], path, "memory.stat") ?? "")
        // The total_ figures include descendant cgroups, as the usage does.
        usage.memoryBytes = current
        let inactive = stat["total_inactive_file"] ?? stat["inactive_file"]
        usage.workingSetBytes = inactive.map { current > $0 ? current - $0 : 0 } ?? current
        usage.rssBytes = stat["total_rss"] ?? stat["rss"]
        usage.pageFaults = stat["total_pgfault"] ?? stat["pgfault"]
        usage.majorPageFaults = stat["total_pgmajfault"] ?? stat["pgmajfault"]
        // "No limit" reads as LONG_MAX rounded down to a page.
        usage.memoryLimitBytes = file(["memory"], path, "memory.limit_in_bytes").flatMap(Self.number).flatMap {
          $0 >= Self.unlimitedV1 ? nil : $0
        }
      }
      usage.processes = file(["pids"], path, "pids.current").flatMap(Self.number)
    case .v2:
      usage.cpuNanoseconds = file([""], path, "cpu.stat").flatMap { Self.keyedValues($0)["usage_usec"] }.map { $0 &* 1000 }
      if let current = file([""], path, "memory.current").flatMap(Self.number) {
        let stat = Self.keyedValues(file([""], path, "memory.stat") ?? "")
        usage.memoryBytes = current
        usage.workingSetBytes = stat["inactive_file"].map { current > $0 ? current - $0 : 0 } ?? current
        usage.rssBytes = stat["anon"]
        usage.pageFaults = stat["pgfault"]
        usage.majorPageFaults = stat["pgmajfault"]
        usage.memoryLimitBytes = file([""], path, "memory.max").flatMap(Self.number)
      }
      usage.processes = file([""], path, "pids.current").flatMap(Self.number)
    }
    return usage.cpuNanoseconds == nil && usage.memoryBytes == nil ? nil : usage
  }

  /// v1 memory limits from here up mean "no limit" (the kernel's is 2^63 − 1 rounded to a page).
  static let unlimitedV1: UInt64 = 1 << 62

  /// A control file holding one number; nil for `max` or anything that is not a number.
  static func number(_ text: String) -> UInt64? {
    UInt64(text.trimmingWhitespace)
  }

  /// The `key value` lines of a flat-keyed file (`memory.stat`, `cpu.stat`); lines that do not
  /// have that shape are skipped.
  static func keyedValues(_ text: String) -> [String: UInt64] {
    var values: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count == 2, let value = UInt64(fields[1]) else { continue }
      values[String(fields[0])] = value
    }
    return values
  }
}
