#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// The monitor after it detached: creates the container and watches it until its init ends.
/// Single-threaded; one poll loop over the output pipes, the SIGCHLD self-pipe and the socket.
final class Supervisor {
  /// How long output is still read after the init exited, when something else keeps the
  /// pipes open (a process outside a pid namespace, or one that escaped).
  static let drainTimeout: UInt64 = 1_000_000_000

  let options: MonitorOptions
  var syncFD: Int32
  var childSignals: Int32 = -1
  var listener: Int32 = -1
  var clients: [Client] = []
  var log: LogFile?
  /// Our ends of the container's stdout and stderr (-1 once closed), and of its stdin.
  var stdoutFD: Int32 = -1
  var stderrFD: Int32 = -1
  var stdinFD: Int32 = -1
  var stdoutLines = CRILineSplitter(stream: .stdout)
  var stderrLines = CRILineSplitter(stream: .stderr)
  var readBuffer = [UInt8](repeating: 0, count: CRILog.defaultMaxLine)
  var lineBuffer: [UInt8] = []
  var containerPID: Int32 = -1
  /// A pidfd on the init when it is not our child (a runtime that does not leave it to us):
  /// readable when it exits, though its status is then unknown.
  var initFD: Int32 = -1
  var oom: OOMCounter?
  var exitStatus: Int32?
  var exitedAt: Int64 = 0
  var drainDeadline: UInt64 = 0
  /// The exit record is on disk.
  var exitWritten = false
  /// When to drop clean executable pages next (see `ResidentMemory`): `firstTrim` after the
  /// loop starts (the container's first output has used the loop's code paths by then), then
  /// at most every `trimInterval` when something happened since; nil when nothing did.
  var trimAt: UInt64?
  var lastTrim: UInt64 = 0
  static let firstTrim: UInt64 = 1_000_000_000
  static let trimInterval: UInt64 = 30_000_000_000

  /// One connection on monitor.sock and the bytes of its unfinished request line.
  struct Client {
    var fd: Int32
    var pending: [UInt8] = []
  }

  init(options: MonitorOptions, syncFD: Int32) {
    self.options = options
    self.syncFD = syncFD
  }

  /// The detached child's whole life; the result is its exit status.
  static func run(configPath: String, syncFD: Int32) -> Int32 {
    if syncFD >= 0 { _ = fcntl(syncFD, F_SETFD, FD_CLOEXEC) }
    let options: MonitorOptions
    do {
      options = try JSON.decode(MonitorOptions.self, from: try Sys.readBytes(configPath))
    } catch {
      MonitorProcess.report(SyncReport(error: "berth-monitor: config \(configPath): \(error)"), on: syncFD)
      return 1
    }
    let supervisor = Supervisor(options: options, syncFD: syncFD)
    do {
      try supervisor.create()
    } catch {
      supervisor.abandon(error)
      return 1
    }
    supervisor.watch()
    supervisor.finish()
    return 0
  }

