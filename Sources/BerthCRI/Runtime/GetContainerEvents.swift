import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// GetContainerEvents: a stream of container lifecycle events (Core/Events.swift) from
  /// CreateContainer, StartContainer, StopContainer and RemoveContainer, until the client
  /// cancels. Each carries the pod's status and the statuses of the pod's containers as they
  /// are when the event is sent (the pod's is missing once the pod is removed).
  public func getContainerEvents(
    request: Runtime_V1_GetEventsRequest, response: RPCWriter<Runtime_V1_ContainerEventResponse>, context: ServerContext
  ) async throws {
    // Subscribe before anything else, so no event published after the call began is missed.
    // The stream ends when the client cancels the call (gRPC does not cancel the handler's
    // task for it) or when berthd shuts down (EventHub.finishAll).
    let (events, end) = engine.events.subscription()
    try await withRPCCancellationHandler {
      try await forward(events, to: response, context: context)
    } onCancelRPC: {
      end()
    }
  }

  /// Writes each event, with the statuses it carries, until the stream ends.
  private func forward(
    _ events: AsyncStream<ContainerEvent>, to response: RPCWriter<Runtime_V1_ContainerEventResponse>, context: ServerContext
  ) async throws {
    for await event in events {
      var message = Runtime_V1_ContainerEventResponse()
      message.containerID = event.containerID
      message.containerEventType = event.type
      message.createdAt = event.createdAt
      if let status = await podStatus(event.podID, context: context) { message.podSandboxStatus = status }
      message.containersStatuses = await containerStatuses(pod: event.podID, context: context)
      try await response.write(message)
    }
  }

  /// The pod's PodSandboxStatus answer's status; nil when the pod is gone.
  private func podStatus(_ podID: String, context: ServerContext) async -> Runtime_V1_PodSandboxStatus? {
    var request = Runtime_V1_PodSandboxStatusRequest()
    request.podSandboxID = podID
    return try? await podSandboxStatus(request: request, context: context).status
  }

  /// The ContainerStatus answers of the pod's containers, oldest first; a container removed
  /// meanwhile is left out.
  private func containerStatuses(pod podID: String, context: ServerContext) async -> [Runtime_V1_ContainerStatus] {
    let metadata = engine.metadata
    let records = ((try? await offload { try metadata.containers(pod: podID) }) ?? [])
      .filter { !$0.infra }.sorted { $0.createdAt < $1.createdAt }
    var statuses: [Runtime_V1_ContainerStatus] = []
    for record in records {
      var request = Runtime_V1_ContainerStatusRequest()
      request.containerID = record.id
      if let status = try? await containerStatus(request: request, context: context).status { statuses.append(status) }
    }
    return statuses
  }
}
