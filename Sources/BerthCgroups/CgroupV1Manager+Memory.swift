#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI

extension CgroupV1Manager {
  /// memory.limit_in_bytes, memory.memsw.limit_in_bytes, soft limit, kmem, swappiness,
  /// oom_control and use_hierarchy.
  func applyMemory(_ memory: Resources.Memory?) throws {
    guard let memory, let dir = try dir("memory", needed: memory.hasLimits) else { return }
    var swap = memory.swap
    // An unlimited memory limit without a swap value means unlimited swap too, where swap
    // accounting exists; otherwise the old memsw limit would cap the new unlimited memory.
    if memory.limit == -1, swap == nil, fs.exists(dir + "/memory.memsw.limit_in_bytes") { swap = -1 }
    if swap != nil, !fs.exists(dir + "/memory.memsw.limit_in_bytes") {
      throw BerthError(
        .unsupported, "memory swap limit needs swap accounting: \(dir)/memory.memsw.limit_in_bytes does not exist")
    }
    try writeMemoryAndSwap(dir: dir, limit: memory.limit, swap: swap)
    if let reservation = memory.reservation {
      try fs.write(dir, "memory.soft_limit_in_bytes", String(reservation))
    }
    if let kernel = memory.kernel { try writeKernelMemory(dir, "memory.kmem.limit_in_bytes", kernel) }
    if let tcp = memory.kernelTCP { try writeKernelMemory(dir, "memory.kmem.tcp.limit_in_bytes", tcp) }
    if let swappiness = memory.swappiness {
      guard swappiness <= 100 else {
        throw BerthError.invalid("memory swappiness \(swappiness) is out of range 0-100")
      }
      try fs.write(dir, "memory.swappiness", String(swappiness))
    }
    if memory.disableOOMKiller == true { try fs.write(dir, "memory.oom_control", "1") }
    if let useHierarchy = memory.useHierarchy { try fs.write(dir, "memory.use_hierarchy", useHierarchy ? "1" : "0") }
  }

  /// The kernel requires memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every moment.
  /// Raising memsw (to unlimited, or above the current memory limit) must therefore go first, so
  /// the memory limit fits under it; otherwise the memory limit goes first, so memsw can shrink
  /// down to it.
  func writeMemoryAndSwap(dir: String, limit: Int64?, swap: Int64?) throws {
    let memsw = "memory.memsw.limit_in_bytes"
    guard let swap else {
      if let limit { try fs.write(dir, "memory.limit_in_bytes", String(limit)) }
      return
    }
    guard let limit else {
      try fs.write(dir, memsw, String(swap))
      return
    }
    let current = fs.readUInt(dir + "/memory.limit_in_bytes") ?? UInt64.max
    if swap == -1 || current < UInt64(clamping: swap) {
      try fs.write(dir, memsw, String(swap))
      try fs.write(dir, "memory.limit_in_bytes", String(limit))
    } else {
      try fs.write(dir, "memory.limit_in_bytes", String(limit))
      try fs.write(dir, memsw, String(swap))
    }
  }

  /// Kernel memory limits are deprecated; newer kernels refuse them (EOPNOTSUPP) or lack the
  /// files, and either way the limit is skipped.
  private func writeKernelMemory(_ dir: String, _ file: String, _ value: Int64) throws {
    guard fs.exists(dir + "/" + file) else { return }
    do {
      try fs.write(dir, file, String(value))
    } catch let error as BerthError where error.errno == EOPNOTSUPP || error.errno == EINVAL {
      return
    }
  }
}

extension Resources.Memory {
  /// Whether any memory setting differs from the kernel default.
  var hasLimits: Bool {
    func set(_ value: Int64?) -> Bool { value.map { $0 != 0 && $0 != -1 } ?? false }
    return set(limit) || set(reservation) || set(swap) || set(kernel) || set(kernelTCP)
      || swappiness != nil || disableOOMKiller == true
  }
}
