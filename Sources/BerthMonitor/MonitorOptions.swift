/// What berth-monitor needs to know about its container. The daemon writes it as JSON to
/// `<stateDir>/monitor.json` and starts `berth-monitor --config <stateDir>/monitor.json --sync-fd 3`.
public struct MonitorOptions: Sendable, Codable, Equatable {
  /// The container id, as given to the runtime.
  public var id: String
  /// The OCI bundle directory.
  public var bundle: String
  /// The monitor's own directory: monitor.json, monitor.pid, monitor.sock, runtime.log and
  /// container.pid live here (see `MonitorFiles`).
  public var stateDir: String
  /// The OCI runtime binary (berth-runtime, runc, crun).
  public var runtimePath: String
  /// The runtime's `--root` ("" = the runtime's default).
  public var runtimeRoot: String
  /// Extra global runtime arguments, put before the verb.
  public var runtimeOptions: [String]
  /// The CRI log file ("" = the container's output is read and dropped).
  public var logPath: String
  /// Where the `ExitRecord` is written (atomically) when the container ends.
  public var exitFile: String
  /// Keep a pipe open on the container's stdin (CRI stdin=true); otherwise stdin is /dev/null.
  public var stdin: Bool
  /// The log file is truncated when it would grow past this many bytes (0 = no limit).
  public var logSizeMax: Int
  /// The container has no PID namespace of its own (it joins its pod's, or the host's): when
  /// its init ends, its other processes live on and are killed (`runtime kill --all`). nil:
  /// false.
  public var killLeftovers: Bool?

  /// Creates the options of one container.
  public init(
    id: String, bundle: String, stateDir: String, runtimePath: String, runtimeRoot: String = "",
    runtimeOptions: [String] = [], logPath: String = "", exitFile: String, stdin: Bool = false, logSizeMax: Int = 0,
    killLeftovers: Bool = false
  ) {
    self.id = id
    self.bundle = bundle
    self.stateDir = stateDir
    self.runtimePath = runtimePath
    self.runtimeRoot = runtimeRoot
    self.runtimeOptions = runtimeOptions
    self.logPath = logPath
    self.exitFile = exitFile
    self.stdin = stdin
    self.logSizeMax = logSizeMax
    self.killLeftovers = killLeftovers ? true : nil
  }

  /// The global arguments of every runtime call: `[--root R] [options]`.
  public var runtimeGlobalArguments: [String] {
    (runtimeRoot.isEmpty ? [] : ["--root", runtimeRoot]) + runtimeOptions
  }
}

/// How a container ended, as the monitor writes it to `MonitorOptions.exitFile`.
public struct ExitRecord: Sendable, Codable, Equatable {
  /// The exit status, or 128 + the signal that killed the process.
  public var exitCode: Int32
  /// The signal that killed the process, if one did.
  public var signal: Int32?
  /// When the monitor saw the exit, in nanoseconds since the Unix epoch.
  public var exitedAt: Int64
  /// True when the kernel's OOM killer acted in the container's memory cgroup while it ran.
  public var oomKilled: Bool
  /// The CRI reason: "OOMKilled", "Completed" (status 0) or "Error".
  public var reason: String?

  /// Creates a record.
  public init(exitCode: Int32, signal: Int32? = nil, exitedAt: Int64, oomKilled: Bool = false, reason: String? = nil) {
    self.exitCode = exitCode
    self.signal = signal
    self.exitedAt = exitedAt
    self.oomKilled = oomKilled
    self.reason = reason
  }

  /// The record of a wait status (`waitpid`): the code, or 128 + signal with `signal` set, and
  /// the CRI reason.
  public init(waitStatus status: Int32, exitedAt: Int64, oomKilled: Bool) {
    let signal = status & 0x7f
    if signal == 0 {
      self.init(exitCode: (status >> 8) & 0xff, exitedAt: exitedAt, oomKilled: oomKilled)
    } else {
      self.init(exitCode: 128 + signal, signal: signal, exitedAt: exitedAt, oomKilled: oomKilled)
    }
    reason = oomKilled ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error"
  }
}

/// The one line berth-monitor writes on its sync fd: `{"pid":N}` once `runtime create`
/// succeeded, or `{"error":"message"}` when it (or the monitor's own set-up) failed.
public struct SyncReport: Sendable, Codable, Equatable {
  /// The container's init pid.
  public var pid: Int32?
  /// Why the container could not be created.
  public var error: String?

  /// A report: `pid` on success, `error` on failure.
  public init(pid: Int32? = nil, error: String? = nil) {
    self.pid = pid
    self.error = error
  }
}

/// The files of a monitor's state directory, and its socket protocol.
///
/// `monitor.sock` is a unix stream socket with a line protocol: the client writes one request
/// per line and gets one reply line per request, `ok[ DETAIL]` or `error MESSAGE`. Requests:
/// - `reopen`: close and reopen the CRI log file (after the caller renamed it for rotation);
///   the reply comes once new output goes to the new file.
///
/// Later requests (attach, resize) can switch the connection to a stream after their `ok`.
public enum MonitorFiles {
  /// The `MonitorOptions` JSON the monitor is started with.
  public static func config(_ stateDir: String) -> String { stateDir + "/monitor.json" }
  /// The monitor's pid, as decimal text and a newline; present while it runs.
  public static func pid(_ stateDir: String) -> String { stateDir + "/monitor.pid" }
  /// The monitor's unix socket (protocol above).
  public static func socket(_ stateDir: String) -> String { stateDir + "/monitor.sock" }
  /// The runtime's `--log` (JSON lines); the monitor appends its own errors here too.
  public static func runtimeLog(_ stateDir: String) -> String { stateDir + "/runtime.log" }
  /// The runtime's `--pid-file` for `create`.
  public static func containerPID(_ stateDir: String) -> String { stateDir + "/container.pid" }
  /// The `reopen` request.
  public static let reopenRequest = "reopen"
}
