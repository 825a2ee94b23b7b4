import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListPodSandboxStats: the stats of every pod passing the filter (id prefix, labels), oldest
  /// first.
  public func listPodSandboxStats(request: Runtime_V1_ListPodSandboxStatsRequest, context: ServerContext) async throws
    -> Runtime_V1_ListPodSandboxStatsResponse
  {
    try await rpc {
      var response = Runtime_V1_ListPodSandboxStatsResponse()
      response.stats = try await engine.listPodStats(request.filter)
      return response
    }
  }
}

extension Engine {
  /// The stats of the pods passing `filter` (an empty filter passes all), oldest first.
  func listPodStats(_ filter: Runtime_V1_PodSandboxStatsFilter) async throws -> [Runtime_V1_PodSandboxStats] {
    try await offload { [self] in
      let pods = try metadata.pods().filter { $0.matches(filter) }.sorted { $0.createdAt < $1.createdAt }
      guard !pods.isEmpty else { return [] }
      let containers = Dictionary(grouping: try metadata.containers().filter { !$0.infra }, by: \.podID)
      let cgroups = CgroupFiles.host()
      return pods.map { podStats($0, containers: (containers[$0.id] ?? []).map(refreshed), cgroups: cgroups) }
    }
  }
}
