import BerthOCI
import BerthRuntimeClient
import BerthSys
import Foundation
import Testing

/// The binaries under test, found like BerthIntegrationTests finds berth-runtime: an
/// environment variable, else `<package root>/.build/debug/<name>`.
enum Binaries {
  static let root: String = {
    // #filePath is <root>/Tests/BerthMonitorTests/Support/Harness.swift.
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().path
  }()

  static func path(_ name: String, variable: String) -> String {
    if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
    return root + "/.build/debug/" + name
  }

  static let monitor = path("berth-monitor", variable: "BERTH_MONITOR")
  static let berthRuntime = path("berth-runtime", variable: "BERTH_RUNTIME")
  static let busybox = "/bin/busybox"

  /// Why the root tests cannot run here, or nil.
  static let unavailableReason: String? = {
    if geteuid() != 0 { return "monitor integration tests need root" }
    for path in [monitor, berthRuntime] where access(path, X_OK) != 0 {
      return "no binary at \(path) (swift build --product berth-monitor / berth-runtime)"
    }
    if access(busybox, X_OK) != 0 { return "no static busybox at \(busybox) (apt-get install busybox-static)" }
    return nil
  }()
}

/// The OCI runtimes the tests run against. crun 1.8 is left out: it refuses this hybrid cgroup
/// host ("cgroups in hybrid mode not supported") unless cgroup2 is unmounted in a private
/// mount namespace, which tests here do not set up.
enum RuntimeKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case berth, runc

  var path: String {
    switch self {
    case .berth: Binaries.berthRuntime
    case .runc: "/usr/sbin/runc"
    }
  }

  var isInstalled: Bool { access(path, X_OK) == 0 }
  var testDescription: String { rawValue }

  /// The runtimes of a parameterized test that exist on this host.
  static var installed: [RuntimeKind] { allCases.filter(\.isInstalled) }
}

/// One test's world: a temp directory holding the bundle, the runtime root, the monitor's
/// state directory, the exits and the log. `cleanUp` force-deletes the container, kills a
/// monitor that is still running and removes the directory.
final class Sandbox {
  let kind: RuntimeKind
  let directory: String
  let id: String
  var runtime: OCIRuntime
  var spec: Spec

  var bundle: String { directory + "/bundle" }
  var stateDir: String { directory + "/state" }
  var logPath: String { directory + "/ctr.log" }
  var exitFile: String { directory + "/exits/" + id }

  init(_ kind: RuntimeKind, args: [String], label: String) throws {
    self.kind = kind
    let token = UUID().uuidString.prefix(8).lowercased()
    id = "bmt-\(label)-\(kind.rawValue)-\(token)"
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-mt-\(token)").path
    runtime = OCIRuntime(path: kind.path, root: directory + "/runtime-root")
    let rootfs = directory + "/bundle/rootfs"
    for dir in ["bin", "proc", "sys", "dev", "tmp", "etc"] { try Sys.mkdirAll(rootfs + "/" + dir) }
    try FileManager.default.copyItem(atPath: Binaries.busybox, toPath: rootfs + "/bin/busybox")
    for applet in ["sh", "echo", "sleep", "cat", "printf", "ps", "test"] {
      try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/" + applet, withDestinationPath: "busybox")
    }
    let made = try Spawn.run(Binaries.berthRuntime, args: [Binaries.berthRuntime, "spec", "--bundle", directory + "/bundle"], env: [])
    guard made.status == 0 else { throw HarnessError("berth-runtime spec: \(made.stderrText)") }
    spec = try JSON.decode(Spec.self, from: try Sys.readBytes(directory + "/bundle/config.json"))
    spec.process?.terminal = false
    spec.process?.args = args
    spec.root?.readonly = false
    // One level below the hierarchy roots, so delete leaves no parent directory behind.
    spec.linux?.cgroupsPath = "/" + id
    try writeSpec()
  }

  func writeSpec() throws {
    try Sys.writeFileAtomically(bundle + "/config.json", try JSON.encode(spec, pretty: true), mode: 0o644)
  }

  func options(stdin: Bool = false) -> MonitorOptions {
    MonitorOptions(
      id: id, bundle: bundle, stateDir: stateDir, runtimePath: kind.path, runtimeRoot: runtime.root,
      logPath: logPath, exitFile: exitFile, stdin: stdin)
  }

  /// Monitor.launch with this sandbox's options.
  @discardableResult
  func launch(timeout: Double = 30) throws -> (containerPID: Int32, monitorPID: Int32) {
    try Monitor.launch(monitorPath: Binaries.monitor, options: options(), timeout: timeout)
  }

  /// launch + start.
  @discardableResult
  func run() throws -> (containerPID: Int32, monitorPID: Int32) {
    let pids = try launch()
    try runtime.start(id: id)
    return pids
  }

  /// Polls for the exit record.
  func waitForExit(timeout: Double = 20) -> ExitRecord? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let record = Monitor.readExit(exitFile) { return record }
      usleep(20_000)
    }
    return nil
  }

  /// Polls until `condition` holds.
  func waitUntil(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return true }
      usleep(20_000)
    }
    return condition()
  }

  /// The parsed lines of a CRI log file (empty when it is missing; nil when malformed).
  func logLines(_ path: String? = nil) -> [CRILogLine]? {
    CRILogLine.parse((try? Sys.readBytes(path ?? logPath)) ?? [])
  }

  /// The text of each stream's lines joined as a CRI reader joins them (F ends a line).
  func logText(_ stream: CRILog.Stream, path: String? = nil) -> String {
    var text = ""
    for line in logLines(path) ?? [] where line.stream == stream {
      text += String(decoding: line.content, as: UTF8.self)
      if line.tag == .full { text += "\n" }
    }
    return text
  }

  func cleanUp() {
    try? runtime.delete(id: id, force: true)
    if let pid = Monitor.pid(stateDir: stateDir) {
      kill(pid, SIGKILL)
      _ = waitUntil(timeout: 2) { !Processes.isAlive(pid) }
    }
    try? Sys.removeAll(directory)
  }
}

/// Runs `body` in a fresh sandbox and always cleans up.
func withSandbox(_ kind: RuntimeKind, args: [String], label: String, _ body: (Sandbox) throws -> Void) throws {
  let sandbox = try Sandbox(kind, args: args, label: label)
  defer { sandbox.cleanUp() }
  try body(sandbox)
}

/// Live (not zombie) processes whose argv is exactly `argv`.
func liveProcesses(argv: [String]) -> [Int32] {
  let wanted: [UInt8] = argv.flatMap { Array($0.utf8) + [0] }
  let pids = ((try? Sys.listDirectory("/proc")) ?? []).compactMap { Int32($0) }
  return pids.filter { pid in
    guard let cmdline = try? Sys.readBytes("/proc/\(pid)/cmdline") else { return false }
    return cmdline == wanted && Processes.isAlive(pid)
  }
}

/// Live processes whose command line mentions `text`.
func liveProcesses(mentioning text: String) -> [Int32] {
  let pids = ((try? Sys.listDirectory("/proc")) ?? []).compactMap { Int32($0) }
  return pids.filter { pid in
    guard let cmdline = try? Sys.readBytes("/proc/\(pid)/cmdline") else { return false }
    return String(decoding: cmdline, as: UTF8.self).contains(text) && Processes.isAlive(pid)
  }
}

struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// The root suites: serialized (containers share 2 cores) and skipped without root.
@Suite(
  .serialized,
  .enabled(if: Binaries.unavailableReason == nil, Comment(rawValue: Binaries.unavailableReason ?? "")))
enum MonitorIntegration {}
