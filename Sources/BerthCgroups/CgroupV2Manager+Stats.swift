extension CgroupV2Manager {
  public func stats() throws -> CgroupStats {
    var stats = CgroupStats()
    let cpu = fs.readKeyValues(path + "/cpu.stat")
    stats.cpu.usage.total = (cpu["usage_usec"] ?? 0) * 1000
    stats.cpu.usage.user = (cpu["user_usec"] ?? 0) * 1000
    stats.cpu.usage.kernel = (cpu["system_usec"] ?? 0) * 1000
    stats.cpu.throttling.periods = cpu["nr_periods"] ?? 0
    stats.cpu.throttling.throttledPeriods = cpu["nr_throttled"] ?? 0
    stats.cpu.throttling.throttledTime = (cpu["throttled_usec"] ?? 0) * 1000
    stats.memory = memoryStats()
    stats.pids.current = fs.readUInt(path + "/pids.current") ?? 0
    let pidsLimit = fs.readUInt(path + "/pids.max") ?? 0
    stats.pids.limit = pidsLimit == UInt64.max ? 0 : pidsLimit
    stats.blkio = parseIOStat(fs.readTrimmed(path + "/io.stat") ?? "")
    stats.hugetlb = hugetlbStats()
    return stats
  }

  /// Usage, limits and memory.stat; "swap" is memory plus swap, as v1's memsw reports it.
  private func memoryStats() -> CgroupStats.Memory {
    var memory = CgroupStats.Memory()
    let events = fs.readKeyValues(path + "/memory.events")
    memory.usage.usage = fs.readUInt(path + "/memory.current") ?? 0
    memory.usage.max = fs.readUInt(path + "/memory.peak") ?? 0
    memory.usage.limit = fs.readUInt(path + "/memory.max") ?? 0
    memory.usage.failcnt = events["max"] ?? 0
    if let swapUsage = fs.readUInt(path + "/memory.swap.current") {
      memory.swap.usage = memory.usage.usage + swapUsage
      let swapLimit = fs.readUInt(path + "/memory.swap.max") ?? UInt64.max
      let (sum, overflow) = memory.usage.limit.addingReportingOverflow(swapLimit)
      memory.swap.limit = overflow ? UInt64.max : sum
      memory.swap.failcnt = fs.readKeyValues(path + "/memory.swap.events")["max"] ?? 0
    }
    memory.raw = fs.readKeyValues(path + "/memory.stat")
    memory.cache = memory.raw["file"] ?? 0
    if let kills = events["oom_kill"] { memory.raw["oom_kill"] = kills }
    return memory
  }

  private func hugetlbStats() -> [String: CgroupStats.Hugetlb] {
    var result: [String: CgroupStats.Hugetlb] = [:]
    for name in (try? fs.list(path)) ?? [] where name.hasPrefix("hugetlb.") && name.hasSuffix(".current") {
      let size = String(name.dropFirst("hugetlb.".count).dropLast(".current".count))
      guard !size.contains(".") else { continue }  // hugetlb.2MB.rsvd.current
      var entry = CgroupStats.Hugetlb()
      entry.usage = fs.readUInt("\(path)/hugetlb.\(size).current") ?? 0
      entry.failcnt = fs.readKeyValues("\(path)/hugetlb.\(size).events")["max"] ?? 0
      result[size] = entry
    }
    return result
  }
}

/// io.stat lines "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" as blkio entries:
/// bytes and operations, each "Read", "Write" and "Discard".
func parseIOStat(_ text: String) -> CgroupStats.Blkio {
  var blkio = CgroupStats.Blkio()
  let ops: [(String, String, Bool)] = [
    ("rbytes", "Read", true), ("wbytes", "Write", true), ("dbytes", "Discard", true),
    ("rios", "Read", false), ("wios", "Write", false), ("dios", "Discard", false),
  ]
  for line in text.split(separator: "\n") {
    let fields = line.split(separator: " ")
    guard let first = fields.first else { continue }
    let device = first.split(separator: ":")
    guard device.count == 2, let major = UInt64(device[0]), let minor = UInt64(device[1]) else { continue }
    let values = parseKeyValues(fields.dropFirst().map { $0.replacing("=", with: " ") }.joined(separator: "\n"))
    for (key, op, isBytes) in ops {
      guard let value = values[key] else { continue }
      let entry = CgroupStats.BlkioEntry(major: major, minor: minor, op: op, value: value)
      if isBytes { blkio.ioServiceBytesRecursive.append(entry) } else { blkio.ioServicedRecursive.append(entry) }
    }
  }
  return blkio
}
