#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import BerthError
import BerthMetadata
import BerthSys
import GRPCCore

extension RuntimeService {
  /// RemovePodSandbox: stops the pod if needed, then removes its containers, infra, files,
  /// cgroup and record. Idempotent: an unknown pod is not an error (CRI).
  public func removePodSandbox(request: Runtime_V1_RemovePodSandboxRequest, context: ServerContext) async throws
    -> Runtime_V1_RemovePodSandboxResponse
  {
    try await rpc {
      try require(!request.podSandboxID.isEmpty, "pod_sandbox_id is empty")
      guard let pod = try await engine.findPod(request.podSandboxID) else { return Runtime_V1_RemovePodSandboxResponse() }
      try await engine.locks.with(pod.id) {
        try await engine.stopPod(pod.id)
        try await engine.removePod(pod.id)
      }
      Engine.log("pod sandbox removed", level: .info, ["pod": "\(pod.id)"])
      return Runtime_V1_RemovePodSandboxResponse()
    }
  }
}

extension Engine {
  /// Removes a stopped pod (its lock held): every container and the infra destroyed, files
  /// removed, the default cgroup parent removed, the record deleted.
  func removePod(_ id: String) async throws {
    try await offload { [self] in
      guard let pod = try metadata.pod(id) else { return }
      for container in try metadata.containers(pod: id) {
        try destroy(container)
        try metadata.removeContainer(container.id)
        if !container.infra { events.publish(.containerDeletedEvent, container: container.id, pod: id) }
      }
      try unpinNamespaces(dir: pod.stateDir)
      SandboxFiles.remove(dir: pod.stateDir)
      Self.removePodCgroup(podID: id, config: pod.podConfig)
      try metadata.removePod(id)
    }
  }

  /// Removes the pod's cgroup when berthd owns it (`/berth/<podID>`, which the runtime makes as
  /// the parent of the pod's containers and leaves behind), then `/berth` itself once no pod is
  /// left in it (rmdir fails, harmlessly, while one is), from every hierarchy.
  static func removePodCgroup(podID: String, config: Runtime_V1_PodSandboxConfig) {
    guard let parent = SandboxEnvironment.ownedCgroupParent(podID: podID, config: config) else { return }
    let roots = ((try? Sys.listDirectory("/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/" + $0 } + ["/sys/fs/cgroup"]
    for root in roots where Sys.isDirectory(root + parent) {
      // The kernel may hold a cgroup whose last task just exited for a moment (EBUSY).
      var tries = 0
      var failure: Int32 = 0
      while rmdir(root + parent) != 0 {
        failure = errno
        guard failure == EBUSY, tries < 100 else { break }
        usleep(10_000)
        tries += 1
      }
      if Sys.isDirectory(root + parent) { log("cannot remove the pod's cgroup \(root + parent): \(Sys.describe(failure))") }
    }
    for root in roots where Sys.isDirectory(root + SandboxEnvironment.cgroupRoot) { rmdir(root + SandboxEnvironment.cgroupRoot) }
  }
}
