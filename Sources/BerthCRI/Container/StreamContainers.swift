import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// StreamContainers: ListContainers' answer in messages of at most 100 containers.
  public func streamContainers(
    request: Runtime_V1_StreamContainersRequest, response: RPCWriter<Runtime_V1_StreamContainersResponse>,
    context: ServerContext
  ) async throws {
    let containers = try await rpc { try await engine.listContainers(request.hasFilter ? request.filter : nil) }
    for start in stride(from: 0, to: containers.count, by: 100) {
      var message = Runtime_V1_StreamContainersResponse()
      message.containers = Array(containers[start..<min(start + 100, containers.count)])
      try await response.write(message)
    }
  }
}
