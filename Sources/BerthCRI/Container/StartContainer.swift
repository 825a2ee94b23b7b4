import BerthCRIProto
import BerthError
import BerthMetadata
import GRPCCore

extension RuntimeService {
  /// StartContainer: `runtime start` of a created container.
  public func startContainer(request: Runtime_V1_StartContainerRequest, context: ServerContext) async throws
    -> Runtime_V1_StartContainerResponse
  {
    try await rpc {
      let found = try await engine.container(request.containerID)
      try await engine.locks.with(found.id) {
        try await offload { [engine] in
          guard let stored = try engine.metadata.container(found.id) else { throw notFound("container \(found.id)") }
          var record = engine.refreshed(stored)
          guard record.state == .created else {
            throw RPCError(
              code: .failedPrecondition, message: "container \(record.id) is \(record.state.rawValue), not created: it cannot be started")
          }
          do {
            try engine.runtime(record.handler).start(id: record.id)
          } catch {
            record = engine.refreshed(record)
            record.state = .exited
            record.reason = "StartError"
            record.message = "\(error)"
            if record.finishedAt == 0 { record.finishedAt = Engine.now() }
            try? engine.metadata.update(record)
            throw error
          }
          record.state = .running
          record.startedAt = Engine.now()
          try engine.metadata.update(record)
        }
      }
      engine.events.publish(.containerStartedEvent, container: found.id, pod: found.podID)
      Engine.log("container started", level: .info, ["container": "\(found.id)"])
      return Runtime_V1_StartContainerResponse()
    }
  }
}
