import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// StreamPodSandboxMetrics: ListPodSandboxMetrics' answer in messages of at most 100 pods.
  public func streamPodSandboxMetrics(
    request: Runtime_V1_StreamPodSandboxMetricsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxMetricsResponse>,
    context: ServerContext
  ) async throws {
    let metrics = try await rpc { try await engine.podMetrics() }
    for start in stride(from: 0, to: metrics.count, by: 100) {
      var message = Runtime_V1_StreamPodSandboxMetricsResponse()
      message.podSandboxMetrics = Array(metrics[start..<min(start + 100, metrics.count)])
      try await response.write(message)
    }
  }
}
