/// Cgroup usage counters. Encodes to the `data` object of runc's `events --stats` with the
/// same field names; fields runc marks omitempty are left out while zero or empty.
public struct CgroupStats: Codable, Sendable, Equatable {
  /// CPU time and throttling.
  public var cpu = CPU()
  /// Memory, swap and kernel memory usage.
  public var memory = Memory()
  /// Task counts.
  public var pids = Pids()
  /// Block I/O per device.
  public var blkio = Blkio()
  /// Huge page usage keyed by page size ("2MB", "1GB").
  public var hugetlb: [String: Hugetlb] = [:]

  /// Empty counters.
  public init() {}

  /// CPU usage in nanoseconds, and CFS throttling.
  public struct CPU: Codable, Sendable, Equatable {
    /// Time used.
    public var usage = Usage()
    /// CFS bandwidth throttling.
    public var throttling = Throttling()
    /// Empty counters.
    public init() {}
  }

  /// CPU time in nanoseconds.
  public struct Usage: Sendable, Equatable {
    /// Total CPU time.
    public var total: UInt64 = 0
    /// Total time per CPU (cgroup v1 only).
    public var percpu: [UInt64] = []
    /// Time in kernel mode.
    public var kernel: UInt64 = 0
    /// Time in user mode.
    public var user: UInt64 = 0
    /// Empty counters.
    public init() {}
  }

  /// CFS bandwidth throttling counters.
  public struct Throttling: Sendable, Equatable {
    /// Enforcement periods that elapsed.
    public var periods: UInt64 = 0
    /// Periods in which the group was throttled.
    public var throttledPeriods: UInt64 = 0
    /// Total time throttled, in nanoseconds.
    public var throttledTime: UInt64 = 0
    /// Empty counters.
    public init() {}
  }

  /// Memory counters.
  public struct Memory: Sendable, Equatable {
    /// Page cache bytes.
    public var cache: UInt64 = 0
    /// Memory usage and limit.
    public var usage = Entry()
    /// Memory plus swap usage and limit (v1 memsw; on v2 memory.current + memory.swap.current).
    public var swap = Entry()
    /// Kernel memory (v1 only).
    public var kernel = Entry()
    /// Kernel TCP buffer memory (v1 only).
    public var kernelTCP = Entry()
    /// memory.stat as read, plus "oom_kill" where the kernel reports it.
    public var raw: [String: UInt64] = [:]
    /// Empty counters.
    public init() {}

    /// How many tasks the OOM killer killed, from `raw["oom_kill"]`.
    public var oomKillCount: UInt64 { raw["oom_kill"] ?? 0 }
  }

  /// Usage, peak, limit and limit hits of one memory counter.
  public struct Entry: Sendable, Equatable {
    /// The limit in bytes; UInt64.max for unlimited.
    public var limit: UInt64 = 0
    /// Current usage in bytes.
    public var usage: UInt64 = 0
    /// Peak usage in bytes.
    public var max: UInt64 = 0
    /// How often the limit was hit.
    public var failcnt: UInt64 = 0
    /// Empty counters.
    public init() {}
  }

  /// Task counts.
  public struct Pids: Sendable, Equatable {
    /// Tasks now in the cgroup.
    public var current: UInt64 = 0
    /// The limit; 0 for unlimited.
    public var limit: UInt64 = 0
    /// Empty counters.
    public init() {}
  }

  /// Block I/O counters per device and operation.
  public struct Blkio: Sendable, Equatable {
    /// Bytes transferred.
    public var ioServiceBytesRecursive: [BlkioEntry] = []
    /// I/O operations completed.
    public var ioServicedRecursive: [BlkioEntry] = []
    /// Empty counters.
    public init() {}
  }

  /// One counter of one device: `op` is "Read", "Write", "Sync", "Async", "Discard" or "Total".
  public struct BlkioEntry: Sendable, Equatable {
    /// Device major number.
    public var major: UInt64
    /// Device minor number.
    public var minor: UInt64
    /// The operation counted.
    public var op: String
    /// The count.
    public var value: UInt64
    /// Creates an entry.
    public init(major: UInt64, minor: UInt64, op: String, value: UInt64) {
      self.major = major
      self.minor = minor
      self.op = op
      self.value = value
    }
  }

  /// Huge page counters of one page size.
  public struct Hugetlb: Sendable, Equatable {
    /// Bytes in use.
    public var usage: UInt64 = 0
    /// Peak bytes (v1 only).
    public var max: UInt64 = 0
    /// How often the limit was hit.
    public var failcnt: UInt64 = 0
    /// Empty counters.
    public init() {}
  }
}
