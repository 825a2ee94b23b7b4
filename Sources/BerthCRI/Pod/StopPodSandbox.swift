#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import BerthError
import BerthMetadata
import BerthSys
import GRPCCore

extension RuntimeService {
  /// StopPodSandbox: kills the pod's containers and its infra, tears its network down and
  /// unpins its namespaces. Idempotent: a stopped or unknown pod is not an error (CRI).
  public func stopPodSandbox(request: Runtime_V1_StopPodSandboxRequest, context: ServerContext) async throws
    -> Runtime_V1_StopPodSandboxResponse
  {
    try await rpc {
      try require(!request.podSandboxID.isEmpty, "pod_sandbox_id is empty")
      guard let pod = try await engine.findPod(request.podSandboxID) else {
        Engine.log("StopPodSandbox: pod sandbox not found; nothing to stop", level: .info, ["pod": "\(request.podSandboxID)"])
        return Runtime_V1_StopPodSandboxResponse()
      }
      try await engine.locks.with(pod.id) { try await engine.stopPod(pod.id) }
      Engine.log("pod sandbox stopped", level: .info, ["pod": "\(pod.id)"])
      return Runtime_V1_StopPodSandboxResponse()
    }
  }
}

extension Engine {
  /// The pod whose id is `text` or starts with it (unique prefixes, as crictl allows).
  /// - Throws: INVALID_ARGUMENT when a prefix matches several pods
  func findPod(_ text: String) async throws -> PodRecord? {
    let metadata = self.metadata
    if let exact = try await offload({ try metadata.pod(text) }) { return exact }
    let matches = try await offload { try metadata.pods() }.filter { $0.id.hasPrefix(text) }
    guard matches.count <= 1 else { throw RPCError(code: .invalidArgument, message: "pod sandbox id prefix \"\(text)\" is ambiguous") }
    return matches.first
  }

  /// The pod, or NOT_FOUND.
  func pod(_ text: String) async throws -> PodRecord {
    try require(!text.isEmpty, "pod_sandbox_id is empty")
    guard let pod = try await findPod(text) else { throw notFound("pod sandbox \(text)") }
    return pod
  }

  /// Stops the pod `id` (with its lock held): containers killed, infra killed, network and
  /// namespaces released, shm unmounted. Safe to repeat.
  func stopPod(_ id: String) async throws {
    try await offload { [self] in
      guard var pod = try metadata.pod(id) else { return }
      for container in try metadata.containers(pod: id) where !container.infra {
        _ = try stop(container, signal: SIGKILL, timeout: 0)
      }
      if let infra = try metadata.container(id), infra.infra {
        _ = try stop(infra, signal: SIGKILL, timeout: 0)
      }
      // A pod with a network namespace is torn down even when its ADD was not recorded as
      // done (berthd died in RunPodSandbox): DEL of what was never added succeeds. Once done,
      // the path is forgotten, so a second stop runs no plugin.
      if pod.networkReady || !pod.netnsPath.isEmpty {
        try cni.tearDown(containerID: id, netnsPath: Sys.exists(pod.netnsPath) ? pod.netnsPath : nil)
        pod.networkReady = false
        pod.netnsPath = ""
      }
      try unpinNamespaces(dir: pod.stateDir)
      while umount2(pod.stateDir + "/shm", Int32(MNT_DETACH)) == 0 {}
      pod.state = .notReady
      try metadata.update(pod)
    }
  }
}
