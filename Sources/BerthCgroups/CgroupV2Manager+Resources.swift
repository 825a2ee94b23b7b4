import BerthError
import BerthOCI

extension CgroupV2Manager {
  /// Writes the limits. The `unified` map goes last so it can override anything derived from
  /// the OCI fields.
  public func apply(_ resources: Resources) throws {
    if let memory = resources.memory { try applyMemory(memory) }
    if let cpu = resources.cpu { try applyCPU(cpu) }
    if let pids = resources.pids { try fs.write(path, "pids.max", pids.limit > 0 ? String(pids.limit) : "max") }
    if let io = resources.blockIO { try applyIO(io) }
    for limit in resources.hugepageLimits ?? [] {
      try fs.write(path, "hugetlb.\(try checkedPageSize(limit.pageSize)).max", String(limit.limit))
    }
    for line in rdmaLines(resources.rdma ?? [:]) { try fs.write(path, "rdma.max", line) }
    if let network = resources.network, (network.classID ?? 0) != 0 || !(network.priorities ?? []).isEmpty {
      throw BerthError(.unsupported, "network classID and priorities need the v1 net_cls/net_prio controllers")
    }
    if let rules = resources.devices { try applyDevices(rules) }
    for (key, value) in (resources.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
      guard !key.isEmpty, !key.contains("/"), !key.contains("..") else {
        throw BerthError.invalid("invalid linux.resources.unified key \(key)")
      }
      try fs.write(path, key, value)
    }
  }

  /// memory.swap.max, memory.max and memory.low. OCI swap is memory plus swap (the v1 memsw
  /// meaning); cgroup v2 limits swap alone, so the value written is swap - limit. Kernel memory,
  /// swappiness and the OOM-killer switch have no v2 equivalent and are ignored.
  func applyMemory(_ memory: Resources.Memory) throws {
    let swapFile = path + "/memory.swap.max"
    if let swap = memory.swap, swap != 0 {
      let value: String
      if swap == -1 {
        value = "max"
      } else if let limit = memory.limit, limit > 0 {
        guard swap >= limit else {
          throw BerthError.invalid("memory+swap limit \(swap) is lower than the memory limit \(limit)")
        }
        value = String(swap - limit)
      } else {
        throw BerthError.invalid("memory+swap limit \(swap) needs a memory limit on cgroup v2")
      }
      if fs.exists(swapFile) {
        try fs.write(swapFile, value)
      } else if value != "0" {
        throw BerthError(.unsupported, "memory swap limit needs swap accounting: \(swapFile) does not exist")
      }
    } else if memory.limit == -1, fs.exists(swapFile) {
      try fs.write(swapFile, "max")
    }
    if let limit = memory.limit, limit != 0 { try fs.write(path, "memory.max", limit > 0 ? String(limit) : "max") }
    if let low = memory.reservation, low != 0 { try fs.write(path, "memory.low", low > 0 ? String(low) : "max") }
  }

  /// cpu.weight, cpu.max, cpu.max.burst, cpu.idle, cpuset.cpus and cpuset.mems.
  func applyCPU(_ cpu: Resources.CPU) throws {
    if (cpu.realtimeRuntime ?? 0) != 0 || (cpu.realtimePeriod ?? 0) != 0 {
      throw BerthError(.unsupported, "realtime cpu runtime and period are not supported on cgroup v2")
    }
    if let shares = cpu.shares, shares != 0 {
      try fs.write(path, "cpu.weight", String(Cgroups.cpuWeight(fromShares: shares)))
    }
    let quota = cpu.quota.flatMap { $0 == 0 ? nil : $0 }
    let period = cpu.period.flatMap { $0 == 0 ? nil : $0 }
    if quota != nil || period != nil {
      // cpu.max holds both numbers; the one not being changed keeps its current value.
      let current = (fs.readTrimmed(path + "/cpu.max") ?? "").split(separator: " ")
      let quotaText = quota.map { $0 > 0 ? String($0) : "max" } ?? current.first.map(String.init) ?? "max"
      let periodValue = period ?? (current.count > 1 ? UInt64(current[1]) : nil) ?? 100_000
      try fs.write(path, "cpu.max", "\(quotaText) \(periodValue)")
    }
    if let burst = cpu.burst { try fs.write(path, "cpu.max.burst", String(burst)) }
    if let idle = cpu.idle { try fs.write(path, "cpu.idle", String(idle)) }
    if let cpus = cpu.cpus, !cpus.isEmpty { try fs.write(path, "cpuset.cpus", cpus) }
    if let mems = cpu.mems, !mems.isEmpty { try fs.write(path, "cpuset.mems", mems) }
  }

  /// Weights go to io.bfq.weight (blkio's own scale) when BFQ is the scheduler, else to io.weight
  /// (converted); throttles become one io.max line per device.
  func applyIO(_ io: Resources.BlockIO) throws {
    let bfq = fs.exists(path + "/io.bfq.weight")
    if let weight = io.weight, weight != 0 {
      try fs.write(path, bfq ? "io.bfq.weight" : "io.weight",
        String(bfq ? UInt64(weight) : Cgroups.ioWeight(fromBlkioWeight: weight)))
    }
    for device in io.weightDevice ?? [] {
      guard let weight = device.weight, weight != 0 else { continue }
      let value = bfq ? UInt64(weight) : Cgroups.ioWeight(fromBlkioWeight: weight)
      try fs.write(path, bfq ? "io.bfq.weight" : "io.weight", "\(device.major):\(device.minor) \(value)")
    }
    for line in ioMaxLines(io) { try fs.write(path, "io.max", line) }
  }
}

/// io.max lines "MAJ:MIN rbps=N wbps=N riops=N wiops=N" (only the keys configured), one per
/// device in order of first appearance.
func ioMaxLines(_ io: Resources.BlockIO) -> [String] {
  var order: [String] = []
  var settings: [String: [String]] = [:]
  let groups: [(String, [Resources.BlockIO.ThrottleDevice]?)] = [
    ("rbps", io.throttleReadBpsDevice), ("wbps", io.throttleWriteBpsDevice),
    ("riops", io.throttleReadIOPSDevice), ("wiops", io.throttleWriteIOPSDevice),
  ]
  for (key, devices) in groups {
    for device in devices ?? [] {
      let id = "\(device.major):\(device.minor)"
      if settings[id] == nil { order.append(id) }
      settings[id, default: []].append("\(key)=\(device.rate)")
    }
  }
  return order.map { ([$0] + (settings[$0] ?? [])).joined(separator: " ") }
}
