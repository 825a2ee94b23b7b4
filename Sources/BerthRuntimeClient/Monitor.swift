#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys

/// The daemon's side of berth-monitor: start one per container, talk to it, read what it left.
/// Blocking calls; run them on a thread that may block.
public enum Monitor {
  /// Starts berth-monitor (`monitorPath`) for `options` and waits until `runtime create`
  /// finished (at most `timeout` seconds). Returns the container's init pid and the monitor's
  /// pid (0 if its pid file could not be read). On failure the error carries the runtime's message, and nothing is left running: the
  /// monitor is gone and the container was deleted (`delete --force`). A previous exit file at
  /// `options.exitFile` is removed first: it belongs to this monitor from now on.
  public static func launch(
    monitorPath: String, options: MonitorOptions, timeout: Double = 60
  ) throws -> (containerPID: Int32, monitorPID: Int32) {
    let stateDir = options.stateDir
    // The monitor runs from "/", so relative paths would mean something else to it.
    for (name, path) in [("stateDir", stateDir), ("bundle", options.bundle), ("exitFile", options.exitFile)]
    where !path.hasPrefix("/") {
      throw BerthError.invalid("create container \(options.id): \(name) must be an absolute path, not \"\(path)\"")
    }
    if !options.logPath.isEmpty && !options.logPath.hasPrefix("/") {
      throw BerthError.invalid("create container \(options.id): logPath must be an absolute path, not \"\(options.logPath)\"")
    }
    try Sys.mkdirAll(stateDir, mode: 0o700)
    for file in [MonitorFiles.pid, MonitorFiles.socket, MonitorFiles.runtimeLog, MonitorFiles.containerPID] {
      unlink(file(stateDir))
    }
    unlink(options.exitFile)
    let config = MonitorFiles.config(stateDir)
    try Sys.writeFileAtomically(config, try JSON.encode(options, pretty: true), mode: 0o600)

    let sync = try Sys.pipe()
    let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
    guard devNull >= 0 else {
      let error = Sys.error("open /dev/null")
      close(sync.read)
      close(sync.write)
      throw error
    }
    let launcher: pid_t
    do {
      launcher = try Spawn.start(
        monitorPath, args: [monitorPath, "--config", config, "--sync-fd", "3"], env: Sys.environment(),
        fds: [(devNull, 0), (devNull, 1), (devNull, 2), (sync.write, 3)], newSession: true)
    } catch {
      for fd in [sync.read, sync.write, devNull] { close(fd) }
      throw error
    }
    for fd in [sync.write, devNull] { close(fd) }
    defer { close(sync.read) }
    // The first process forks the monitor and exits at once; it is ours to reap.
    _ = try? Processes.wait(launcher)

    let deadline = Clock.monotonicNanoseconds() + UInt64(max(0, timeout) * 1e9)
    let reply = readLine(sync.read, until: deadline)
    var failure: BerthError
    switch reply {
    case .line(let bytes):
      if let report = try? JSON.decode(SyncReport.self, from: bytes), let pid = report.pid, pid > 0 {
        // The container exists and its monitor runs: an unreadable pid file (written before
        // the report) must not turn that into a failure that deletes a container still watched.
        let text = (try? Sys.readFile(MonitorFiles.pid(stateDir))) ?? ""
        return (pid, Int32(text.filter(\.isNumber)) ?? 0)
      }
      let report = try? JSON.decode(SyncReport.self, from: bytes)
      let message = report?.error ?? "berth-monitor sent \"\(String(decoding: bytes, as: UTF8.self))\""
      failure = BerthError(OCIRuntime.code(for: message), "create container \(options.id): \(message)")
      // The monitor exits after reporting; the end of the pipe says it did.
      _ = readLine(sync.read, until: min(deadline, Clock.monotonicNanoseconds() + 5_000_000_000))
    case .end:
      failure = BerthError(.internalError, "create container \(options.id): berth-monitor exited without a report")
      _ = Glibc.kill(-launcher, SIGKILL)
    case .timeout:
      failure = BerthError(.timeout, "create container \(options.id): not created within \(timeout)s")
      // The monitor and the runtime it runs are the process group the launcher led.
      _ = Glibc.kill(-launcher, SIGKILL)
    }
    let runtime = OCIRuntime(path: options.runtimePath, root: options.runtimeRoot, options: options.runtimeOptions)
    try? runtime.delete(id: options.id, force: true)
    for file in [MonitorFiles.pid, MonitorFiles.socket, MonitorFiles.containerPID] { unlink(file(stateDir)) }
    throw failure
  }

