extension Cgroups {
  /// cgroup v1 cpu.shares (2...262144) to cgroup v2 cpu.weight (1...10000), linearly; 0 stays 0
  /// (unset). Values out of range are clamped first.
  /// - Parameter shares: the v1 shares
  /// - Returns: the v2 weight
  public static func cpuWeight(fromShares shares: UInt64) -> UInt64 {
    if shares == 0 { return 0 }
    let clamped = min(max(shares, 2), 262_144)
    return 1 + ((clamped - 2) * 9999) / 262_142
  }

  /// cgroup v1 blkio.weight (10...1000) to cgroup v2 io.weight (1...10000), linearly; 0 stays 0
  /// (unset). Values out of range are clamped first.
  /// - Parameter weight: the v1 blkio weight
  /// - Returns: the v2 io weight
  public static func ioWeight(fromBlkioWeight weight: UInt16) -> UInt64 {
    if weight == 0 { return 0 }
    let clamped = UInt64(min(max(weight, 10), 1000))
    return 1 + ((clamped - 10) * 9999) / 990
  }
}
