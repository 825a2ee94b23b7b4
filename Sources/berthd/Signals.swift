#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Waiting for termination signals without a handler running arbitrary code: the signals are
/// blocked and delivered through a Dispatch source.
enum Signals {
  /// Returns when one of `signals` arrives.
  static func wait(_ signals: [Int32]) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let queue = DispatchQueue(label: "berthd.signals")
      let box = SourceBox()
      queue.sync {
        for sig in signals {
          signal(sig, SIG_IGN)
          let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
          source.setEventHandler {
            guard !box.fired else { return }
            box.fired = true
            box.sources.forEach { $0.cancel() }
            continuation.resume()
          }
          source.resume()
          box.sources.append(source)
        }
      }
    }
  }

  /// The sources of one wait, touched only on its queue.
  private final class SourceBox: @unchecked Sendable {
    var sources: [any DispatchSourceSignal] = []
    var fired = false
  }
}
