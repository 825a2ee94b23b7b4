import BerthCRIProto
import Synchronization

/// A container lifecycle change, as the RPC that made it publishes it.
struct ContainerEvent: Sendable, Equatable {
  /// The container.
  var containerID: String
  /// Its pod.
  var podID: String
  /// CREATED, STARTED, STOPPED or DELETED.
  var type: Runtime_V1_ContainerEventType
  /// Unix nanoseconds.
  var createdAt: Int64
}

/// Fans container events out to every GetContainerEvents stream. Each subscriber gets every
/// event published after it subscribed, in publication order; a subscriber that falls more
/// than `bufferLimit` events behind loses the oldest ones (the kubelet relists when it sees a
/// gap, so a stalled client must not make berthd hold events without bound).
public final class EventHub: Sendable {
  /// The most events kept for one subscriber that is not reading.
  static let bufferLimit = 1024

  private struct State {
    var nextID = 0
    var subscribers: [Int: AsyncStream<ContainerEvent>.Continuation] = [:]
  }

  private let state = Mutex(State())

  /// Creates a hub without subscribers.
  init() {}

  /// A stream of the events published from now on. It ends when its consumer is cancelled (the
  /// gRPC client went away) or stops iterating, and the subscription is then dropped.
  func subscribe() -> AsyncStream<ContainerEvent> { subscription().stream }

  /// A stream as `subscribe` makes it, and a function that ends it (when the RPC is cancelled).
  func subscription() -> (stream: AsyncStream<ContainerEvent>, end: @Sendable () -> Void) {
    let (stream, continuation) = AsyncStream.makeStream(of: ContainerEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      state.subscribers[state.nextID] = continuation
      return state.nextID
    }
    // Called outside the lock: by the consumer's cancellation, or by `finish`.
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
    return (stream, { continuation.finish() })
  }

  /// Ends every stream (the daemon shuts down: the server waits for its calls to finish).
  public func finishAll() {
    let all = state.withLock { Array($0.subscribers.values) }
    for continuation in all { continuation.finish() }
  }

  /// Sends `event` to every subscriber. Yielding under the lock gives all subscribers the same
  /// order when RPCs publish concurrently; `yield` never calls `onTermination`, so the lock is
  /// not re-entered.
  func publish(_ event: ContainerEvent) {
    state.withLock { state in
      for continuation in state.subscribers.values { continuation.yield(event) }
    }
  }

  /// Publishes an event stamped now.
  func publish(_ type: Runtime_V1_ContainerEventType, container: String, pod: String) {
    publish(ContainerEvent(containerID: container, podID: pod, type: type, createdAt: Engine.now()))
  }

  /// How many streams are subscribed.
  var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
