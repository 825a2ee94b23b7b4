import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// StreamContainerStats: ListContainerStats' answer in messages of at most 100 containers.
  public func streamContainerStats(
    request: Runtime_V1_StreamContainerStatsRequest, response: RPCWriter<Runtime_V1_StreamContainerStatsResponse>,
    context: ServerContext
  ) async throws {
    let stats = try await rpc { try await engine.listContainerStats(request.filter) }
    for start in stride(from: 0, to: stats.count, by: 100) {
      var message = Runtime_V1_StreamContainerStatsResponse()
      message.containerStats = Array(stats[start..<min(start + 100, stats.count)])
      try await response.write(message)
    }
  }
}
