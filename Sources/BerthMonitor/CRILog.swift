#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif

/// The CRI container log format, one line per piece of output:
///
///     2026-11-23T10:00:00.123456789Z stdout F hello
///
/// The timestamp is RFC 3339 in UTC with all nine fraction digits; the tag is `F` for a full
/// line (or the last piece of a long one) and `P` for a partial piece. A line longer than
/// `maxLine` bytes is cut into `P` pieces of `maxLine` bytes and ends with an `F` piece. Output
/// that ends without a newline is written as a `P` piece when the stream closes, as containerd
/// and conmon do: readers that join pieces then add no newline the program did not write. Bytes
/// are kept as they are (a `\r` before the newline stays, as conmon keeps it).
public enum CRILog {
  /// The stream a line came from.
  public enum Stream: String, Sendable {
    case stdout, stderr
  }

  /// The tag after the stream name.
  public enum Tag: UInt8, Sendable {
    case full = 0x46  // "F"
    case partial = 0x50  // "P"
  }

  /// The default longest piece: longer lines are split.
  public static let defaultMaxLine = 16 * 1024

  /// Appends the timestamp of `seconds`/`nanoseconds` since the epoch, as
  /// "2026-11-23T10:00:00.123456789Z" (30 bytes).
  public static func appendTimestamp(seconds: Int, nanoseconds: Int, to out: inout [UInt8]) {
    let date = civilDate(days: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
    let secondOfDay = seconds - (seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400) * 86400
    func digits(_ value: Int, _ width: Int) {
      var divisor = 1
      for _ in 1..<width { divisor *= 10 }
      var rest = value
      while divisor > 0 {
        out.append(UInt8(truncatingIfNeeded: 0x30 + (rest / divisor) % 10))
        rest %= divisor
        divisor /= 10
      }
    }
    digits(date.year, 4)
    out.append(0x2d)
    digits(date.month, 2)
    out.append(0x2d)
    digits(date.day, 2)
    out.append(0x54)
    digits(secondOfDay / 3600, 2)
    out.append(0x3a)
    digits(secondOfDay / 60 % 60, 2)
    out.append(0x3a)
    digits(secondOfDay % 60, 2)
    out.append(0x2e)
    digits(nanoseconds, 9)
    out.append(0x5a)
  }

  /// The proleptic Gregorian date of a day number (days since 1970-01-01). Arithmetic rather
  /// than gmtime_r, which takes the time zone lock and touches the tz code on every line.
  static func civilDate(days: Int) -> (year: Int, month: Int, day: Int) {
    // Shift the epoch to 0000-03-01 so that leap days end a year, then count 400-year eras.
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthFromMarch = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
    let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  /// The current time (CLOCK_REALTIME) as seconds and nanoseconds.
  public static func now() -> (seconds: Int, nanoseconds: Int) {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return (Int(ts.tv_sec), Int(ts.tv_nsec))
  }

  /// Appends one log line: timestamp, stream, tag, content and a newline.
  public static func appendLine(
    _ content: UnsafeRawBufferPointer, stream: Stream, tag: Tag, at time: (seconds: Int, nanoseconds: Int),
    to out: inout [UInt8]
  ) {
    appendTimestamp(seconds: time.seconds, nanoseconds: time.nanoseconds, to: &out)
    out.append(0x20)
    out.append(contentsOf: stream.rawValue.utf8)
    out.append(0x20)
    out.append(tag.rawValue)
    out.append(0x20)
    out.append(contentsOf: content)
    out.append(0x0a)
  }
}

/// Cuts one stream's output into CRI log pieces. Feed it what `read` returned; it keeps an
/// unfinished line (up to `maxLine` bytes) until its newline, a longer line, or `finish`.
public struct CRILineSplitter: Sendable {
  /// The stream the output belongs to.
  public let stream: CRILog.Stream
  /// The longest piece.
  public let maxLine: Int
  private var pending: [UInt8] = []

  /// A splitter for `stream` with pieces of at most `maxLine` bytes.
  public init(stream: CRILog.Stream, maxLine: Int = CRILog.defaultMaxLine) {
    precondition(maxLine > 0, "maxLine must be positive")
    self.stream = stream
    self.maxLine = maxLine
  }

  /// Bytes of an unfinished line waiting for the rest.
  public var pendingCount: Int { pending.count }

  /// Takes the next bytes of the stream and appends the log lines they complete to `out`, all
  /// stamped with `time`.
  public mutating func feed(
    _ bytes: UnsafeRawBufferPointer, at time: (seconds: Int, nanoseconds: Int), to out: inout [UInt8]
  ) {
    guard let base = bytes.baseAddress else { return }
    var start = 0
    let end = bytes.count
    while start < end {
      let rest = end - start
      let newline = memchr(base + start, 0x0a, rest).map { UnsafeRawPointer($0) - base }
      let lineEnd = newline ?? end
      // Pieces of a line that is longer than maxLine: cut once there is a byte past the limit.
      var position = start
      while lineEnd - position + pending.count > maxLine {
        let take = maxLine - pending.count
        emit(UnsafeRawBufferPointer(start: base + position, count: take), tag: .partial, at: time, to: &out)
        position += take
      }
      if let newline {
        emit(UnsafeRawBufferPointer(start: base + position, count: newline - position), tag: .full, at: time, to: &out)
        start = newline + 1
      } else {
        pending.append(contentsOf: UnsafeRawBufferPointer(start: base + position, count: end - position))
        start = end
      }
    }
  }

  /// `feed` for an array (tests, small writes).
  public mutating func feed(_ bytes: [UInt8], at time: (seconds: Int, nanoseconds: Int), to out: inout [UInt8]) {
    bytes.withUnsafeBytes { feed($0, at: time, to: &out) }
  }

  /// The stream ended: an unfinished line becomes a `P` piece (it had no newline).
  public mutating func finish(at time: (seconds: Int, nanoseconds: Int), to out: inout [UInt8]) {
    guard !pending.isEmpty else { return }
    let rest = pending
    pending.removeAll(keepingCapacity: false)
    rest.withUnsafeBytes { CRILog.appendLine($0, stream: stream, tag: .partial, at: time, to: &out) }
  }

  /// Writes `piece` joined to what is pending, as one line, and empties the pending buffer.
  private mutating func emit(
    _ piece: UnsafeRawBufferPointer, tag: CRILog.Tag, at time: (seconds: Int, nanoseconds: Int), to out: inout [UInt8]
  ) {
    if pending.isEmpty {
      CRILog.appendLine(piece, stream: stream, tag: tag, at: time, to: &out)
      return
    }
    pending.append(contentsOf: piece)
    let line = pending
    pending.removeAll(keepingCapacity: true)
    line.withUnsafeBytes { CRILog.appendLine($0, stream: stream, tag: tag, at: time, to: &out) }
  }
}

/// One parsed CRI log line (for readers and tests).
public struct CRILogLine: Sendable, Equatable {
  /// The RFC 3339 timestamp, as written.
  public var timestamp: String
  /// stdout or stderr.
  public var stream: CRILog.Stream
  /// Full line or partial piece.
  public var tag: CRILog.Tag
  /// The bytes after the tag, without the newline.
  public var content: [UInt8]

  /// Parses "TIMESTAMP STREAM TAG CONTENT" (without the newline); nil when malformed.
  public init?(_ line: ArraySlice<UInt8>) {
    let fields = line.split(separator: 0x20, maxSplits: 3, omittingEmptySubsequences: false)
    guard fields.count >= 3, let stream = CRILog.Stream(rawValue: String(decoding: fields[1], as: UTF8.self)),
      fields[2].count == 1, let tag = CRILog.Tag(rawValue: fields[2].first!)
    else { return nil }
    timestamp = String(decoding: fields[0], as: UTF8.self)
    self.stream = stream
    self.tag = tag
    content = fields.count > 3 ? Array(fields[3]) : []
  }

  /// Every line of a log file's bytes; nil if one is malformed.
  public static func parse(_ bytes: [UInt8]) -> [CRILogLine]? {
    var lines: [CRILogLine] = []
    for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: true) {
      guard let parsed = CRILogLine(line) else { return nil }
      lines.append(parsed)
    }
    return lines
  }
}
