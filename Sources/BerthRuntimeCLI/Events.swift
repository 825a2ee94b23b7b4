import ArgumentParser
import BerthRuntime

#if canImport(Glibc)
import Glibc
#endif

struct Events: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print container statistics and OOM events as JSON lines.")
  @OptionGroup var globals: GlobalOptions
  @Flag(help: "Print statistics once and exit.") var stats = false
  @Option(help: "Interval between statistics, e.g. 5s or 500ms.") var interval: String = "5s"
  @Argument(help: "Container id.") var id: String

  struct Event<T: Encodable>: Encodable {
    var type: String
    var id: String
    var data: T?
  }

  func run() throws {
    guard let micros = Self.parseDuration(interval), micros > 0 else {
      throw ValidationError("invalid --interval \(interval)")
    }
    var lastOOM: UInt64?
    while true {
      let sample = try globals.perform { try $0.stats(id: id) }
      if sample.status == .stopped && !stats { return }
      if let lastOOM, sample.oomKills > lastOOM {
        print(try JSON.compact(Event<Int>(type: "oom", id: id, data: nil)))
      }
      lastOOM = sample.oomKills
      print(try JSON.compact(Event(type: "stats", id: id, data: sample.stats)))
      fflush(nil)
      if stats { return }
      usleep(UInt32(min(micros, UInt64(UInt32.max))))
    }
  }

  /// "5s", "500ms", "1m", "2" (seconds) → microseconds.
  static func parseDuration(_ text: String) -> UInt64? {
    let units: [(String, UInt64)] = [("ms", 1000), ("us", 1), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      return UInt64(text.dropLast(suffix.count)).map { $0 * scale }
    }
    return UInt64(text).map { $0 * 1_000_000 }
  }
}
