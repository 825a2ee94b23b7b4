import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// PodSandboxStats: the pod's attributes, its containers' stats, and while it is ready the
  /// CPU, memory and task count of its cgroup and the counters of its interfaces.
  public func podSandboxStats(request: Runtime_V1_PodSandboxStatsRequest, context: ServerContext) async throws
    -> Runtime_V1_PodSandboxStatsResponse
  {
    try await rpc {
      let pod = try await engine.pod(request.podSandboxID)
      var response = Runtime_V1_PodSandboxStatsResponse()
      response.stats = try await offload { [engine] in
        let containers = try engine.metadata.containers(pod: pod.id).filter { !$0.infra }.map(engine.refreshed)
        return engine.podStats(pod, containers: containers, cgroups: .host())
      }
      return response
    }
  }
}
