import BerthCRIProto
import Testing

@testable import BerthCRI

@Suite("Events: the container event hub")
struct EventHubTests {
  static func event(_ id: String, _ type: Runtime_V1_ContainerEventType) -> ContainerEvent {
    ContainerEvent(containerID: id, podID: "pod", type: type, createdAt: 1)
  }

  /// Waits (at most about two seconds) until `condition` holds.
  static func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<400 {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
  }

  @Test("every subscriber gets the events published after it subscribed, in order")
  func order() async {
    let hub = EventHub()
    hub.publish(Self.event("before", .containerCreatedEvent))
    let first = hub.subscribe()
    let second = hub.subscribe()
    let types: [Runtime_V1_ContainerEventType] = [
      .containerCreatedEvent, .containerStartedEvent, .containerStoppedEvent, .containerDeletedEvent,
    ]
    for (index, type) in types.enumerated() { hub.publish(Self.event("c\(index)", type)) }
    for stream in [first, second] {
      var received: [ContainerEvent] = []
      for await event in stream {
        received.append(event)
        if received.count == types.count { break }
      }
      #expect(received.map(\.containerID) == ["c0", "c1", "c2", "c3"])
      #expect(received.map(\.type) == types)
    }
  }

  @Test("the stream ends when its consumer is cancelled, and the subscription is dropped")
  func endsOnCancel() async throws {
    let hub = EventHub()
    let stream = hub.subscribe()
    #expect(hub.subscriberCount == 1)
    let consumer = Task {
      var count = 0
      for await _ in stream { count += 1 }
      return count  // reached only when the stream ends
    }
    hub.publish(Self.event("a", .containerStartedEvent))
    #expect(await Self.eventually { hub.subscriberCount == 1 })
    consumer.cancel()
    let count = await consumer.value
    #expect(count <= 1)
    #expect(await Self.eventually { hub.subscriberCount == 0 })
    // Publishing to nobody is fine.
    hub.publish(Self.event("b", .containerStoppedEvent))
  }

  @Test("a subscriber that stops iterating is dropped; the others keep receiving")
  func dropsFinished() async {
    let hub = EventHub()
    var dropped: AsyncStream<ContainerEvent>? = hub.subscribe()
    let kept = hub.subscribe()
    #expect(hub.subscriberCount == 2)
    dropped = nil
    #expect(dropped == nil)
    #expect(await Self.eventually { hub.subscriberCount == 1 })
    hub.publish(Self.event("x", .containerCreatedEvent))
    var iterator = kept.makeAsyncIterator()
    #expect(await iterator.next()?.containerID == "x")
  }

  @Test("a subscriber that does not read keeps only the newest events, up to the limit")
  func bounded() async {
    let hub = EventHub()
    let stream = hub.subscribe()
    for index in 0..<(EventHub.bufferLimit + 10) { hub.publish(Self.event("c\(index)", .containerCreatedEvent)) }
    var iterator = stream.makeAsyncIterator()
    #expect(await iterator.next()?.containerID == "c10")
  }

  @Test("publish stamps the event with the current time")
  func stamped() async {
    let hub = EventHub()
    let stream = hub.subscribe()
    let before = Engine.now()
    hub.publish(.containerStoppedEvent, container: "c", pod: "p")
    var iterator = stream.makeAsyncIterator()
    let event = await iterator.next()
    #expect(event?.podID == "p")
    #expect(event?.type == .containerStoppedEvent)
    #expect((event?.createdAt ?? 0) >= before)
  }
}
