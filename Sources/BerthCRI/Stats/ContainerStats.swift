import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ContainerStats: the stats of one container (Stats/StatsViews): CPU and memory while it
  /// runs, the writable layer while it exists; an exited container answers its attributes.
  public func containerStats(request: Runtime_V1_ContainerStatsRequest, context: ServerContext) async throws
    -> Runtime_V1_ContainerStatsResponse
  {
    try await rpc {
      let found = try await engine.container(request.containerID)
      var response = Runtime_V1_ContainerStatsResponse()
      response.stats = try await offload { [engine] in engine.containerStats(engine.refreshed(found), cgroups: .host()) }
      return response
    }
  }
}
