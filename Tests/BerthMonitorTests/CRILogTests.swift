@testable import BerthMonitor
import BerthSys
import Foundation
import Testing

/// The CRI log format without containers: splitting, tags, timestamps.
@Suite struct CRILogTests {
  static let time = (seconds: 1_795_000_000, nanoseconds: 5)

  /// Feeds `chunks` (then EOF) to a splitter with pieces of at most `maxLine` bytes.
  func pieces(_ chunks: [String], maxLine: Int) -> [String] {
    var splitter = CRILineSplitter(stream: .stdout, maxLine: maxLine)
    var out: [UInt8] = []
    for chunk in chunks { splitter.feed(Array(chunk.utf8), at: Self.time, to: &out) }
    splitter.finish(at: Self.time, to: &out)
    return (CRILogLine.parse(out) ?? []).map { "\(Character(UnicodeScalar($0.tag.rawValue))):" + String(decoding: $0.content, as: UTF8.self) }
  }

  @Test(arguments: [
    (["a\n"], ["F:a"]),
    (["a\nb\n"], ["F:a", "F:b"]),
    (["a", "b", "\n"], ["F:ab"]),
    (["\n"], ["F:"]),
    (["\n\n"], ["F:", "F:"]),
    // A line of exactly maxLine is one F piece; one byte more makes a P piece.
    (["abcd\n"], ["F:abcd"]),
    (["abcde\n"], ["P:abcd", "F:e"]),
    (["abcdefgh\n"], ["P:abcd", "F:efgh"]),
    (["abcdefghi\n"], ["P:abcd", "P:efgh", "F:i"]),
    (["ab", "cd", "ef", "\n"], ["P:abcd", "F:ef"]),
    (["abcd", "\n"], ["F:abcd"]),
    (["abcd", "e"], ["P:abcd", "P:e"]),
    // Output that ends without a newline is a P piece.
    (["tail"], ["P:tail"]),
    (["x\ntail"], ["F:x", "P:tail"]),
    ([], []),
    (["a b\r\n"], ["F:a b\r"]),
    (["a b  c\r\n"], ["P:a b ", "F: c\r"]),
  ])
  func splitting(chunks: [String], expected: [String]) {
    #expect(pieces(chunks, maxLine: 4) == expected)
  }

  @Test("pieces joined as a reader joins them give back the input", arguments: [1, 3, 7, 64])
  func reassembly(chunkSize: Int) {
    let input = (0..<50).map { String(repeating: Character(UnicodeScalar(UInt8(97 + $0 % 26))), count: $0 * 3) }.joined(separator: "\n") + "\n"
    let bytes = Array(input.utf8)
    var splitter = CRILineSplitter(stream: .stderr, maxLine: 16)
    var out: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: chunkSize) {
      splitter.feed(Array(bytes[start..<min(start + chunkSize, bytes.count)]), at: Self.time, to: &out)
    }
    splitter.finish(at: Self.time, to: &out)
    let lines = CRILogLine.parse(out) ?? []
    #expect(lines.allSatisfy { $0.stream == .stderr && $0.content.count <= 16 })
    var joined: [UInt8] = []
    for line in lines {
      joined += line.content
      if line.tag == .full { joined.append(0x0a) }
    }
    #expect(joined == bytes)
  }

  @Test("the line layout: timestamp, stream, tag, content")
  func layout() {
    var out: [UInt8] = []
    var splitter = CRILineSplitter(stream: .stderr)
    splitter.feed(Array("hello world\n".utf8), at: (0, 123_000_000), to: &out)
    #expect(String(decoding: out, as: UTF8.self) == "1970-01-01T00:00:00.123000000Z stderr F hello world\n")
  }

  @Test(
    "timestamps match gmtime",
    arguments: [0, 59, 86_399, 86_400, 951_782_400, 1_709_164_800, 1_795_464_230, 4_102_444_800, 253_402_300_799])
  func timestamp(seconds: Int) {
    var out: [UInt8] = []
    CRILog.appendTimestamp(seconds: seconds, nanoseconds: 7, to: &out)
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    let expected = String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.000000007Z", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
      parts.tm_hour, parts.tm_min, parts.tm_sec)
    #expect(String(decoding: out, as: UTF8.self) == expected)
  }

  @Test("every day from 1900 to 2200 matches gmtime")
  func calendar() {
    var day = -25_567  // 1900-01-01
    while day < 84_006 {  // 2200-01-01
      var time = time_t(day * 86400)
      var parts = tm()
      gmtime_r(&time, &parts)
      let date = CRILog.civilDate(days: day)
      if date.year != Int(parts.tm_year) + 1900 || date.month != Int(parts.tm_mon) + 1 || date.day != Int(parts.tm_mday) {
        Issue.record("day \(day): \(date) but gmtime says \(parts.tm_year + 1900)-\(parts.tm_mon + 1)-\(parts.tm_mday)")
        return
      }
      day += 1
    }
  }

  @Test(arguments: [
    "2026-11-23T10:00:00.123456789Z stdout F hello",
    "2026-11-23T10:00:00.123456789Z stderr P ",
    "2026-11-23T10:00:00.123456789Z stdout F  two  spaces ",
  ])
  func parsesLines(line: String) throws {
    let parsed = try #require(CRILogLine(Array(line.utf8)[...]))
    #expect(parsed.timestamp == "2026-11-23T10:00:00.123456789Z")
    #expect(String(decoding: parsed.content, as: UTF8.self) == String(line.dropFirst(40)))
  }

  @Test(arguments: ["", "nonsense", "2026-11-23T10:00:00Z stdin F x", "2026-11-23T10:00:00Z stdout X x"])
  func rejectsMalformedLines(line: String) {
    #expect(CRILogLine(Array(line.utf8)[...]) == nil)
  }

  @Test("the log file: created with its directory, truncated at the size limit, reopened after a rename")
  func logFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-log-\(UUID().uuidString)").path
    defer { try? Sys.removeAll(dir) }
    let path = dir + "/pod/c.log"
    var log = try LogFile(path: path, sizeMax: 10)
    log.write(Array("12345678\n".utf8))
    log.write(Array("abc\n".utf8))  // 9 + 4 > 10: the file starts over
    #expect(try Sys.readFile(path) == "abc\n")
    #expect(rename(path, path + ".1") == 0)
    log.write(Array("old\n".utf8))
    try log.reopen()
    log.write(Array("new\n".utf8))
    log.close()
    #expect(try Sys.readFile(path + ".1") == "abc\nold\n")
    #expect(try Sys.readFile(path) == "new\n")
    var discard = try LogFile(path: "", sizeMax: 0)
    discard.write([1, 2, 3])
    #expect(discard.fd < 0)
  }
}
