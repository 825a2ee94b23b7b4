import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// StreamPodSandboxes: ListPodSandbox's answer in messages of at most 100 pods.
  public func streamPodSandboxes(
    request: Runtime_V1_StreamPodSandboxesRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxesResponse>,
    context: ServerContext
  ) async throws {
    let pods = try await rpc { try await engine.listPods(request.hasFilter ? request.filter : nil) }
    for start in stride(from: 0, to: pods.count, by: 100) {
      var message = Runtime_V1_StreamPodSandboxesResponse()
      message.podSandboxes = Array(pods[start..<min(start + 100, pods.count)])
      try await response.write(message)
    }
  }
}
