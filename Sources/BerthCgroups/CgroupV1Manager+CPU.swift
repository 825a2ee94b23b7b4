import BerthError
import BerthOCI

extension CgroupV1Manager {
  /// cpu.shares, CFS period then quota then burst, RT period then runtime, and cpu.idle.
  func applyCPU(_ cpu: Resources.CPU?) throws {
    guard let cpu, let dir = try dir("cpu", needed: cpu.hasCPULimits) else { return }
    if let shares = cpu.shares, shares != 0 { try fs.write(dir, "cpu.shares", String(shares)) }
    // The period goes first: a quota is validated against the period already in place.
    if let period = cpu.period, period != 0 { try fs.write(dir, "cpu.cfs_period_us", String(period)) }
    if let quota = cpu.quota, quota != 0 { try fs.write(dir, "cpu.cfs_quota_us", String(quota > 0 ? quota : -1)) }
    if let burst = cpu.burst { try fs.write(dir, "cpu.cfs_burst_us", String(burst)) }
    if let period = cpu.realtimePeriod, period != 0 { try fs.write(dir, "cpu.rt_period_us", String(period)) }
    if let runtime = cpu.realtimeRuntime, runtime != 0 { try fs.write(dir, "cpu.rt_runtime_us", String(runtime)) }
    if let idle = cpu.idle, fs.exists(dir + "/cpu.idle") { try fs.write(dir, "cpu.idle", String(idle)) }
  }

  /// cpuset.cpus and cpuset.mems.
  func applyCpuset(_ cpu: Resources.CPU?) throws {
    let cpus = cpu?.cpus.flatMap { $0.isEmpty ? nil : $0 }
    let mems = cpu?.mems.flatMap { $0.isEmpty ? nil : $0 }
    guard let dir = try dir("cpuset", needed: cpus != nil || mems != nil) else { return }
    if let cpus { try fs.write(dir, "cpuset.cpus", cpus) }
    if let mems { try fs.write(dir, "cpuset.mems", mems) }
  }
}

extension Resources.CPU {
  /// Whether any cpu controller setting differs from the default.
  var hasCPULimits: Bool {
    (shares ?? 0) != 0 || (quota ?? 0) > 0 || (period ?? 0) != 0 || (burst ?? 0) != 0
      || (realtimeRuntime ?? 0) != 0 || (realtimePeriod ?? 0) != 0 || (idle ?? 0) != 0
  }
}
