import BerthOCI
import BerthError

#if canImport(Glibc)
import Glibc
#endif

/// `events`: statistics and OOM notifications as JSON lines.
enum Events: Verb {
  static let name = "events"
  static let summary = "print container statistics and OOM events as JSON lines"
  static let options: [OptionSpec] = [
    .flag("stats", nil, "print statistics once and exit"),
    .value("interval", nil, "interval between statistics (default 5s; e.g. 500ms, 1m)"),
  ]

  struct Event<T: Encodable>: Encodable {
    var type: String
    var id: String
    var data: T?
  }

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let id = try arguments.id(name)
    let interval = arguments.value("interval") ?? "5s"
    guard let micros = parseDuration(interval), micros > 0 else { throw BerthError.invalid("invalid --interval \(interval)") }
    let runtime = try context.runtime()
    let once = arguments.flag("stats")
    var lastOOM: UInt64?
    while true {
      let sample = try runtime.stats(id: id)
      if sample.status == .stopped && !once { return 0 }
      if let lastOOM, sample.oomKills > lastOOM { output(try JSON.compact(Event<Int>(type: "oom", id: id, data: nil))) }
      lastOOM = sample.oomKills
      output(try JSON.compact(Event(type: "stats", id: id, data: sample.stats)))
      if once { return 0 }
      usleep(UInt32(min(micros, UInt64(UInt32.max))))
    }
  }

  /// A Go duration ("5s", "500ms", "1.5s", "1m30s"; a bare integer is seconds) → microseconds.
  static func parseDuration(_ text: String) -> UInt64? {
    if let seconds = UInt64(text) { return seconds * 1_000_000 }
    let units: [(String, Double)] = [("ns", 0.001), ("us", 1), ("µs", 1), ("ms", 1000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
    var rest = Substring(text)
    var total = 0.0
    while !rest.isEmpty {
      let number = rest.prefix { $0.isNumber || $0 == "." }
      guard !number.isEmpty, let value = Double(number) else { return nil }
      rest = rest.dropFirst(number.count)
      guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) }) else { return nil }
      rest = rest.dropFirst(unit.count)
      total += value * scale
    }
    return text.isEmpty ? nil : UInt64(total)
  }
}
