import BerthError
import BerthRuntimeClient
import BerthSys
import Foundation
import Testing

/// berth-monitor and Monitor.launch against shell scripts posing as the runtime: no root, no
/// containers, and failures a real runtime does not produce on demand (a hang, stderr only).
@Suite(
  .serialized,
  .enabled(if: access(Binaries.monitor, X_OK) == 0, "no berth-monitor binary (swift build --product berth-monitor)"))
final class FakeRuntimeTests {
  let directory: String

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-fake-\(UUID().uuidString.prefix(8))").path
    try Sys.mkdirAll(directory)
  }

  deinit { try? Sys.removeAll(directory) }

  /// A runtime whose `create` runs `body` (with $pidfile and $log set); other verbs succeed.
  func runtime(_ body: String) throws -> String {
    let path = directory + "/runtime"
    let script = """
      #!/bin/sh
      verb=; pidfile=; log=
      while [ $# -gt 0 ]; do
        case "$1" in
          --pid-file) pidfile=$2; shift ;;
          --log) log=$2; shift ;;
          --log-format|--bundle|--root) shift ;;
          -*) ;;
          *) [ -z "$verb" ] && verb=$1 ;;
        esac
        shift
      done
      [ "$verb" = create ] || exit 0
      \(body)
      """
    try Sys.writeFile(path, script, mode: 0o755)
    return path
  }

  func options(runtime: String) -> MonitorOptions {
    MonitorOptions(
      id: "fake", bundle: directory, stateDir: directory + "/state", runtimePath: runtime,
      logPath: directory + "/ctr.log", exitFile: directory + "/exit")
  }

  func waitForExit(_ path: String, timeout: Double = 10) -> ExitRecord? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let record = Monitor.readExit(path) { return record }
      usleep(20_000)
    }
    return nil
  }

  @Test("the monitor adopts the runtime's child, logs its output and records its exit")
  func adoptsAndRecords() throws {
    let path = try runtime(#"( sleep 0.3; echo from-fake; echo to-err >&2; exit 5 ) & echo $! > "$pidfile""#)
    let options = options(runtime: path)
    let pids = try Monitor.launch(monitorPath: Binaries.monitor, options: options, timeout: 10)
    #expect(Monitor.pid(stateDir: options.stateDir) == pids.monitorPID)
    let record = try #require(waitForExit(options.exitFile))
    #expect(record.exitCode == 5 && record.reason == "Error")
    let lines = try #require(CRILogLine.parse(try Sys.readBytes(options.logPath)))
    #expect(lines.map { "\($0.stream.rawValue) " + String(decoding: $0.content, as: UTF8.self) } == ["stdout from-fake", "stderr to-err"])
    #expect(lines.allSatisfy { $0.tag == .full })
  }

  @Test(arguments: [
    // (create's body, the message launch must carry)
    (#"echo "boom: no such thing" >&2; exit 1"#, "boom: no such thing"),
    (#"echo '{"level":"error","msg":"from the log"}' >> "$log"; echo 'stderr noise' >&2; exit 1"#, "from the log"),
    ("exit 7", "exited with status 7"),
    ("exit 0", "wrote no pid"),
  ])
  func createFailure(body: String, message: String) throws {
    let options = options(runtime: try runtime(body))
    let error = try #require(throws: BerthError.self) {
      try Monitor.launch(monitorPath: Binaries.monitor, options: options, timeout: 10)
    }
    #expect(error.message.hasPrefix("create container fake: "))
    #expect(error.message.contains(message), "message: \(error.message)")
    #expect(liveProcesses(mentioning: MonitorFiles.config(options.stateDir)).isEmpty)
    #expect(!Sys.exists(MonitorFiles.pid(options.stateDir)))
    #expect(!Sys.exists(MonitorFiles.socket(options.stateDir)))
  }

  @Test("a create that hangs times out and leaves nothing running")
  func timeout() throws {
    let options = options(runtime: try runtime("exec sleep 31.5"))
    let started = Date()
    let error = try #require(throws: BerthError.self) {
      try Monitor.launch(monitorPath: Binaries.monitor, options: options, timeout: 0.5)
    }
    #expect(error.code == .timeout)
    #expect(Date().timeIntervalSince(started) < 5)
    let gone = { liveProcesses(argv: ["sleep", "31.5"]).isEmpty && liveProcesses(mentioning: MonitorFiles.config(options.stateDir)).isEmpty }
    let deadline = Date().addingTimeInterval(5)
    while !gone() && Date() < deadline { usleep(20_000) }
    #expect(gone())
  }

  @Test("relative paths are refused before anything starts")
  func relativePaths() throws {
    var options = options(runtime: "/bin/false")
    options.logPath = "ctr.log"
    let error = try #require(throws: BerthError.self) { try Monitor.launch(monitorPath: Binaries.monitor, options: options) }
    #expect(error.code == .invalidArgument)
    #expect(error.message.contains("logPath"))
    #expect(!Sys.exists(options.stateDir))
  }

  @Test("reopenLog without a monitor is notFound")
  func reopenWithoutMonitor() throws {
    let error = try #require(throws: BerthError.self) { try Monitor.reopenLog(stateDir: directory) }
    #expect(error.code == .notFound)
  }
}
