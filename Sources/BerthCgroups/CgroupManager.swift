import BerthOCI

/// Which cgroup hierarchies the host mounts.
public enum CgroupMode: String, Sendable, Codable {
  /// Only cgroup v1 controller hierarchies.
  case v1
  /// cgroup v1 controllers plus a controller-less cgroup2 (usually at /sys/fs/cgroup/unified).
  case hybrid
  /// The unified cgroup2 hierarchy only.
  case v2
}

/// One container's cgroup, in whichever hierarchies the host has.
public protocol CgroupManager: Sendable {
  /// The host's cgroup mode.
  var mode: CgroupMode { get }
  /// Controller name ("" for the unified v2 hierarchy) to the absolute directory of this
  /// container's cgroup. Co-mounted v1 controllers map to the same directory.
  var paths: [String: String] { get }
  /// Creates the cgroup directory in every hierarchy (for v1 cpuset, copying cpus/mems down).
  func create() throws
  /// Writes the limits of `resources`; fields that are nil are left untouched (for `update`).
  func apply(_ resources: Resources) throws
  /// Moves `pid` into the cgroup in every hierarchy.
  func addProcess(_ pid: Int32) throws
  /// Every pid in the cgroup and its sub-cgroups.
  func processes() throws -> [Int32]
  /// Freezes every task and waits until the kernel reports the cgroup frozen.
  func freeze() throws
  /// Thaws the cgroup and waits until the kernel reports it thawed.
  func thaw() throws
  /// Whether the cgroup is frozen.
  func isFrozen() throws -> Bool
  /// Removes the cgroup directories, sub-cgroups first, retrying briefly while busy.
  /// Directories that are already gone are fine.
  func destroy() throws
  /// Usage counters, shaped like runc's `events --stats` data.
  func stats() throws -> CgroupStats
  /// How many times the OOM killer killed a task in this cgroup; 0 if unknown.
  func oomKillCount() -> UInt64
}
