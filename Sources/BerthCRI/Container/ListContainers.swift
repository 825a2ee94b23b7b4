import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListContainers: every container passing the filter (id or pod prefix, state, labels).
  public func listContainers(request: Runtime_V1_ListContainersRequest, context: ServerContext) async throws
    -> Runtime_V1_ListContainersResponse
  {
    try await rpc {
      var response = Runtime_V1_ListContainersResponse()
      response.containers = try await engine.listContainers(request.hasFilter ? request.filter : nil)
      return response
    }
  }
}

extension Engine {
  /// The containers passing `filter`, oldest first.
  func listContainers(_ filter: Runtime_V1_ContainerFilter?) async throws -> [Runtime_V1_Container] {
    try await containers().filter { $0.matches(filter) }.sorted { $0.createdAt < $1.createdAt }.map(\.listEntry)
  }
}
