import BerthCRIProto
import BerthMetadata
import GRPCCore

extension RuntimeService {
  /// UpdatePodSandboxResources: keeps the pod-level `overhead` and `resources` in the pod's
  /// config and, for a ready pod in Berth's own cgroup parent `/berth/<podID>`, writes their sum
  /// into that cgroup (CPU shares, CFS quota and period, memory limit). A pod under a
  /// `linux.cgroup_parent` is the kubelet's: the kubelet resizes that cgroup itself before it
  /// calls (CRI), so only the config changes. INVALID_ARGUMENT for a bad value, NOT_FOUND for
  /// an unknown pod.
  public func updatePodSandboxResources(request: Runtime_V1_UpdatePodSandboxResourcesRequest, context: ServerContext)
    async throws -> Runtime_V1_UpdatePodSandboxResourcesResponse
  {
    try await rpc {
      let pod = try await engine.pod(request.podSandboxID)
      let overhead = request.hasOverhead ? request.overhead : nil
      let resources = request.hasResources ? request.resources : nil
      if let overhead { _ = try SpecLinux.resources(overhead, cgroupV2: engine.cgroupV2, field: "overhead") }
      if let resources { _ = try SpecLinux.resources(resources, cgroupV2: engine.cgroupV2, field: "resources") }
      try await engine.locks.with(pod.id) {
        try await offload { [engine] in
          try engine.updatePodResources(pod.id, overhead: overhead, resources: resources, cgroups: .host())
        }
      }
      return Runtime_V1_UpdatePodSandboxResourcesResponse()
    }
  }
}

extension Engine {
  /// Writes the pod's limits into its own cgroup when it has one, then stores the new config
  /// (the pod's lock held; blocking). A write the kernel refuses leaves the config as it was.
  func updatePodResources(
    _ id: String, overhead: Runtime_V1_LinuxContainerResources?, resources: Runtime_V1_LinuxContainerResources?,
    cgroups: CgroupFiles
  ) throws {
    guard var pod = try metadata.pod(id) else { throw notFound("pod sandbox \(id)") }
    var config = pod.podConfig
    if let overhead { config.linux.overhead = overhead }
    if let resources { config.linux.resources = resources }
    if pod.state == .ready, let parent = SandboxEnvironment.ownedCgroupParent(podID: id, config: config) {
      let limits = PodCgroupLimits(resources: config.linux.resources, overhead: config.linux.overhead)
      let written = try limits.apply(to: parent, cgroups)
      if written.isEmpty && limits != PodCgroupLimits() {
        Self.log("UpdatePodSandboxResources \(id): the pod's cgroup does not exist yet; only its config changed")
      }
    }
    pod.config = try config.serializedBytes()
    try metadata.update(pod)
  }
}

/// A pod cgroup's limits: the pod's resources plus its overhead. Zero in the CRI means "not
/// set": a limit the resources do not set stays as the cgroup has it.
struct PodCgroupLimits: Equatable {
  /// v1 `cpu.shares`, in [2, 262144]; v2 `cpu.weight` is derived from it.
  var cpuShares: UInt64?
  /// CFS quota in microseconds per period; -1: unlimited.
  var cpuQuota: Int64?
  /// CFS period in microseconds.
  var cpuPeriod: UInt64?
  /// Memory limit in bytes.
  var memoryBytes: Int64?

  /// The CFS period the kernel uses when none is given.
  static let defaultPeriod: Int64 = 100_000

  /// No limits.
  init() {}

  /// The sum of `resources` and `overhead`; the overhead's quota is rescaled to the resources'
  /// period when the two periods differ.
  init(resources: Runtime_V1_LinuxContainerResources, overhead: Runtime_V1_LinuxContainerResources) {
    if resources.cpuShares > 0 {
      cpuShares = UInt64(min(max(Self.sum(resources.cpuShares, max(0, overhead.cpuShares)), 2), 262_144))
    }
    let period = resources.cpuPeriod > 0 ? resources.cpuPeriod : Self.defaultPeriod
    if resources.cpuQuota > 0 {
      let overheadPeriod = overhead.cpuPeriod > 0 ? overhead.cpuPeriod : Self.defaultPeriod
      let scaled = overhead.cpuQuota.multipliedReportingOverflow(by: period)
      let extra = overhead.cpuQuota <= 0 ? 0 : scaled.overflow ? Int64.max : scaled.partialValue / overheadPeriod
      cpuQuota = Self.sum(resources.cpuQuota, extra)
      cpuPeriod = UInt64(period)
    } else if resources.cpuQuota == -1 {
      cpuQuota = -1
      if resources.cpuPeriod > 0 { cpuPeriod = UInt64(period) }
    }
    if resources.memoryLimitInBytes > 0 {
      memoryBytes = Self.sum(resources.memoryLimitInBytes, max(0, overhead.memoryLimitInBytes))
    }
  }

  /// `a + b`, held at `Int64.max` rather than overflowing (the values come off the wire).
  static func sum(_ a: Int64, _ b: Int64) -> Int64 {
    let result = a.addingReportingOverflow(b)
    return result.overflow ? Int64.max : result.partialValue
  }

  /// v2 `cpu.weight` of v1 shares: [2, 262144] mapped linearly onto [1, 10000].
  static func weight(shares: UInt64) -> UInt64 {
    1 + (min(max(shares, 2), 262_144) - 2) * 9_999 / 262_142
  }

  /// The control files to write, in order, each with the hierarchies it may be in (v1 mounts
  /// cpu alone or joined with cpuacct; v2 has one hierarchy, named "").
  func writes(_ layout: CgroupFiles.Layout) -> [(controllers: [String], file: String, value: String)] {
    var writes: [(controllers: [String], file: String, value: String)] = []
    switch layout {
    case .v1:
      let cpu = ["cpu", "cpu,cpuacct", "cpuacct,cpu"]
      if let cpuShares { writes.append((cpu, "cpu.shares", String(cpuShares))) }
      // The period first: a quota is checked against the period in place.
      if let cpuPeriod { writes.append((cpu, "cpu.cfs_period_us", String(cpuPeriod))) }
      if let cpuQuota { writes.append((cpu, "cpu.cfs_quota_us", String(cpuQuota))) }
      if let memoryBytes { writes.append((["memory"], "memory.limit_in_bytes", String(memoryBytes))) }
    case .v2:
      if let cpuShares { writes.append(([""], "cpu.weight", String(Self.weight(shares: cpuShares)))) }
      if let cpuQuota {
        let period = cpuPeriod ?? UInt64(Self.defaultPeriod)
        writes.append(([""], "cpu.max", (cpuQuota < 0 ? "max" : String(cpuQuota)) + " " + String(period)))
      }
      if let memoryBytes { writes.append(([""], "memory.max", String(memoryBytes))) }
    }
    return writes
  }

  /// Writes the limits into the cgroup `path`; a file whose cgroup directory does not exist
  /// (no container made it yet) is skipped. Returns the files written.
  /// - Throws: the kernel's refusal (a memory limit below the usage, a quota out of range)
  func apply(to path: String, _ cgroups: CgroupFiles) throws -> [String] {
    var written: [String] = []
    for write in writes(cgroups.layout) {
      let candidates = write.controllers.map { cgroups.directory($0, path) + "/" + write.file }
      guard let file = candidates.first(where: { cgroups.read($0) != nil }) else { continue }
      try cgroups.write(file, write.value)
      written.append(file)
    }
    return written
  }
}
