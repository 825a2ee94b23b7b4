import ArgumentParser
import BerthError
import BerthRuntime

#if canImport(Glibc)
import Glibc
#endif

struct Kill: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Send a signal (default SIGTERM) to a container.")
  @OptionGroup var globals: GlobalOptions
  @Flag(name: [.short, .long], help: "Signal every process of the container.") var all = false
  @Argument(help: "Container id.") var id: String
  @Argument(help: "Signal name or number.") var signal: String = "SIGTERM"

  func run() throws {
    try globals.perform { runtime in
      guard let number = Signals.number(signal) else { throw BerthError.invalid("unknown signal \(signal)") }
      try runtime.kill(id: id, signal: number, all: all)
    }
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

  /// "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3" → the signal number.
  static func number(_ text: String) -> Int32? {
    if let value = Int32(text) { return value > 0 && value < 65 ? value : nil }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if let value = names[name] { return value }
    if name.hasPrefix("RTMIN") {
      let offset = name == "RTMIN" ? 0 : Int32(name.dropFirst(6)) ?? -1
      return offset >= 0 && 34 + offset <= 64 && (name == "RTMIN" || name.dropFirst(5).first == "+") ? 34 + offset : nil
    }
    if name.hasPrefix("RTMAX") {
      let offset = name == "RTMAX" ? 0 : Int32(name.dropFirst(6)) ?? -1
      return offset >= 0 && 64 - offset >= 34 && (name == "RTMAX" || name.dropFirst(5).first == "-") ? 64 - offset : nil
    }
    return nil
  }
}
