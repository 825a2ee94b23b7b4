#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthSys

/// Keeps the monitor's resident set small. One monitor runs per container for its whole life,
/// and most of a static Swift binary's code and data (the runtime's metadata machinery, JSON,
/// spawning) is used only while the container is created. The kernel maps up to 64 KiB of file
/// pages around each page fault (fault-around), so a few hundred scattered faults leave
/// megabytes of the executable mapped.
///
/// `dropCleanPages` unmaps every page of our executable's mappings that is still the file's
/// own page (present, file-backed, never written: pagemap bit 61), with MADV_DONTNEED. That
/// loses nothing: the next access maps the same page from the page cache again. Pages the
/// process wrote (private copies) are kept. The monitor calls it when its loop goes idle, so
/// only what the loop itself touches comes back.
///
/// berthd uses it too (`allFiles: true`: its shared libraries as well) once it has been idle
/// for a while: a dynamically linked daemon maps tens of megabytes of code it needs only while
/// it serves calls.
public enum ResidentMemory {
  /// Unmaps the clean file pages of the executable (and, with `allFiles`, of every file
  /// mapping: shared libraries); returns how many pages it dropped.
  @discardableResult
  public static func dropCleanPages(allFiles: Bool = false) -> Int {
    // Find every run first and only then drop them, so that the work after the drop (which
    // maps its code back) is as short as possible.
    let runs = cleanRuns(allFiles: allFiles)
    var dropped = 0
    for run in runs where madvise(UnsafeMutableRawPointer(bitPattern: run.start), Int(run.length), MADV_DONTNEED) == 0 {
      dropped += Int(run.length)
    }
    return dropped / Int(pageSize)
  }

  static var pageSize: UInt { UInt(sysconf(Int32(_SC_PAGESIZE))) }

  /// The runs of present (pagemap bit 63), file-backed (bit 61) pages of the executable.
  static func cleanRuns(allFiles: Bool = false) -> [(start: UInt, length: UInt)] {
    let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
    guard pagemap >= 0 else { return [] }
    defer { close(pagemap) }
    let pageSize = pageSize
    var runs: [(start: UInt, length: UInt)] = []
    for (start, end) in fileMappings(allFiles: allFiles) {
      let count = Int((end - start) / pageSize)
      var entries = [UInt64](repeating: 0, count: count)
      let n = entries.withUnsafeMutableBytes { pread(pagemap, $0.baseAddress, $0.count, off_t(start / pageSize) * 8) }
      guard n == count * 8 else { continue }
      var index = 0
      while index < count {
        var last = index
        while last < count && entries[last] >> 63 & 1 == 1 && entries[last] >> 61 & 1 == 1 { last += 1 }
        if last > index { runs.append((start + UInt(index) * pageSize, UInt(last - index) * pageSize)) }
        index = last + 1
      }
    }
    return runs
  }

  /// The address ranges of /proc/self/exe's mappings (with `allFiles`, of every mapping of a
  /// file), from /proc/self/maps.
  static func fileMappings(allFiles: Bool = false) -> [(start: UInt, end: UInt)] {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0, let text = try? Sys.readFile("/proc/self/maps") else { return [] }
    let executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var mappings: [(start: UInt, end: UInt)] = []
    for line in text.split(separator: "\n") {
      // "start-end perms offset dev inode path"
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6 else { continue }
      let path = fields[5].trimmingWhitespace
      guard path == executable || (allFiles && path.hasPrefix("/") && !path.hasPrefix("/dev/")) else { continue }
      let range = fields[0].split(separator: "-")
      guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) else { continue }
      mappings.append((start, end))
    }
    return mappings
  }
}
