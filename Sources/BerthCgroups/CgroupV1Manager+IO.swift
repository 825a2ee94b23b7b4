import BerthError
import BerthOCI

extension CgroupV1Manager {
  /// pids.max; "max" for a limit of zero or less.
  func applyPids(_ pids: Resources.Pids?) throws {
    guard let pids, let dir = try dir("pids", needed: pids.limit > 0) else { return }
    try fs.write(dir, "pids.max", pids.limit > 0 ? String(pids.limit) : "max")
  }

  /// blkio weights (blkio.weight, or blkio.bfq.weight on kernels without CFQ), per-device
  /// weights and throttles.
  func applyBlockIO(_ io: Resources.BlockIO?) throws {
    guard let io, let dir = try dir("blkio", needed: io.hasLimits) else { return }
    if let weight = io.weight, weight != 0 {
      try fs.write(dir, try weightFile(dir, "weight"), String(weight))
    }
    if let weight = io.leafWeight, weight != 0 {
      try fs.write(dir, try weightFile(dir, "leaf_weight"), String(weight))
    }
    for device in io.weightDevice ?? [] {
      if let weight = device.weight {
        try fs.write(dir, try weightFile(dir, "weight_device"), "\(device.major):\(device.minor) \(weight)")
      }
      if let weight = device.leafWeight {
        try fs.write(dir, "blkio.leaf_weight_device", "\(device.major):\(device.minor) \(weight)")
      }
    }
    let throttles: [(String, [Resources.BlockIO.ThrottleDevice]?)] = [
      ("blkio.throttle.read_bps_device", io.throttleReadBpsDevice),
      ("blkio.throttle.write_bps_device", io.throttleWriteBpsDevice),
      ("blkio.throttle.read_iops_device", io.throttleReadIOPSDevice),
      ("blkio.throttle.write_iops_device", io.throttleWriteIOPSDevice),
    ]
    for (file, devices) in throttles {
      for device in devices ?? [] { try fs.write(dir, file, "\(device.major):\(device.minor) \(device.rate)") }
    }
  }

  /// "blkio.NAME", or "blkio.bfq.NAME" when only the BFQ scheduler's file exists.
  private func weightFile(_ dir: String, _ name: String) throws -> String {
    if fs.exists("\(dir)/blkio.\(name)") { return "blkio.\(name)" }
    if fs.exists("\(dir)/blkio.bfq.\(name)") { return "blkio.bfq.\(name)" }
    throw BerthError(.unsupported, "blkio \(name.replacingUnderscores) is not supported: \(dir)/blkio.\(name) does not exist")
  }

  /// hugetlb.SIZE.limit_in_bytes per page size.
  func applyHugetlb(_ limits: [Resources.HugepageLimit]?) throws {
    guard let limits, let dir = try dir("hugetlb", needed: !limits.isEmpty) else { return }
    for limit in limits {
      try fs.write(dir, "hugetlb.\(try checkedPageSize(limit.pageSize)).limit_in_bytes", String(limit.limit))
    }
  }

  /// net_cls.classid and net_prio.ifpriomap.
  func applyNetwork(_ network: Resources.Network?) throws {
    guard let network else { return }
    if let classID = network.classID, let dir = try dir("net_cls", needed: classID != 0) {
      try fs.write(dir, "net_cls.classid", String(classID))
    }
    let priorities = network.priorities ?? []
    if let dir = try dir("net_prio", needed: !priorities.isEmpty) {
      for priority in priorities { try fs.write(dir, "net_prio.ifpriomap", "\(priority.name) \(priority.priority)") }
    }
  }

  /// rdma.max, one line per device.
  func applyRDMA(_ rdma: [String: Resources.RDMA]?) throws {
    guard let rdma, let dir = try dir("rdma", needed: !rdma.isEmpty) else { return }
    for line in rdmaLines(rdma) { try fs.write(dir, "rdma.max", line) }
  }
}

/// rdma.max lines "DEVICE hca_handle=N hca_object=N", sorted by device.
func rdmaLines(_ rdma: [String: Resources.RDMA]) -> [String] {
  rdma.sorted { $0.key < $1.key }.compactMap { device, limits in
    var line = device
    if let handles = limits.hcaHandles { line += " hca_handle=\(handles)" }
    if let objects = limits.hcaObjects { line += " hca_object=\(objects)" }
    return line == device ? nil : line
  }
}

/// A huge page size as used in file names ("2MB"); rejects anything that could leave the directory.
func checkedPageSize(_ size: String) throws -> String {
  guard !size.isEmpty, size.allSatisfy({ $0.isLetter || $0.isNumber }) else {
    throw BerthError.invalid("invalid huge page size \(size)")
  }
  return size
}

extension Resources.BlockIO {
  /// Whether any block I/O setting is configured.
  var hasLimits: Bool {
    (weight ?? 0) != 0 || (leafWeight ?? 0) != 0 || !(weightDevice ?? []).isEmpty
      || !(throttleReadBpsDevice ?? []).isEmpty || !(throttleWriteBpsDevice ?? []).isEmpty
      || !(throttleReadIOPSDevice ?? []).isEmpty || !(throttleWriteIOPSDevice ?? []).isEmpty
  }
}

extension String {
  fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
