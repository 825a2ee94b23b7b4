import BerthError
import BerthSys
import Foundation
import Testing

@testable import BerthRuntime

@Suite struct SecureJoinTests {
  /// rootfs/{etc,usr/lib,var/run -> ../run,run}, links of every kind.
  func makeRoot() throws -> TemporaryDirectory {
    let root = try TemporaryDirectory()
    try root.makeDirectory("etc")
    try root.makeDirectory("usr/lib")
    try root.makeDirectory("run")
    try root.makeDirectory("var")
    try root.symlink("abs-etc", to: "/etc")
    try root.symlink("escape", to: "../../..")
    try root.symlink("escape-abs", to: "/../../etc")
    try root.symlink("var/run", to: "../run")
    try root.symlink("lib", to: "usr/lib")
    try root.symlink("chain", to: "lib")
    try root.symlink("to-abs", to: "abs-etc/passwd")
    try root.symlink("dot", to: ".")
    try root.symlink("loop-a", to: "loop-b")
    try root.symlink("loop-b", to: "loop-a")
    try root.symlink("self", to: "self")
    return root
  }

  @Test(arguments: [
    ("/", ""), ("", ""), ("/etc/hosts", "/etc/hosts"), ("etc/hosts", "/etc/hosts"), ("/a/./b/", "/a/b"),
    ("/abs-etc", "/etc"), ("/abs-etc/passwd", "/etc/passwd"),
    ("/escape", ""), ("/escape/etc/shadow", "/etc/shadow"), ("/escape-abs/x", "/etc/x"),
    ("/../../../etc", "/etc"), ("/usr/../../..", ""), ("/etc/../../../tmp/x", "/tmp/x"),
    ("/var/run/berth.sock", "/run/berth.sock"), ("/var/run/../lib", "/usr/lib"),
    ("/chain/libc.so", "/usr/lib/libc.so"), ("/chain/../bin", "/usr/bin"), ("/to-abs", "/etc/passwd"),
    ("/dot/dot/etc", "/etc"), ("/missing/dir/file", "/missing/dir/file"),
  ])
  func resolvesInsideRoot(path: String, expected: String) throws {
    let root = try makeRoot()
    defer { root.remove() }
    let resolved = try Mounts.secureJoin(root: root.path, path: path)
    #expect(resolved == root.path + expected)
    #expect(resolved.hasPrefix(root.path))
  }

  @Test(arguments: ["/loop-a", "/loop-b/x", "/self", "/etc/../self/y"])
  func loopsAreAnError(path: String) throws {
    let root = try makeRoot()
    defer { root.remove() }
    let error = #expect(throws: BerthError.self) { try Mounts.secureJoin(root: root.path, path: path) }
    #expect(error?.message.contains("too many symlinks") == true)
  }

  @Test func temporaryDirectoryIsRemoved() throws {
    let root = try makeRoot()
    root.remove()
    #expect(!FileManager.default.fileExists(atPath: root.path))
  }
}

@Suite struct LogQuoteTests {
  @Test(arguments: [
    ("", #""""#), ("plain text", #""plain text""#), ("say \"hi\"", #""say \"hi\"""#), (#"C:\dir"#, #""C:\\dir""#),
    ("a\nb\rc\td", #""a\nb\rc\td""#), ("\u{01}\u{1f}", #""\u0001\u001f""#), ("\u{0}", #""\u0000""#),
    ("caf\u{e9} \u{1F600}", "\"caf\u{e9} \u{1F600}\""), ("</script>", #""</script>""#), ("\u{7f}", "\"\u{7f}\""),
  ])
  func quote(text: String, expected: String) {
    #expect(Log.quote(text) == expected)
  }

  @Test(arguments: ["x\u{08}y\u{0c}", "mixed \"\\\n\u{1b}[0m\u{2028}", "container \"c1\" failed: exit status 1"])
  func quoteIsValidJSON(text: String) throws {
    let decoded = try JSONDecoder().decode(String.self, from: Data(Log.quote(text).utf8))
    #expect(decoded == text)
  }

  @Test func jsonLogLinesAreObjects() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path + "/log.json"
    let log = Log(path: path, format: .json)
    log.warning("disk \"full\"\nretrying")
    log.debug("not written without --debug")
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 1)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String])
    #expect(object["level"] == "warning")
    #expect(object["msg"] == "disk \"full\"\nretrying")
    #expect(object["time"]?.hasSuffix("Z") == true)
  }
}

@Suite struct ClockTests {
  @Test func rfc3339NowFormat() throws {
    let text = Clock.rfc3339Now()
    let chars = Array(text)
    #expect((20...30).contains(chars.count), "\(text)")
    guard chars.count >= 20 else { return }
    for (index, separator) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")] as [(Int, Character)] {
      #expect(chars[index] == separator, "\(text) at \(index)")
    }
    #expect(chars.last == "Z")
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
    #expect(digits.allSatisfy { chars[$0].isASCII && chars[$0].isNumber }, "\(text)")
    if chars.count > 20 {
      #expect(chars[19] == ".")
      let fraction = chars[20..<(chars.count - 1)]
      #expect(fraction.allSatisfy { $0.isASCII && $0.isNumber }, "\(text)")
      #expect(fraction.last != "0", "trailing zeros are dropped: \(text)")
    }
    let month = Int(String(chars[5...6])) ?? 0
    let day = Int(String(chars[8...9])) ?? 0
    let hour = Int(String(chars[11...12])) ?? 99
    #expect((1...12).contains(month) && (1...31).contains(day) && (0...23).contains(hour), "\(text)")
  }

  @Test func rfc3339NowIsUTCNow() throws {
    let text = Clock.rfc3339Now()
    let seconds = String(text.prefix(19)) + "Z"
    let plain = ISO8601DateFormatter()
    let date = try #require(plain.date(from: seconds), "\(text)")
    #expect(abs(date.timeIntervalSinceNow) < 5)
  }

  @Test func monotonicClockAdvances() {
    let a = Clock.monotonicNanoseconds()
    let b = Clock.monotonicNanoseconds()
    #expect(b >= a)
  }
}
