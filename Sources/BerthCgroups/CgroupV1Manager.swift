import BerthError
import BerthOCI

/// A container cgroup on a cgroup v1 host: one directory per controller hierarchy. In hybrid mode
/// the same path is also created and joined in the cgroup2 hierarchy (key ""), which gets no limits.
public struct CgroupV1Manager: CgroupManager {
  /// `.v1` or `.hybrid`.
  public let mode: CgroupMode
  /// Controller ("" for the hybrid cgroup2 hierarchy) to directory.
  public let paths: [String: String]
  let fs: any CgroupFS

  /// Creates a manager over already resolved paths.
  /// - Parameters:
  ///   - mode: `.v1` or `.hybrid`
  ///   - paths: controller ("" for the cgroup2 hierarchy) to the container's cgroup directory
  ///   - fs: the filesystem seam
  public init(mode: CgroupMode, paths: [String: String], fs: any CgroupFS) {
    self.mode = mode
    self.paths = paths
    self.fs = fs
  }

  /// The distinct directories, co-mounted controllers counted once, in a stable order.
  var directories: [String] { Set(paths.values).sorted() }

  /// The directory of `controller`, or nil if it is not mounted. Throws `.unsupported` instead
  /// when `needed`, that is when the config asks for a non-default value of that controller.
  func dir(_ controller: String, needed: Bool) throws -> String? {
    if let dir = paths[controller] { return dir }
    if needed {
      throw BerthError(.unsupported, "the \(controller) cgroup controller is not mounted on this host")
    }
    return nil
  }

  public func create() throws {
    for dir in directories where dir != paths["cpuset"] { try fs.mkdirAll(dir) }
    if let cpuset = paths["cpuset"] { try createCpuset(cpuset) }
  }

  /// A new v1 cpuset cgroup starts with empty cpus and mems, and a task cannot join it until both
  /// are set, so each missing or empty level down from the nearest populated ancestor gets its
  /// parent's values.
  func createCpuset(_ dir: String) throws {
    var chain: [String] = []
    var current = dir
    while current.count > 1, !cpusetPopulated(current) {
      chain.append(current)
      current = parentDirectory(current)
    }
    for level in chain.reversed() {
      try fs.mkdirAll(level)
      let parent = parentDirectory(level)
      for file in ["cpuset.cpus", "cpuset.mems"] where (fs.readTrimmed(level + "/" + file) ?? "").isEmpty {
        try fs.write(level, file, fs.readTrimmed(parent + "/" + file) ?? "")
      }
    }
  }

  private func cpusetPopulated(_ dir: String) -> Bool {
    !(fs.readTrimmed(dir + "/cpuset.cpus") ?? "").isEmpty && !(fs.readTrimmed(dir + "/cpuset.mems") ?? "").isEmpty
  }

  public func apply(_ resources: Resources) throws {
    try applyMemory(resources.memory)
    try applyCPU(resources.cpu)
    try applyCpuset(resources.cpu)
    try applyPids(resources.pids)
    try applyBlockIO(resources.blockIO)
    try applyHugetlb(resources.hugepageLimits)
    try applyNetwork(resources.network)
    try applyRDMA(resources.rdma)
    try applyDevices(resources.devices)
    if let unified = resources.unified, !unified.isEmpty {
      throw BerthError(.unsupported, "linux.resources.unified needs a cgroup v2 host, this one is \(mode)")
    }
  }

  public func addProcess(_ pid: Int32) throws {
    for dir in directories { try fs.write(dir, "cgroup.procs", String(pid)) }
  }

  public func processes() throws -> [Int32] {
    let dir = paths["pids"] ?? paths["freezer"] ?? paths["memory"]
      ?? paths.filter { !$0.key.isEmpty }.sorted { $0.key < $1.key }.first?.value
    guard let dir else { return [] }
    guard fs.exists(dir) else { return [] }
    return try fs.processes(in: dir)
  }

  public func freeze() throws {
    let dir = try freezerDirectory()
    try fs.write(dir, "freezer.state", "FROZEN")
    let settled = try poll {
      try fs.read(dir + "/freezer.state").trimmingWhitespace == "FROZEN"
    } kick: {
      // A task stuck in FREEZING sometimes needs a thaw and a new freeze to make progress.
      try fs.write(dir, "freezer.state", "THAWED")
      try fs.write(dir, "freezer.state", "FROZEN")
    }
    if !settled {
      try? fs.write(dir, "freezer.state", "THAWED")
      throw BerthError(.timeout, "freeze \(dir)/freezer.state: cgroup did not reach FROZEN")
    }
  }

  public func thaw() throws {
    let dir = try freezerDirectory()
    try fs.write(dir, "freezer.state", "THAWED")
    let settled = try poll {
      try fs.read(dir + "/freezer.state").trimmingWhitespace == "THAWED"
    } kick: {
      try fs.write(dir, "freezer.state", "THAWED")
    }
    if !settled { throw BerthError(.timeout, "thaw \(dir)/freezer.state: cgroup did not reach THAWED") }
  }

  public func isFrozen() throws -> Bool {
    try fs.read(freezerDirectory() + "/freezer.state").trimmingWhitespace == "FROZEN"
  }

  private func freezerDirectory() throws -> String {
    guard let dir = paths["freezer"] else {
      throw BerthError(.unsupported, "the freezer cgroup controller is not mounted on this host")
    }
    return dir
  }

  public func destroy() throws {
    var firstError: (any Error)?
    for dir in directories {
      do { try fs.removeCgroup(dir) } catch { firstError = firstError ?? error }
    }
    if let firstError { throw firstError }
  }

  public func oomKillCount() -> UInt64 {
    guard let dir = paths["memory"] else { return 0 }
    return fs.readKeyValues(dir + "/memory.oom_control")["oom_kill"] ?? 0
  }
}

/// The parent of an absolute directory path ("/" for top-level entries).
func parentDirectory(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
  return String(path[..<slash])
}

/// Polls `done` with a growing delay for up to about five seconds, calling `kick` every 50th
/// poll; returns whether `done` became true.
func poll(_ done: () throws -> Bool, kick: () throws -> Void) throws -> Bool {
  var delay: UInt32 = 100
  for attempt in 1...500 {
    if try done() { return true }
    if attempt % 50 == 0 { try kick() }
    sleepMicroseconds(delay)
    delay = min(delay * 2, 10_000)
  }
  return try done()
}