  /// Asks the monitor of `stateDir` to reopen its log file (after the caller renamed it);
  /// returns once it did.
  public static func reopenLog(stateDir: String, timeout: Double = 10) throws {
    let path = MonitorFiles.socket(stateDir)
    let fd: Int32
    do { fd = try UnixSocket.connect(path) } catch let error as BerthError {
      throw BerthError(.notFound, "reopen log: no monitor listens at \(path)", errno: error.errno, cause: error)
    }
    defer { close(fd) }
    let request = Array((MonitorFiles.reopenRequest + "\n").utf8)
    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    if sent != request.count { throw Sys.error("reopen log: send to \(path)") }
    let deadline = Clock.monotonicNanoseconds() + UInt64(max(0, timeout) * 1e9)
    switch readLine(fd, until: deadline) {
    case .line(let bytes):
      let reply = String(decoding: bytes, as: UTF8.self)
      if reply == "ok" || reply.hasPrefix("ok ") { return }
      throw BerthError(.io, "reopen log: monitor of \(stateDir): \(reply.hasPrefix("error ") ? String(reply.dropFirst(6)) : reply)")
    case .end:
      throw BerthError(.io, "reopen log: the monitor of \(stateDir) closed the connection")
    case .timeout:
      throw BerthError(.timeout, "reopen log: the monitor of \(stateDir) did not answer within \(timeout)s")
    }
  }

  /// The exit record at `path`; nil when it is absent or unreadable.
  public static func readExit(_ path: String) -> ExitRecord? {
    guard let bytes = try? Sys.readBytes(path) else { return nil }
    return try? JSON.decode(ExitRecord.self, from: bytes)
  }

  /// True while the monitor of `stateDir` runs (the pid in monitor.pid is alive and is the
  /// berth-monitor started with this directory's monitor.json, not a process that reused the pid).
  public static func isRunning(stateDir: String) -> Bool {
    pid(stateDir: stateDir) != nil
  }

  /// The pid of the monitor of `stateDir` while it runs.
  public static func pid(stateDir: String) -> Int32? {
    guard let text = try? Sys.readFile(MonitorFiles.pid(stateDir)), let pid = Int32(text.filter(\.isNumber)),
      pid > 0, Processes.isAlive(pid), let cmdline = try? Sys.readBytes("/proc/\(pid)/cmdline")
    else { return nil }
    let arguments = cmdline.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    return arguments.contains(MonitorFiles.config(stateDir)) ? pid : nil
  }

  enum LineResult {
    case line([UInt8])
    case end
    case timeout
  }

  /// Reads up to a newline (not included) from `fd`, polling until `deadline` (monotonic ns).
  /// Bytes after the newline are not expected (one request, one reply).
  static func readLine(_ fd: Int32, until deadline: UInt64) -> LineResult {
    var collected: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      if let newline = collected.firstIndex(of: 0x0a) { return .line(Array(collected[..<newline])) }
      let now = Clock.monotonicNanoseconds()
      guard now < deadline else { return .timeout }
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&pfd, 1, Int32(min(UInt64(Int32.max), (deadline - now) / 1_000_000 + 1)))
      if ready < 0 && errno == EINTR { continue }
      if ready <= 0 { continue }
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
      if n <= 0 { return collected.isEmpty ? .end : .line(collected) }
      collected += buffer[0..<n]
    }
  }
}
