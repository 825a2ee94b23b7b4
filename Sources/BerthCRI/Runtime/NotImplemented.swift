import BerthCRIProto
import GRPCCore

// RuntimeService RPCs berthd does not implement yet: the streaming server (Exec, Attach,
// PortForward) and checkpointing. Each answers UNIMPLEMENTED naming itself, never a fake
// success; the README feature table lists them. Each moves to a file of its own when it is
// implemented.
extension RuntimeService {
  public func exec(request: Runtime_V1_ExecRequest, context: ServerContext) async throws -> Runtime_V1_ExecResponse {
    throw Self.unimplemented("Exec", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func attach(request: Runtime_V1_AttachRequest, context: ServerContext) async throws -> Runtime_V1_AttachResponse {
    throw Self.unimplemented("Attach", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func portForward(request: Runtime_V1_PortForwardRequest, context: ServerContext) async throws -> Runtime_V1_PortForwardResponse {
    throw Self.unimplemented("PortForward", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func checkpointContainer(request: Runtime_V1_CheckpointContainerRequest, context: ServerContext) async throws -> Runtime_V1_CheckpointContainerResponse {
    throw Self.unimplemented("CheckpointContainer", "checkpoint/restore (CRIU) is not supported")
  }
}
