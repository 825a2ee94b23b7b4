import Synchronization

/// The previous CPU sample of each container and pod, so that a stats answer can carry
/// `usage_nano_cores` (the CPU rate), which the cgroup files do not give: only a cumulative
/// time. One per engine; safe from any thread.
final class UsageRates: Sendable {
  /// One cumulative CPU reading.
  struct Sample: Sendable, Equatable {
    /// Unix nanoseconds.
    var time: Int64
    /// Cumulative CPU nanoseconds.
    var usage: UInt64
  }

  /// A kept sample is replaced only once a newer one is this much newer, so that two stats
  /// calls a few milliseconds apart do not give a rate measured over those milliseconds.
  static let minimumInterval: Int64 = 1_000_000_000
  /// Samples older than this are forgotten (their container is most likely gone).
  static let maximumAge: Int64 = 600_000_000_000

  private let samples = Mutex<[String: Sample]>([:])

  /// Creates an empty cache.
  init() {}

  /// The rate in nanocores between the kept sample of `key` and `sample`, then keeps `sample`
  /// if the kept one is at least `minimumInterval` older. Nil for the first sample of a key, or
  /// when the counter went backwards (a cgroup re-made under the same key).
  func rate(_ key: String, _ sample: Sample) -> UInt64? {
    samples.withLock { samples in
      let previous = samples[key]
      if previous == nil || sample.time - (previous?.time ?? 0) >= Self.minimumInterval || sample.usage < (previous?.usage ?? 0) {
        samples[key] = sample
      }
      if samples.count > 256 {
        samples = samples.filter { sample.time - $0.value.time < Self.maximumAge }
      }
      return previous.flatMap { Self.rate(from: $0, to: sample) }
    }
  }

  /// `(usage₂ − usage₁) / (time₂ − time₁)` in nanocores: 1e9 is one CPU busy all the time.
  static func rate(from first: Sample, to second: Sample) -> UInt64? {
    guard second.time > first.time, second.usage >= first.usage else { return nil }
    let cpu = Double(second.usage - first.usage)
    let wall = Double(second.time - first.time)
    return UInt64((cpu / wall * 1e9).rounded())
  }
}
