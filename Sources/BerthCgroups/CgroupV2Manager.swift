import BerthError
import BerthOCI

/// A container cgroup in the unified cgroup v2 hierarchy.
public struct CgroupV2Manager: CgroupManager {
  /// The controllers Berth enables for its cgroups, where the parent offers them.
  static let wantedControllers = ["cpu", "memory", "pids", "io", "cpuset", "hugetlb"]

  /// The container's cgroup directory.
  public let path: String
  /// Where cgroup2 is mounted; the walk that enables controllers starts here.
  public let root: String
  let fs: any CgroupFS
  let deviceProgramLoader: DeviceProgramLoader?

  /// Always `.v2`.
  public var mode: CgroupMode { .v2 }
  /// `["": path]`.
  public var paths: [String: String] { ["": path] }

  /// Creates a manager for an already resolved directory.
  /// - Parameters:
  ///   - path: the container's cgroup directory
  ///   - root: the cgroup2 mount point; nil finds it as the topmost ancestor with cgroup.controllers
  ///   - fs: the filesystem seam
  ///   - deviceProgramLoader: loads and attaches the device eBPF program; nil leaves devices unenforced
  public init(path: String, root: String? = nil, fs: any CgroupFS, deviceProgramLoader: DeviceProgramLoader? = nil) {
    self.path = path
    self.fs = fs
    self.deviceProgramLoader = deviceProgramLoader
    if let root {
      self.root = root
    } else {
      var found = "/sys/fs/cgroup"
      var current = parentDirectory(path)
      while current != "/" {
        if fs.exists(current + "/cgroup.controllers") { found = current }
        current = parentDirectory(current)
      }
      self.root = found
    }
  }

  /// Creates each missing level below the root, enabling the wanted controllers in every
  /// parent's cgroup.subtree_control first so the child gets their interface files.
  public func create() throws {
    guard path.hasPrefix(root + "/") else {
      throw BerthError.invalid("cgroup \(path) is not below the cgroup2 mount \(root)")
    }
    var current = root
    for component in path.dropFirst(root.count + 1).split(separator: "/") {
      try enableControllers(in: current)
      current += "/" + component
      try fs.mkdirAll(current)
    }
  }

  /// Writes "+name" for each wanted controller the directory offers and has not enabled yet.
  /// If the combined write fails, each is tried alone so one refused controller costs only itself.
  func enableControllers(in dir: String) throws {
    let available = Set((fs.readTrimmed(dir + "/cgroup.controllers") ?? "").split(separator: " ").map(String.init))
    let enabled = Set((fs.readTrimmed(dir + "/cgroup.subtree_control") ?? "").split(separator: " ").map(String.init))
    let missing = Self.wantedControllers.filter { available.contains($0) && !enabled.contains($0) }
    guard !missing.isEmpty else { return }
    do {
      try fs.write(dir, "cgroup.subtree_control", missing.map { "+" + $0 }.joined(separator: " "))
    } catch {
      for controller in missing { try? fs.write(dir, "cgroup.subtree_control", "+" + controller) }
    }
  }

  public func addProcess(_ pid: Int32) throws {
    try fs.write(path, "cgroup.procs", String(pid))
  }

  public func processes() throws -> [Int32] {
    guard fs.exists(path) else { return [] }
    return try fs.processes(in: path)
  }

  public func freeze() throws {
    try setFrozen(true)
  }

  public func thaw() throws {
    try setFrozen(false)
  }

  /// Writes cgroup.freeze and waits for cgroup.events to report the new "frozen" value.
  private func setFrozen(_ frozen: Bool) throws {
    guard fs.exists(path + "/cgroup.freeze") else {
      throw BerthError(.unsupported, "freezing needs \(path)/cgroup.freeze (linux 5.2 or later)")
    }
    let value = frozen ? "1" : "0"
    try fs.write(path, "cgroup.freeze", value)
    let settled = try poll {
      fs.readKeyValues(path + "/cgroup.events")["frozen"] == (frozen ? 1 : 0)
    } kick: {
      try fs.write(path, "cgroup.freeze", value)
    }
    if !settled {
      if frozen { try? fs.write(path, "cgroup.freeze", "0") }
      throw BerthError(.timeout, "\(frozen ? "freeze" : "thaw") \(path)/cgroup.events: frozen did not become \(value)")
    }
  }

  public func isFrozen() throws -> Bool {
    guard fs.exists(path + "/cgroup.freeze") else { return false }
    return try fs.read(path + "/cgroup.freeze").trimmingWhitespace == "1"
      && fs.readKeyValues(path + "/cgroup.events")["frozen"] == 1
  }

  public func destroy() throws {
    try fs.removeCgroup(path)
  }

  public func oomKillCount() -> UInt64 {
    fs.readKeyValues(path + "/memory.events")["oom_kill"] ?? 0
  }
}
