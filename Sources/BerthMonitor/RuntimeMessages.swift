import BerthOCI
import BerthSys

/// The error message in what an OCI runtime wrote: its `--log` file (JSON lines
/// `{"level":"error","msg":"..."}` with `--log-format json`), or its stderr, which may be logrus
/// text (`time="..." level=error msg="..."`) or plain lines.
public enum RuntimeMessages {
  /// The last error-level message, else the last message or non-empty line; nil for no text.
  public static func lastError(_ text: String) -> String? {
    var lastError: String?
    var lastAny: String?
    for raw in text.split(separator: "\n") {
      let line = raw.trimmingWhitespace[...]
      guard !line.isEmpty else { continue }
      let (level, message) = parse(line)
      guard !message.isEmpty else { continue }
      if level == "error" || level == "fatal" || level == "panic" { lastError = message }
      lastAny = message
    }
    return lastError ?? lastAny
  }

  /// The level and message of one line (level "" when the line has none).
  static func parse(_ line: Substring) -> (level: String, message: String) {
    if line.hasPrefix("{"), let entry = try? JSON.decode(Entry.self, from: Array(line.utf8)) {
      return (entry.level ?? "", entry.msg ?? "")
    }
    if line.hasPrefix("time=") || line.hasPrefix("level="), let message = logfmt(line, key: "msg") {
      return (logfmt(line, key: "level") ?? "", message)
    }
    return ("", String(line))
  }

  /// The value of `key=value` or `key="quoted value"` in a logfmt line.
  static func logfmt(_ line: Substring, key: String) -> String? {
    let padded = " " + line
    guard let range = padded.firstRange(of: " \(key)=") else { return nil }
    var rest = padded[range.upperBound...]
    guard rest.first == "\"" else { return String(rest.prefix { $0 != " " }) }
    rest = rest.dropFirst()
    var value = ""
    var escaped = false
    for ch in rest {
      if escaped {
        value.append(ch == "n" ? "\n" : ch == "t" ? "\t" : ch)
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else if ch == "\"" {
        return value
      } else {
        value.append(ch)
      }
    }
    return value
  }

  private struct Entry: Decodable {
    var level: String?
    var msg: String?
  }
}

