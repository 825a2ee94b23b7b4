#if canImport(Glibc)
import Glibc
#endif
import BerthError
import Foundation
import Testing

/// The programs the registry tests drive, and small helpers to run them.
enum Tools {
  /// Debian's docker-registry (distribution 2.8).
  static let registry = "/usr/bin/docker-registry"
  /// skopeo, which pushes OCI layouts to a registry.
  static let skopeo = "/usr/bin/skopeo"
  /// The directory of the Python support scripts (next to this file).
  static let supportDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

  /// Whether every tool the registry tests need is installed: docker-registry, skopeo, python3
  /// and zstd (for the zstd layer).
  static let available: Bool = {
    let fm = FileManager.default
    return fm.isExecutableFile(atPath: registry) && fm.isExecutableFile(atPath: skopeo) && which("python3") != nil
      && which("zstd") != nil
  }()

  /// Root (overlay whiteouts are char devices and trusted.* xattrs) and the tools.
  static let rootAndTools = getuid() == 0 && available

  /// Why a registry test is skipped.
  static let skipReason: Comment = "needs root, docker-registry, skopeo, python3 and zstd (scripts/setup installs them)"

  /// The first executable `name` on `$PATH`.
  static func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a tool to completion.
  /// - Parameters:
  ///   - tool: the executable's path
  ///   - arguments: its arguments
  /// - Returns: its standard output
  /// - Throws: `BerthError` `.io` with its output when it exits non-zero
  @discardableResult
  static func run(_ tool: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    // stderr goes to a file, so a chatty tool never blocks on a pipe nobody reads.
    let errPath = NSTemporaryDirectory() + "berth-tool-stderr-" + UUID().uuidString
    guard FileManager.default.createFile(atPath: errPath, contents: nil) else { throw BerthError(.io, "creating \(errPath)") }
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
      throw BerthError(
        .io, "\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(errors)\(String(decoding: output, as: UTF8.self))")
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Kills a process this test started (SIGKILL: children of the test runner inherit a signal
  /// mask that blocks SIGTERM) and waits for it; nothing if it already exited.
  static func kill(_ process: Process) {
    guard process.isRunning else { return }
    _ = Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// Runs one of the Python support scripts with `/usr/bin/env python3`.
  /// - Parameters:
  ///   - script: the file name in `Support/`
  ///   - arguments: its arguments
  /// - Returns: its standard output
  static func python(_ script: String, _ arguments: [String]) throws -> String {
    try run("/usr/bin/env", ["python3", supportDir + "/" + script] + arguments)
  }

  /// A new empty directory under the temp dir, without `:` or `,` (overlay option separators).
  static func tempDir(_ prefix: String) throws -> String {
    let dir = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  /// A loopback port the kernel says is free right now (bind to port 0, read it back, close).
  static func freePort() throws -> Int {
    let (fd, port) = try bindLoopback()
    close(fd)
    return port
  }

  /// A TCP socket bound to a free loopback port and not listening: connections to the port are
  /// refused, and no other socket can bind it while `fd` stays open (a registry that is down).
  /// - Returns: the socket, for the caller to close, and its port
  static func bindLoopback() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BerthError(.syscall, "socket") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
        bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
      }
    }
    guard bound else {
      close(fd)
      throw BerthError(.syscall, "bind 127.0.0.1:0")
    }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
  }
}
