import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListPodSandbox: every pod passing the filter (id prefix, state, labels).
  public func listPodSandbox(request: Runtime_V1_ListPodSandboxRequest, context: ServerContext) async throws
    -> Runtime_V1_ListPodSandboxResponse
  {
    try await rpc {
      var response = Runtime_V1_ListPodSandboxResponse()
      response.items = try await engine.listPods(request.hasFilter ? request.filter : nil)
      return response
    }
  }
}

extension Engine {
  /// The pods passing `filter`, oldest first.
  func listPods(_ filter: Runtime_V1_PodSandboxFilter?) async throws -> [Runtime_V1_PodSandbox] {
    let metadata = self.metadata
    return try await offload { try metadata.pods() }.filter { $0.matches(filter) }.sorted { $0.createdAt < $1.createdAt }.map(\.listEntry)
  }
}
