import BerthRuntimeClient
import BerthSys

/// berthd's resident set while nothing happens. Most of what a dynamically linked Swift daemon
/// has resident is clean pages of its executable and libraries, mapped while it started and
/// served calls (Swift's metadata scans touch much of a 140 MB binary). Once no CRI call has
/// come for `quiet` seconds, those pages are unmapped (`ResidentMemory.dropCleanPages`): the
/// next call maps back, from the page cache, what it uses. Private memory (heap, stacks, the
/// dirty pages) is untouched.
extension Engine {
  /// Trims once per quiet period, until the task is cancelled.
  public func trimWhenIdle(quiet: Double = 10) async {
    var trimmedAt: UInt64 = 0
    while !Task.isCancelled {
      try? await Task.sleep(nanoseconds: 2_000_000_000)
      let last = metrics.lastCall.load(ordering: .relaxed)
      let now = Clock.monotonicNanoseconds()
      guard now - last >= UInt64(quiet * 1e9), last >= trimmedAt else { continue }
      guard let pages = try? await offload({ ResidentMemory.dropCleanPages(allFiles: true) }) else { continue }
      trimmedAt = Clock.monotonicNanoseconds()
      Self.log("idle: unmapped \(pages) clean file pages", level: .debug)
    }
  }
}
