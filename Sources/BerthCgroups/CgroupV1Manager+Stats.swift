extension CgroupV1Manager {
  /// USER_HZ: cpuacct.stat counts clock ticks of 1/100 s.
  static let nanosecondsPerTick: UInt64 = 10_000_000

  public func stats() throws -> CgroupStats {
    var stats = CgroupStats()
    if let dir = paths["cpuacct"] {
      stats.cpu.usage.total = fs.readUInt(dir + "/cpuacct.usage") ?? 0
      stats.cpu.usage.percpu = (fs.readTrimmed(dir + "/cpuacct.usage_percpu") ?? "")
        .split(separator: " ").compactMap { UInt64($0) }
      let ticks = fs.readKeyValues(dir + "/cpuacct.stat")
      stats.cpu.usage.user = (ticks["user"] ?? 0) * Self.nanosecondsPerTick
      stats.cpu.usage.kernel = (ticks["system"] ?? 0) * Self.nanosecondsPerTick
    }
    if let dir = paths["cpu"] {
      let cpu = fs.readKeyValues(dir + "/cpu.stat")
      stats.cpu.throttling.periods = cpu["nr_periods"] ?? 0
      stats.cpu.throttling.throttledPeriods = cpu["nr_throttled"] ?? 0
      stats.cpu.throttling.throttledTime = cpu["throttled_time"] ?? 0
    }
    if let dir = paths["memory"] { stats.memory = memoryStats(dir) }
    if let dir = paths["pids"] {
      stats.pids.current = fs.readUInt(dir + "/pids.current") ?? 0
      let limit = fs.readUInt(dir + "/pids.max") ?? 0
      stats.pids.limit = limit == UInt64.max ? 0 : limit
    }
    if let dir = paths["blkio"] { stats.blkio = blkioStats(dir) }
    if let dir = paths["hugetlb"] { stats.hugetlb = hugetlbStats(dir) }
    return stats
  }

  private func memoryStats(_ dir: String) -> CgroupStats.Memory {
    var memory = CgroupStats.Memory()
    func entry(_ prefix: String) -> CgroupStats.Entry {
      var entry = CgroupStats.Entry()
      entry.usage = fs.readUInt("\(dir)/\(prefix).usage_in_bytes") ?? 0
      entry.max = fs.readUInt("\(dir)/\(prefix).max_usage_in_bytes") ?? 0
      entry.limit = fs.readUInt("\(dir)/\(prefix).limit_in_bytes") ?? 0
      entry.failcnt = fs.readUInt("\(dir)/\(prefix).failcnt") ?? 0
      return entry
    }
    memory.usage = entry("memory")
    memory.swap = entry("memory.memsw")
    memory.kernel = entry("memory.kmem")
    memory.kernelTCP = entry("memory.kmem.tcp")
    memory.raw = fs.readKeyValues(dir + "/memory.stat")
    memory.cache = memory.raw["cache"] ?? 0
    if let kills = fs.readKeyValues(dir + "/memory.oom_control")["oom_kill"] { memory.raw["oom_kill"] = kills }
    return memory
  }

  /// The CFQ/BFQ recursive counters when the scheduler fills them, else the throttle layer's.
  private func blkioStats(_ dir: String) -> CgroupStats.Blkio {
    func entries(_ names: [String]) -> [CgroupStats.BlkioEntry] {
      for name in names {
        let parsed = parseBlkioEntries(fs.readTrimmed(dir + "/" + name) ?? "")
        if !parsed.isEmpty { return parsed }
      }
      return []
    }
    var blkio = CgroupStats.Blkio()
    blkio.ioServiceBytesRecursive = entries([
      "blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive",
      "blkio.throttle.io_service_bytes_recursive",
    ])
    blkio.ioServicedRecursive = entries([
      "blkio.io_serviced_recursive", "blkio.bfq.io_serviced_recursive", "blkio.throttle.io_serviced_recursive",
    ])
    return blkio
  }

  private func hugetlbStats(_ dir: String) -> [String: CgroupStats.Hugetlb] {
    var result: [String: CgroupStats.Hugetlb] = [:]
    for name in (try? fs.list(dir)) ?? [] where name.hasPrefix("hugetlb.") && name.hasSuffix(".limit_in_bytes") {
      let size = String(name.dropFirst("hugetlb.".count).dropLast(".limit_in_bytes".count))
      guard !size.contains(".") else { continue }  // hugetlb.2MB.rsvd.limit_in_bytes
      var entry = CgroupStats.Hugetlb()
      entry.usage = fs.readUInt("\(dir)/hugetlb.\(size).usage_in_bytes") ?? 0
      entry.max = fs.readUInt("\(dir)/hugetlb.\(size).max_usage_in_bytes") ?? 0
      entry.failcnt = fs.readUInt("\(dir)/hugetlb.\(size).failcnt") ?? 0
      result[size] = entry
    }
    return result
  }
}

/// blkio counters "MAJ:MIN Op VALUE" per line; the trailing "Total N" line has no device and is skipped.
func parseBlkioEntries(_ text: String) -> [CgroupStats.BlkioEntry] {
  text.split(separator: "\n").compactMap { line in
    let fields = line.split(separator: " ")
    guard fields.count == 3, let value = UInt64(fields[2]) else { return nil }
    let device = fields[0].split(separator: ":")
    guard device.count == 2, let major = UInt64(device[0]), let minor = UInt64(device[1]) else { return nil }
    return CgroupStats.BlkioEntry(major: major, minor: minor, op: String(fields[1]), value: value)
  }
}
