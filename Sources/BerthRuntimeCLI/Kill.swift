import BerthError

/// `kill`: sends a signal (default SIGTERM) to the container.
enum Kill: Verb {
  static let name = "kill"
  static let summary = "send a signal (default SIGTERM) to a container"
  static let usage = "<container-id> [signal]"
  static let options: [OptionSpec] = [.flag("all", "a", "signal every process of the container")]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let id = try arguments.id(name)
    let text = arguments.positional.count > 1 ? arguments.positional[1] : "SIGTERM"
    guard let signal = Signals.number(text) else { throw BerthError.invalid("unknown signal \"\(text)\"") }
    try context.runtime().kill(id: id, signal: signal, all: arguments.flag("all"))
    return 0
  }
}

/// Signal names and numbers (x86_64 and arm64 share them).
enum Signals {
  static let names: [String: Int32] = [
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10,
    "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
    "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
    "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
  ]

  /// "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3", "SIGRTMAX-1" → the signal number.
  static func number(_ text: String) -> Int32? {
    if let value = Int32(text) { return value > 0 && value <= 64 ? value : nil }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if let value = names[name] { return value }
    for (base, start, sign) in [("RTMIN", Int32(34), Int32(1)), ("RTMAX", Int32(64), Int32(-1))] where name.hasPrefix(base) {
      let rest = name.dropFirst(base.count)
      if rest.isEmpty { return start }
      guard rest.first == (sign > 0 ? "+" : "-"), let offset = Int32(rest.dropFirst()), offset >= 0 else { return nil }
      let value = start + sign * offset
      return value >= 34 && value <= 64 ? value : nil
    }
    return nil
  }
}
