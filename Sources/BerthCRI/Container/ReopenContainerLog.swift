import BerthCRIProto
import BerthRuntimeClient
import GRPCCore

extension RuntimeService {
  /// ReopenContainerLog: the monitor reopens the log file (kubelet renamed it to rotate).
  public func reopenContainerLog(request: Runtime_V1_ReopenContainerLogRequest, context: ServerContext) async throws
    -> Runtime_V1_ReopenContainerLogResponse
  {
    try await rpc {
      let found = try await engine.container(request.containerID)
      let record = try await offload { [engine] in engine.refreshed(found) }
      guard record.state == .running else {
        throw RPCError(code: .failedPrecondition, message: "container \(record.id) is not running: its log cannot be reopened")
      }
      let dir = engine.containerDir(record.id)
      try await offload { try Monitor.reopenLog(stateDir: dir) }
      return Runtime_V1_ReopenContainerLogResponse()
    }
  }
}
