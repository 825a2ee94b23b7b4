import Dispatch
import Synchronization

/// Runs blocking work (runtime binaries, CNI plugins, mounts, SQLite) on a Dispatch thread so
/// that it never holds a thread of Swift's cooperative pool, which gRPC's handlers share.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue.global().async {
      continuation.resume(with: Result { try body() })
    }
  }
}

/// One lock per key (a pod or container id): RPCs on the same object run one at a time, RPCs
/// on different objects in parallel. FIFO: waiters get the lock in arrival order.
actor KeyedLocks {
  private var held: Set<String> = []
  private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

  /// Runs `body` holding the lock of `key`.
  func with<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
    await acquire(key)
    do {
      let result = try await body()
      release(key)
      return result
    } catch {
      release(key)
      throw error
    }
  }

  private func acquire(_ key: String) async {
    if held.insert(key).inserted { return }
    await withCheckedContinuation { waiters[key, default: []].append($0) }
  }

  private func release(_ key: String) {
    if var queue = waiters[key], !queue.isEmpty {
      let next = queue.removeFirst()
      waiters[key] = queue.isEmpty ? nil : queue
      next.resume()  // the lock passes to the next waiter without being freed
    } else {
      held.remove(key)
    }
  }
}

/// The undo steps of a multi-step create, run last-first when the create fails, so a failed
/// RunPodSandbox or CreateContainer leaves nothing behind. Undo steps must not throw: each
/// swallows (and should log) its own failure, so one failed step does not skip the others.
final class Undo: Sendable {
  private let steps = Mutex<[@Sendable () -> Void]>([])

  /// Adds the step that undoes what was just done (from any task: steps run in the order
  /// they were added, reversed).
  func add(_ step: @escaping @Sendable () -> Void) { steps.withLock { $0.append(step) } }

  /// Runs every step, last first, once.
  func run() {
    while let step = steps.withLock({ $0.popLast() }) { step() }
  }

  /// Forgets the steps: the create succeeded.
  func commit() { steps.withLock { $0.removeAll() } }
}
