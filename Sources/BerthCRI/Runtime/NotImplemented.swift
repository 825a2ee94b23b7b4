import BerthCRIProto
import GRPCCore

// RuntimeService RPCs berthd does not implement yet (issue 4 builds them: pods, containers,
// CNI, streaming). Each answers UNIMPLEMENTED naming itself, never a fake success; the README
// feature table lists them. Each moves to a file of its own when it is implemented.
extension RuntimeService {
  public func runPodSandbox(request: Runtime_V1_RunPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RunPodSandboxResponse {
    throw Self.unimplemented("RunPodSandbox")
  }

  public func stopPodSandbox(request: Runtime_V1_StopPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_StopPodSandboxResponse {
    throw Self.unimplemented("StopPodSandbox")
  }

  public func removePodSandbox(request: Runtime_V1_RemovePodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RemovePodSandboxResponse {
    throw Self.unimplemented("RemovePodSandbox")
  }

  public func podSandboxStatus(request: Runtime_V1_PodSandboxStatusRequest, context: ServerContext) async throws -> Runtime_V1_PodSandboxStatusResponse {
    throw Self.unimplemented("PodSandboxStatus")
  }

  public func listPodSandbox(request: Runtime_V1_ListPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxResponse {
    throw Self.unimplemented("ListPodSandbox")
  }

  public func streamPodSandboxes(request: Runtime_V1_StreamPodSandboxesRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxesResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamPodSandboxes")
  }

  public func createContainer(request: Runtime_V1_CreateContainerRequest, context: ServerContext) async throws -> Runtime_V1_CreateContainerResponse {
    throw Self.unimplemented("CreateContainer")
  }

  public func startContainer(request: Runtime_V1_StartContainerRequest, context: ServerContext) async throws -> Runtime_V1_StartContainerResponse {
    throw Self.unimplemented("StartContainer")
  }

  public func stopContainer(request: Runtime_V1_StopContainerRequest, context: ServerContext) async throws -> Runtime_V1_StopContainerResponse {
    throw Self.unimplemented("StopContainer")
  }

  public func removeContainer(request: Runtime_V1_RemoveContainerRequest, context: ServerContext) async throws -> Runtime_V1_RemoveContainerResponse {
    throw Self.unimplemented("RemoveContainer")
  }

  public func listContainers(request: Runtime_V1_ListContainersRequest, context: ServerContext) async throws -> Runtime_V1_ListContainersResponse {
    throw Self.unimplemented("ListContainers")
  }

  public func streamContainers(request: Runtime_V1_StreamContainersRequest, response: RPCWriter<Runtime_V1_StreamContainersResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamContainers")
  }

  public func containerStatus(request: Runtime_V1_ContainerStatusRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatusResponse {
    throw Self.unimplemented("ContainerStatus")
  }

  public func updateContainerResources(request: Runtime_V1_UpdateContainerResourcesRequest, context: ServerContext) async throws -> Runtime_V1_UpdateContainerResourcesResponse {
    throw Self.unimplemented("UpdateContainerResources")
  }

  public func reopenContainerLog(request: Runtime_V1_ReopenContainerLogRequest, context: ServerContext) async throws -> Runtime_V1_ReopenContainerLogResponse {
    throw Self.unimplemented("ReopenContainerLog")
  }

  public func execSync(request: Runtime_V1_ExecSyncRequest, context: ServerContext) async throws -> Runtime_V1_ExecSyncResponse {
    throw Self.unimplemented("ExecSync")
  }

  public func exec(request: Runtime_V1_ExecRequest, context: ServerContext) async throws -> Runtime_V1_ExecResponse {
    throw Self.unimplemented("Exec")
  }

  public func attach(request: Runtime_V1_AttachRequest, context: ServerContext) async throws -> Runtime_V1_AttachResponse {
    throw Self.unimplemented("Attach")
  }

  public func portForward(request: Runtime_V1_PortForwardRequest, context: ServerContext) async throws -> Runtime_V1_PortForwardResponse {
    throw Self.unimplemented("PortForward")
  }

  public func containerStats(request: Runtime_V1_ContainerStatsRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatsResponse {
    throw Self.unimplemented("ContainerStats")
  }

  public func listContainerStats(request: Runtime_V1_ListContainerStatsRequest, context: ServerContext) async throws -> Runtime_V1_ListContainerStatsResponse {
    throw Self.unimplemented("ListContainerStats")
  }

  public func streamContainerStats(request: Runtime_V1_StreamContainerStatsRequest, response: RPCWriter<Runtime_V1_StreamContainerStatsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamContainerStats")
  }

  public func podSandboxStats(request: Runtime_V1_PodSandboxStatsRequest, context: ServerContext) async throws -> Runtime_V1_PodSandboxStatsResponse {
    throw Self.unimplemented("PodSandboxStats")
  }

  public func listPodSandboxStats(request: Runtime_V1_ListPodSandboxStatsRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxStatsResponse {
    throw Self.unimplemented("ListPodSandboxStats")
  }

  public func streamPodSandboxStats(request: Runtime_V1_StreamPodSandboxStatsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxStatsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamPodSandboxStats")
  }

  public func updateRuntimeConfig(request: Runtime_V1_UpdateRuntimeConfigRequest, context: ServerContext) async throws -> Runtime_V1_UpdateRuntimeConfigResponse {
    throw Self.unimplemented("UpdateRuntimeConfig")
  }

  public func checkpointContainer(request: Runtime_V1_CheckpointContainerRequest, context: ServerContext) async throws -> Runtime_V1_CheckpointContainerResponse {
    throw Self.unimplemented("CheckpointContainer")
  }

  public func getContainerEvents(request: Runtime_V1_GetEventsRequest, response: RPCWriter<Runtime_V1_ContainerEventResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("GetContainerEvents")
  }

  public func listMetricDescriptors(request: Runtime_V1_ListMetricDescriptorsRequest, context: ServerContext) async throws -> Runtime_V1_ListMetricDescriptorsResponse {
    throw Self.unimplemented("ListMetricDescriptors")
  }

  public func listPodSandboxMetrics(request: Runtime_V1_ListPodSandboxMetricsRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxMetricsResponse {
    throw Self.unimplemented("ListPodSandboxMetrics")
  }

  public func streamPodSandboxMetrics(request: Runtime_V1_StreamPodSandboxMetricsRequest, response: RPCWriter<Runtime_V1_StreamPodSandboxMetricsResponse>, context: ServerContext) async throws {
    throw Self.unimplemented("StreamPodSandboxMetrics")
  }

  public func updatePodSandboxResources(request: Runtime_V1_UpdatePodSandboxResourcesRequest, context: ServerContext) async throws -> Runtime_V1_UpdatePodSandboxResourcesResponse {
    throw Self.unimplemented("UpdatePodSandboxResources")
  }
}
