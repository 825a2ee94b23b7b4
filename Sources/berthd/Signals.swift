#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Waiting for termination signals without a handler running arbitrary code: the signals are
/// ignored by default handling and delivered through Dispatch sources.
enum Signals {
  /// Returns when one of `signals` arrives, or when the waiting task is cancelled (so a server
  /// that fails to start does not wait for a signal that never comes).
  static func wait(_ signals: [Int32]) async {
    let queue = DispatchQueue(label: "berthd.signals")
    let waiter = Waiter(queue: queue)
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        queue.sync {
          waiter.continuation = continuation
          for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { waiter.finish() }
            source.resume()
            waiter.sources.append(source)
          }
          if waiter.cancelled { waiter.finish() }
        }
      }
    } onCancel: {
      queue.async {
        waiter.cancelled = true
        waiter.finish()
      }
    }
  }

  /// One wait's state, touched only on its queue.
  private final class Waiter: @unchecked Sendable {
    let queue: DispatchQueue
    var sources: [any DispatchSourceSignal] = []
    var continuation: CheckedContinuation<Void, Never>?
    var cancelled = false

    init(queue: DispatchQueue) { self.queue = queue }

    /// Resumes the waiter once and stops listening.
    func finish() {
      sources.forEach { $0.cancel() }
      sources = []
      continuation?.resume()
      continuation = nil
    }
  }
}
