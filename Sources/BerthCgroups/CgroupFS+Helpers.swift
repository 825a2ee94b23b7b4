#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError

extension CgroupFS {
  /// Writes `value` to `dir/name`.
  func write(_ dir: String, _ name: String, _ value: String) throws {
    try write(dir + "/" + name, value)
  }

  /// The file's content without surrounding whitespace, or nil if it cannot be read.
  func readTrimmed(_ path: String) -> String? {
    guard let text = try? read(path) else { return nil }
    return text.trimmingWhitespace
  }

  /// The file as a number; "max" reads as UInt64.max; nil if missing or malformed.
  func readUInt(_ path: String) -> UInt64? {
    guard let text = readTrimmed(path) else { return nil }
    return text == "max" ? UInt64.max : UInt64(text)
  }

  /// A flat-keyed file ("key value" per line, as memory.stat and cpu.stat) as a dictionary.
  func readKeyValues(_ path: String) -> [String: UInt64] {
    guard let text = try? read(path) else { return [:] }
    return parseKeyValues(text)
  }

  /// The pids in `dir/cgroup.procs` and, recursively, in its sub-cgroups.
  func processes(in dir: String) throws -> [Int32] {
    var pids = try read(dir + "/cgroup.procs").split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    for child in subCgroups(of: dir) { pids += try processes(in: child) }
    return pids
  }

  /// The directories below `dir` (its sub-cgroups), one level.
  func subCgroups(of dir: String) -> [String] {
    guard let names = try? list(dir) else { return [] }
    return names.sorted().map { dir + "/" + $0 }.filter { isDirectory($0) }
  }

  /// Removes `dir` and its sub-cgroups, deepest first. A cgroup can stay busy briefly after its
  /// last task exited, so EBUSY is retried with backoff; a missing directory is fine.
  func removeCgroup(_ dir: String) throws {
    // The common case is a leaf whose processes are gone: one rmdir. Only when the kernel says
    // busy (sub-cgroups, or tasks still leaving) are the children listed and removed first.
    var delay: UInt32 = 1_000
    for attempt in 0..<8 {
      do {
        try rmdir(dir)
        return
      } catch let error as BerthError where error.errno == ENOENT {
        return
      } catch let error as BerthError where (error.errno == EBUSY || error.errno == ENOTEMPTY) && attempt < 7 {
        let children = subCgroups(of: dir)
        for child in children { try removeCgroup(child) }
        if children.isEmpty {
          sleepMicroseconds(delay)
          delay *= 2
        }
      }
    }
  }
}

/// "key value" lines to a dictionary; lines whose value is not a number are skipped.
func parseKeyValues(_ text: String) -> [String: UInt64] {
  var result: [String: UInt64] = [:]
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: " ", omittingEmptySubsequences: true)
    guard parts.count == 2, let value = UInt64(parts[1]) else { continue }
    result[String(parts[0])] = value
  }
  return result
}

extension StringProtocol {
  /// The string without leading and trailing spaces, tabs and newlines.
  var trimmingWhitespace: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[start...end])
  }
}
