#if canImport(Glibc)
import Glibc
#endif
import BerthSys

/// runc-compatible logging: errors go to stderr and, with `--log`, to that file as text or as
/// one JSON object per line (`{"level":"error","msg":"...","time":"..."}`), which is where
/// containerd's go-runc and CRI-O look for the reason a command failed.
public struct Log: Sendable {
  public enum Format: String, Sendable { case text, json }
  public var path: String?
  public var format: Format
  public var debug: Bool

  public init(path: String? = nil, format: Format = .text, debug: Bool = false) {
    self.path = path
    self.format = format
    self.debug = debug
  }

  public func error(_ message: String) { write("error", message, toStderr: true) }
  public func warning(_ message: String) { write("warning", message, toStderr: path == nil) }
  public func debug(_ message: @autoclosure () -> String) { if debug { write("debug", message(), toStderr: path == nil) } }

  private func write(_ level: String, _ message: String, toStderr: Bool) {
    if toStderr {
      let line = level == "error" ? message : "\(level): \(message)"
      _ = try? Sys.writeAll(fd: 2, Array((line + "\n").utf8), what: "stderr")
    }
    guard let path, !path.isEmpty else { return }
    let line: String
    switch format {
    case .json:
      line = "{\"level\":\"\(level)\",\"msg\":\(Log.quote(message)),\"time\":\"\(Clock.rfc3339Now())\"}\n"
    case .text:
      line = "time=\"\(Clock.rfc3339Now())\" level=\(level) msg=\(Log.quote(message))\n"
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    _ = try? Sys.writeAll(fd: fd, Array(line.utf8), what: path)
    close(fd)
  }

  /// A JSON string literal.
  static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}

/// An undo stack for multi-step operations: each step that succeeds registers how to reverse
/// it; on failure they run in reverse order. (cri-o's resourcecleaner, in miniature.)
struct Undo {
  private var steps: [(String, () throws -> Void)] = []
  mutating func add(_ what: String, _ step: @escaping () throws -> Void) { steps.append((what, step)) }
  mutating func dismiss() { steps.removeAll() }
  /// Runs the steps newest first; failures are logged, not thrown, so every step runs.
  mutating func run(log: Log) {
    for (what, step) in steps.reversed() {
      do { try step() } catch { log.warning("cleanup: \(what): \(error)") }
    }
    steps.removeAll()
  }
}
