import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// RemoveContainer: kills the container if it runs, deletes it from the runtime, removes its
  /// rootfs, files and record. Idempotent: an unknown container is not an error (CRI).
  public func removeContainer(request: Runtime_V1_RemoveContainerRequest, context: ServerContext) async throws
    -> Runtime_V1_RemoveContainerResponse
  {
    try await rpc {
      try require(!request.containerID.isEmpty, "container_id is empty")
      guard let found = try await engine.findContainer(request.containerID) else { return Runtime_V1_RemoveContainerResponse() }
      try await engine.locks.with(found.id) {
        try await offload { [engine] in
          guard let stored = try engine.metadata.container(found.id) else { return }
          try engine.destroy(stored)
          try engine.metadata.removeContainer(stored.id)
        }
      }
      engine.events.publish(.containerDeletedEvent, container: found.id, pod: found.podID)
      Engine.log("container removed", level: .info, ["container": "\(found.id)"])
      return Runtime_V1_RemoveContainerResponse()
    }
  }
}