  /// Set-up, `runtime create`, and the report on the sync fd.
  func create() throws {
    _ = chdir("/")
    _ = signal(SIGPIPE, SIG_IGN)
    try Sys.check(berth_prctl(BERTH_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl PR_SET_CHILD_SUBREAPER")
    childSignals = try ChildSignals.install()
    try Sys.writeFileAtomically(MonitorFiles.pid(options.stateDir), Array("\(getpid())\n".utf8), mode: 0o644)
    listener = try UnixSocket.listen(MonitorFiles.socket(options.stateDir))
    log = try LogFile(path: options.logPath, sizeMax: options.logSizeMax)
    containerPID = try runCreate()
    oom = OOMCounter(pid: containerPID)
    var status: Int32 = 0
    let waited = waitpid(containerPID, &status, WNOHANG)
    if waited == containerPID {
      recordExit(status)
    } else if waited < 0 && errno == ECHILD {
      initFD = berth_pidfd_open(containerPID)
      note("container init \(containerPID) is not a child of the monitor; its exit status will be unknown")
    }
    MonitorProcess.report(SyncReport(pid: containerPID), on: syncFD)
    if syncFD >= 0 { close(syncFD) }
    syncFD = -1
  }

  /// Runs `runtime create` with pipes for the container's stdio; returns the init's pid.
  private func runCreate() throws -> Int32 {
    let pidFile = MonitorFiles.containerPID(options.stateDir)
    unlink(pidFile)
    let output = try Sys.pipe()
    let errors = try Sys.pipe()
    let input: (read: Int32, write: Int32) =
      options.stdin ? try Sys.pipe() : (try Sys.check(open("/dev/null", O_RDONLY | O_CLOEXEC), "open /dev/null"), -1)
    stdoutFD = output.read
    stderrFD = errors.read
    stdinFD = input.write
    for fd in [stdoutFD, stderrFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    let arguments =
      [options.runtimePath] + options.runtimeGlobalArguments
      + [
        "--log", MonitorFiles.runtimeLog(options.stateDir), "--log-format", "json", "create", "--bundle", options.bundle,
        "--pid-file", pidFile, options.id,
      ]
    let runtime: pid_t
    do {
      runtime = try Spawn.start(
        options.runtimePath, args: arguments, env: Sys.environment(),
        fds: [(input.read, 0), (output.write, 1), (errors.write, 2)])
    } catch {
      for fd in [input.read, output.write, errors.write] { close(fd) }
      throw error
    }
    for fd in [input.read, output.write, errors.write] { close(fd) }
    let exit = try Processes.wait(runtime)
    guard exit == .exited(0) else {
      let logText = (try? Sys.readFile(MonitorFiles.runtimeLog(options.stateDir))) ?? ""
      let message =
        RuntimeMessages.lastError(logText) ?? RuntimeMessages.lastError(String(decoding: pendingStderr(), as: UTF8.self))
        ?? "\(options.runtimePath) create exited with status \(exit.shellStatus)"
      throw BerthError(.invalidArgument, message)
    }
    let text = (try? Sys.readFile(pidFile)) ?? ""
    guard let pid = Int32(text.filter { $0 != "\n" && $0 != " " }), pid > 0 else {
      throw BerthError(.io, "\(options.runtimePath) create wrote no pid to \(pidFile)")
    }
    return pid
  }

  /// What the runtime wrote to stderr before it failed (it may not use --log for everything).
  private func pendingStderr() -> [UInt8] {
    var collected: [UInt8] = []
    while collected.count < 65536 {
      let n = readBuffer.withUnsafeMutableBytes { read(stderrFD, $0.baseAddress, $0.count) }
      if n <= 0 { break }
      collected += readBuffer[0..<n]
    }
    return collected
  }

  /// Create failed: report it and leave nothing behind (the daemon deletes the container).
  func abandon(_ error: any Error) {
    let message = (error as? BerthError)?.description ?? "\(error)"
    MonitorProcess.report(SyncReport(error: message), on: syncFD)
    cleanUp()
  }

  /// Removes monitor.sock and monitor.pid.
  func cleanUp() {
    if listener >= 0 {
      close(listener)
      unlink(MonitorFiles.socket(options.stateDir))
    }
    listener = -1
    unlink(MonitorFiles.pid(options.stateDir))
  }

  /// The container ended: the last output, the exit record, the clean-up.
  func finish() {
    let time = CRILog.now()
    lineBuffer.removeAll(keepingCapacity: true)
    stdoutLines.finish(at: time, to: &lineBuffer)
    stderrLines.finish(at: time, to: &lineBuffer)
    log?.write(lineBuffer)
    log?.close()
    for fd in [stdoutFD, stderrFD, stdinFD] where fd >= 0 { close(fd) }
    if !exitWritten { writeExitRecord() }
    for client in clients { close(client.fd) }
    clients = []
    cleanUp()
  }

  /// Writes the exit record (the init's wait status, or 255 when it is unknown) to the exit
  /// file, atomically, once.
  func writeExitRecord() {
    exitWritten = true
    let status = exitStatus ?? 0xff00
    let record = ExitRecord(waitStatus: status, exitedAt: exitedAt, oomKilled: oom?.killed ?? false)
    do {
      let exitFile = options.exitFile
      if let slash = exitFile.lastIndex(of: "/"), slash != exitFile.startIndex {
        try Sys.mkdirAll(String(exitFile[..<slash]))
      }
      try Sys.writeFileAtomically(exitFile, try JSON.encode(record) + [0x0a], mode: 0o644)
    } catch {
      note("cannot write the exit file: \(error)")
    }
  }

  /// Appends an error of the monitor itself to runtime.log (its stdio is /dev/null).
  func note(_ message: String) {
    struct Entry: Encodable {
      var level = "error"
      var msg: String
      var time: String
    }
    guard var line = try? JSON.encode(Entry(msg: "berth-monitor: " + message, time: Clock.rfc3339Now())) else { return }
    line.append(0x0a)
    let path = MonitorFiles.runtimeLog(options.stateDir)
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    _ = try? Sys.writeAll(fd: fd, line, what: path)
    close(fd)
  }
}
