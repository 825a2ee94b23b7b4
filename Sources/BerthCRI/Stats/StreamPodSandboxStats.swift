import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// StreamPodSandboxStats: ListPodSandboxStats' answer in messages of at most 100 pods.
  public func streamPodSandboxStats(
    request: Runtime_V1_StreamPodSandboxStatsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxStatsResponse>,
    context: ServerContext
  ) async throws {
    let stats = try await rpc { try await engine.listPodStats(request.filter) }
    for start in stride(from: 0, to: stats.count, by: 100) {
      var message = Runtime_V1_StreamPodSandboxStatsResponse()
      message.podSandboxStats = Array(stats[start..<min(start + 100, stats.count)])
      try await response.write(message)
    }
  }
}
