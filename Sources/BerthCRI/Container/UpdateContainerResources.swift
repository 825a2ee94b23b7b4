import BerthCRIProto
import BerthError
import BerthMetadata
import BerthOCI
import BerthSys
import GRPCCore

extension RuntimeService {
  /// UpdateContainerResources: new CPU, memory, hugepage and `unified` limits for a created or
  /// running container, through the runtime's `update`; the stored config (what ContainerStatus
  /// reports) and the bundle's spec get the merged set. Zero fields keep their value (CRI).
  /// INVALID_ARGUMENT for a bad value, NOT_FOUND for an unknown container, FAILED_PRECONDITION
  /// for an exited one.
  public func updateContainerResources(request: Runtime_V1_UpdateContainerResourcesRequest, context: ServerContext)
    async throws -> Runtime_V1_UpdateContainerResourcesResponse
  {
    try await rpc {
      try require(request.hasLinux, "linux resources are missing (berthd runs Linux containers only)")
      let found = try await engine.container(request.containerID)
      // Refuse bad values before taking the lock; checked again on the record read under it.
      _ = try ResourceUpdate(current: found.containerConfig.linux.resources, update: request.linux, cgroupV2: engine.cgroupV2)
      try await engine.locks.with(found.id) {
        try await offload { [engine] in try engine.updateResources(found.id, request.linux) }
      }
      return Runtime_V1_UpdateContainerResourcesResponse()
    }
  }
}

extension Engine {
  /// Applies `update` to container `id` (its lock held; blocking). The runtime gets only the
  /// request's fields, so what it was not asked to change stays as it is.
  func updateResources(_ id: String, _ update: Runtime_V1_LinuxContainerResources) throws {
    guard let stored = try metadata.container(id) else { throw notFound("container \(id)") }
    var record = refreshed(stored)
    guard record.state == .running || (record.state == .created && record.pid > 0) else {
      throw RPCError(
        code: .failedPrecondition, message: "container \(id) is \(record.state.rawValue): its resources cannot be updated")
    }
    var config = record.containerConfig
    let plan = try ResourceUpdate(current: config.linux.resources, update: update, cgroupV2: cgroupV2)
    try runtime(record.handler).update(id: id, resources: plan.runtime)
    config.linux.resources = plan.merged
    record.config = try config.serializedBytes()
    try metadata.update(record)
    do {
      let path = containerDir(id) + "/config.json"
      var spec = try JSON.decode(Spec.self, from: try Sys.readBytes(path))
      var linux = spec.linux ?? Spec.Linux()
      linux.resources = plan.applied(to: linux.resources ?? Resources())
      spec.linux = linux
      try writeBundle(id: id, spec: spec)
    } catch {
      // The runtime and the record have the new limits; the bundle is only informative now.
      Self.log("UpdateContainerResources \(id): rewriting the bundle's spec: \(error)")
    }
  }
}

/// What an UpdateContainerResources request changes, worked out without side effects.
struct ResourceUpdate: Equatable {
  /// The container's CRI resources after the update: what ContainerStatus reports.
  var merged: Runtime_V1_LinuxContainerResources
  /// The request's fields in OCI shape: what the runtime's `update` is given.
  var runtime: Resources
  /// The merged set in OCI shape.
  var full: Resources

  /// Validates the request and merges it into `current`.
  /// - Throws: `.invalidArgument` (as `SpecLinux.resources` does for CreateContainer) naming the
  ///   `linux.` field: negative sizes, shares or periods, a quota or swap below -1, a bad
  ///   hugepage size, `unified` on a cgroup v1 node
  init(current: Runtime_V1_LinuxContainerResources, update: Runtime_V1_LinuxContainerResources, cgroupV2: Bool) throws {
    runtime = try SpecLinux.resources(update, cgroupV2: cgroupV2, field: "linux")
    merged = Self.merge(current, update)
    full = try SpecLinux.resources(merged, cgroupV2: cgroupV2, field: "linux")
  }

  /// `current` with every field `update` sets (non-zero, non-empty) replaced; `unified` keys are
  /// merged, hugepage limits replaced as a whole. `oom_score_adj` is the process's, not the
  /// cgroup's: it keeps its value.
  static func merge(_ current: Runtime_V1_LinuxContainerResources, _ update: Runtime_V1_LinuxContainerResources)
    -> Runtime_V1_LinuxContainerResources
  {
    var result = current
    if update.cpuPeriod != 0 { result.cpuPeriod = update.cpuPeriod }
    if update.cpuQuota != 0 { result.cpuQuota = update.cpuQuota }
    if update.cpuShares != 0 { result.cpuShares = update.cpuShares }
    if update.memoryLimitInBytes != 0 { result.memoryLimitInBytes = update.memoryLimitInBytes }
    if update.memorySwapLimitInBytes != 0 { result.memorySwapLimitInBytes = update.memorySwapLimitInBytes }
    if !update.cpusetCpus.isEmpty { result.cpusetCpus = update.cpusetCpus }
    if !update.cpusetMems.isEmpty { result.cpusetMems = update.cpusetMems }
    if !update.hugepageLimits.isEmpty { result.hugepageLimits = update.hugepageLimits }
    result.unified.merge(update.unified) { _, new in new }
    return result
  }

  /// A spec's resources with the CPU, memory, hugepage and `unified` parts of `full`; the rest
  /// (device rules, pids, block IO) is kept.
  func applied(to resources: Resources) -> Resources {
    var result = resources
    result.cpu = full.cpu
    result.memory = full.memory
    result.hugepageLimits = full.hugepageLimits
    result.unified = full.unified
    return result
  }
}
