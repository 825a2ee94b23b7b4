#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import CLinuxSys

/// Starting and waiting for processes from the single-threaded runtime. (A multithreaded caller
/// must not use `spawn`: it forks and runs Swift in the child.)
public enum Processes {
  /// execve(2) with Swift strings. Returns only on failure.
  public static func exec(_ path: String, args: [String], env: [String]) -> Int32 {
    _ = withCStrings(args) { argv in withCStrings(env) { envp in execve(path, argv, envp) } }
    return errno
  }

  /// Calls `body` with a NULL-terminated array of C strings.
  public static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }

  /// Finds `name` in the PATH of `env` (or takes it as is when it contains a slash), as execvp does.
  /// - Parameter root: resolve against this directory instead of "/" (for checks before pivot_root).
  public static func lookPath(_ name: String, env: [String], root: String = "") -> String? {
    if name.contains("/") { return name }
    let path = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
      ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
      if let st = Sys.stat(root + candidate), st.st_mode & S_IFMT == S_IFREG, access(root + candidate, X_OK) == 0 {
        return candidate
      }
    }
    return nil
  }

  /// How a waited-for process ended.
  public enum Exit: Equatable, Sendable {
    case exited(Int32)
    case signaled(Int32)
    /// The exit status a shell reports: the code, or 128 + signal.
    public var shellStatus: Int32 {
      switch self {
      case .exited(let code): code
      case .signaled(let sig): 128 + sig
      }
    }
  }

  /// waitpid(2) retrying on EINTR.
  public static func wait(_ pid: pid_t) throws -> Exit {
    var status: Int32 = 0
    try Sys.check(Sys.retrying { waitpid(pid, &status, 0) }, "waitpid \(pid)")
    return decode(status)
  }

  static func decode(_ status: Int32) -> Exit {
    (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
  }

  /// Runs `path` with `args`/`env`, writes `input` to its stdin, and waits up to `timeout`
  /// seconds (nil: no limit), killing it when the time is up. Its stdout and stderr go to ours.
  public static func run(path: String, args: [String], env: [String], input: [UInt8], timeout: Int?) throws -> Exit {
    let stdinPipe = try Sys.pipe()
    let pid = fork()
    if pid < 0 { throw Sys.error("fork \(path)") }
    if pid == 0 {
      dup2(stdinPipe.read, 0)
      close(stdinPipe.write)
      _ = berth_unblock_all_signals()
      _ = exec(path, args: args.isEmpty ? [path] : args, env: env)
      _exit(127)
    }
    close(stdinPipe.read)
    // The hook may exit without reading its stdin: never die of SIGPIPE for it.
    let previous = signal(SIGPIPE, SIG_IGN)
    _ = try? Sys.writeAll(fd: stdinPipe.write, input, what: "stdin of \(path)")
    close(stdinPipe.write)
    signal(SIGPIPE, previous)
    guard let timeout else { return try wait(pid) }
    let deadline = Clock.monotonicNanoseconds() + UInt64(timeout) * 1_000_000_000
    var status: Int32 = 0
    var delay: UInt32 = 200
    while true {
      let rc = waitpid(pid, &status, WNOHANG)
      if rc == pid { return decode(status) }
      if rc < 0 && errno != EINTR { throw Sys.error("waitpid \(path)") }
      if Clock.monotonicNanoseconds() >= deadline {
        kill(pid, SIGKILL)
        _ = try? wait(pid)
        throw BerthError(.timeout, "\(path) did not finish within \(timeout)s")
      }
      usleep(delay)
      delay = min(delay * 2, 20_000)
    }
  }

  /// True if `pid` exists and is not a zombie.
  public static func isAlive(_ pid: pid_t) -> Bool {
    guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard let stat = try? Sys.readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].first
    return state != "Z" && state != "X"
  }

  /// The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat): with the pid,
  /// it identifies a process across pid reuse.
  public static func startTime(_ pid: pid_t) -> UInt64? {
    guard let stat = try? Sys.readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // fields[0] is the state (field 3), so field 22 is fields[19].
    return fields.count > 19 ? UInt64(fields[19]) : nil
  }
}

/// Time without Foundation.
public enum Clock {
  public static func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
  }

  /// Now as RFC 3339 with nanoseconds in UTC ("2026-11-23T14:33:49.123456789Z"), as Go's
  /// time.RFC3339Nano prints it (trailing zeros of the fraction dropped).
  public static func rfc3339Now() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var seconds = ts.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    var text = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
    text += "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
    var fraction = pad(Int32(ts.tv_nsec), 9)
    while fraction.hasSuffix("0") { fraction.removeLast() }
    if !fraction.isEmpty { text += "." + fraction }
    return text + "Z"
  }
}
