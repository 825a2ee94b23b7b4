import BerthCRIProto
import GRPCCore

// RuntimeService RPCs berthd does not implement yet (issue 4 builds them: pods, containers,
// CNI, streaming). Each answers UNIMPLEMENTED naming itself, never a fake success; the README
// feature table lists them. Each moves to a file of its own when it is implemented.
extension RuntimeService {
  public func updateContainerResources(request: Runtime_V1_UpdateContainerResourcesRequest, context: ServerContext) async throws -> Runtime_V1_UpdateContainerResourcesResponse {
    throw Self.unimplemented("UpdateContainerResources", "TEMP")
  }

  public func exec(request: Runtime_V1_ExecRequest, context: ServerContext) async throws -> Runtime_V1_ExecResponse {
    throw Self.unimplemented("Exec", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func attach(request: Runtime_V1_AttachRequest, context: ServerContext) async throws -> Runtime_V1_AttachResponse {
    throw Self.unimplemented("Attach", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func portForward(request: Runtime_V1_PortForwardRequest, context: ServerContext) async throws -> Runtime_V1_PortForwardResponse {
    throw Self.unimplemented("PortForward", "the streaming server (Exec, Attach, PortForward) comes in a later issue")
  }

  public func containerStats(request: Runtime_V1_ContainerStatsRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatsResponse {
    throw Self.unimplemented("ContainerStats", "TEMP")
  }

  public func listContainerStats(request: Runtime_V1_ListContainerStatsRequest, context: ServerContext) async throws -> Runtime_V1_ListContainerStatsResponse {
    throw Self.unimplemented("ListContainerStats", "TEMP")
  }

  public func streamContainerStats(request: Runtime_V1_StreamContainerStatsRequest, response: RPCWriter<Runtime_V1_StreamContainerStatsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamContainerStats", "TEMP")
  }

  public func podSandboxStats(request: Runtime_V1_PodSandboxStatsRequest, context: ServerContext) async throws -> Runtime_V1_PodSandboxStatsResponse {
    throw Self.unimplemented("PodSandboxStats", "TEMP")
  }

  public func listPodSandboxStats(request: Runtime_V1_ListPodSandboxStatsRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxStatsResponse {
    throw Self.unimplemented("ListPodSandboxStats", "TEMP")
  }

  public func streamPodSandboxStats(request: Runtime_V1_StreamPodSandboxStatsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxStatsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamPodSandboxStats", "TEMP")
  }

  public func checkpointContainer(request: Runtime_V1_CheckpointContainerRequest, context: ServerContext) async throws -> Runtime_V1_CheckpointContainerResponse {
    throw Self.unimplemented("CheckpointContainer", "checkpoint/restore (CRIU) is not supported")
  }

  public func getContainerEvents(request: Runtime_V1_GetEventsRequest, response: RPCWriter<Runtime_V1_ContainerEventResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("GetContainerEvents", "TEMP")
  }

  public func listMetricDescriptors(request: Runtime_V1_ListMetricDescriptorsRequest, context: ServerContext) async throws -> Runtime_V1_ListMetricDescriptorsResponse {
    throw Self.unimplemented("ListMetricDescriptors", "TEMP")
  }

  public func listPodSandboxMetrics(request: Runtime_V1_ListPodSandboxMetricsRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxMetricsResponse {
    throw Self.unimplemented("ListPodSandboxMetrics", "TEMP")
  }

  public func streamPodSandboxMetrics(request: Runtime_V1_StreamPodSandboxMetricsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxMetricsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamPodSandboxMetrics", "TEMP")
  }

  public func updatePodSandboxResources(request: Runtime_V1_UpdatePodSandboxResourcesRequest, context: ServerContext) async throws -> Runtime_V1_UpdatePodSandboxResourcesResponse {
    throw Self.unimplemented("UpdatePodSandboxResources", "TEMP")
  }
}
