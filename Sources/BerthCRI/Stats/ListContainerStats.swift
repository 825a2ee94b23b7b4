import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListContainerStats: the stats of every container passing the filter (id prefix, pod id
  /// prefix, labels), oldest first.
  public func listContainerStats(request: Runtime_V1_ListContainerStatsRequest, context: ServerContext) async throws
    -> Runtime_V1_ListContainerStatsResponse
  {
    try await rpc {
      var response = Runtime_V1_ListContainerStatsResponse()
      response.stats = try await engine.listContainerStats(request.filter)
      return response
    }
  }
}

extension Engine {
  /// The stats of the containers passing `filter` (an empty filter passes all), oldest first.
  func listContainerStats(_ filter: Runtime_V1_ContainerStatsFilter) async throws -> [Runtime_V1_ContainerStats] {
    let records = try await containers().filter { $0.matches(filter) }.sorted { $0.createdAt < $1.createdAt }
    return try await offload { [self] in
      let cgroups = CgroupFiles.host()
      return records.map { containerStats($0, cgroups: cgroups) }
    }
  }
}
