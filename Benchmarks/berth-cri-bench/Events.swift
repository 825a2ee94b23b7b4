import BerthCRIProto
import GRPCCore

/// `--events`: GetContainerEvents watched for the whole run, so a run also checks that the
/// endpoint reports each container's creation, start, stop and removal. Counts by event type.
actor EventCounter {
  private(set) var counts: [Runtime_V1_ContainerEventType: Int] = [:]
  private(set) var subscribed = false

  func note(_ type: Runtime_V1_ContainerEventType) { counts[type, default: 0] += 1 }
  func markSubscribed() { subscribed = true }

  /// Streams events into `counter` until cancelled.
  static func watch(
    _ runtime: Runtime_V1_RuntimeService.Client<BenchTransport>, into counter: EventCounter, options: CallOptions
  ) async throws {
    var options = options
    options.timeout = nil
    try await runtime.getContainerEvents(Runtime_V1_GetEventsRequest(), options: options) { response in
      await counter.markSubscribed()
      for try await event in response.messages { await counter.note(event.containerEventType) }
    }
  }

  /// The `"type":"events"` line: how many of each event came.
  func line(label: String) -> String {
    let names: [(String, Runtime_V1_ContainerEventType)] = [
      ("created", .containerCreatedEvent), ("started", .containerStartedEvent), ("stopped", .containerStoppedEvent),
      ("deleted", .containerDeletedEvent),
    ]
    return Report.object(
      [("type", Report.string("events")), ("label", Report.string(label))]
        + names.map { ($0.0, Report.number(Double(counts[$0.1] ?? 0))) })
  }
}
