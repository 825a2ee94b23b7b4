#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import CLinuxSys

/// Starting programs from any process, multithreaded ones included: posix_spawn (through
/// `berth_spawn`) runs none of our code between fork and exec. The daemon, the monitor and the
/// CNI client start every helper program this way; only the single-threaded runtime forks.
public enum Spawn {
  /// Starts `path` with `args` (argv, argv[0] included; `[path]` when empty) and `env`.
  /// `fds` maps our descriptors to the child's numbers (`(ours, theirs)`); every other fd from 3
  /// up is closed in the child, and 0-2 are inherited unless mapped. `newSession`: setsid.
  public static func start(
    _ path: String, args: [String] = [], env: [String], fds: [(Int32, Int32)] = [], newSession: Bool = false,
    cwd: String? = nil
  ) throws -> pid_t {
    var pid: pid_t = 0
    let argv = args.isEmpty ? [path] : args
    let sources = fds.map(\.0)
    let targets = fds.map(\.1)
    let err = Processes.withCStrings(argv) { argvp in
      Processes.withCStrings(env) { envp in
        sources.withUnsafeBufferPointer { src in
          targets.withUnsafeBufferPointer { dst in
            withOptionalCString(cwd) { cwdp in
              berth_spawn(
                &pid, path, argvp, envp,
                src.baseAddress, dst.baseAddress, Int32(fds.count), newSession ? 1 : 0, cwdp)
            }
          }
        }
      }
    }
    if err != 0 { throw Sys.error("cannot run \(path)", err) }
    return pid
  }

  /// What `run` collected.
  public struct Output: Sendable {
    public var exit: Processes.Exit
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// True when the program was killed because the timeout passed.
    public var timedOut: Bool

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// The exit status, -1 for a signal.
    public var status: Int32 {
      if case .exited(let code) = exit { return code }
      return -1
    }
  }

  /// Runs a program to completion: `input` on its stdin, stdout and stderr collected (each up to
  /// `limit` bytes, the rest read and dropped). With a `timeout` (seconds) the program is killed
  /// (SIGKILL) when it passes; `onStart` gets the pid (to record it, or to kill it early).
  /// A program that exits without reading all of `input` costs the caller no SIGPIPE: the
  /// signal is blocked in this thread while the input is written (and a pending one consumed).
  /// Blocking: call it off the cooperative thread pool.
  public static func run(
    _ path: String, args: [String] = [], env: [String], input: [UInt8] = [], timeout: Double? = nil,
    limit: Int = 16 << 20, cwd: String? = nil, onStart: (pid_t) -> Void = { _ in }
  ) throws -> Output {
    if input.isEmpty {
      return try collect(path, args: args, env: env, input: input, timeout: timeout, limit: limit, cwd: cwd, onStart: onStart)
    }
    var pipeSet = sigset_t()
    sigemptyset(&pipeSet)
    sigaddset(&pipeSet, SIGPIPE)
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSet, &previous)
    defer {
      var pending = sigset_t()
      if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1, sigismember(&previous, SIGPIPE) == 0 {
        var zero = timespec()
        _ = sigtimedwait(&pipeSet, nil, &zero)
      }
      pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
    return try collect(path, args: args, env: env, input: input, timeout: timeout, limit: limit, cwd: cwd, onStart: onStart)
  }

  /// `run` without the SIGPIPE guard.
  private static func collect(
    _ path: String, args: [String], env: [String], input: [UInt8], timeout: Double?, limit: Int, cwd: String?,
    onStart: (pid_t) -> Void
  ) throws -> Output {
    let stdinPipe = try Sys.pipe()
    var opened = [stdinPipe.read, stdinPipe.write]
    defer { for fd in opened { close(fd) } }
    let outPipe = try Sys.pipe()
    opened += [outPipe.read, outPipe.write]
    let errPipe = try Sys.pipe()
    opened += [errPipe.read, errPipe.write]
    let pid = try start(
      path, args: args, env: env, fds: [(stdinPipe.read, 0), (outPipe.write, 1), (errPipe.write, 2)], cwd: cwd)
    onStart(pid)
    for fd in [stdinPipe.read, outPipe.write, errPipe.write] { close(fd) }
    opened = [stdinPipe.write, outPipe.read, errPipe.read]

    let deadline = timeout.map { Clock.monotonicNanoseconds() + UInt64(max(0, $0) * 1e9) }
    var input = input[...]
    var inputFD: Int32 = stdinPipe.write
    if input.isEmpty {
      close(inputFD)
      opened.removeAll { $0 == inputFD }
      inputFD = -1
    } else {
      _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
    }
    var out: [UInt8] = []
    var err: [UInt8] = []
    var open: [Int32] = [outPipe.read, errPipe.read]
    var timedOut = false
    var buffer = [UInt8](repeating: 0, count: 65536)
    while !open.isEmpty || inputFD >= 0 {
      var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      if inputFD >= 0 { polls.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
      var wait: Int32 = -1
      if let deadline {
        let now = Clock.monotonicNanoseconds()
        if now >= deadline {
          timedOut = true
          kill(pid, SIGKILL)
          break
        }
        wait = Int32(min(UInt64(Int32.max), (deadline - now) / 1_000_000 + 1))
      }
      let rc = poll(&polls, nfds_t(polls.count), wait)
      if rc < 0 {
        if errno == EINTR { continue }
        kill(pid, SIGKILL)
        _ = try? Processes.wait(pid)
        throw Sys.error("poll on the pipes of \(path)")
      }
      for p in polls where p.revents != 0 {
        if p.fd == inputFD {
          let n = input.withUnsafeBytes { write(inputFD, $0.baseAddress, $0.count) }
          if n > 0 { input = input.dropFirst(n) }
          if n < 0 && errno == EAGAIN { continue }
          if n < 0 || input.isEmpty {
            close(inputFD)
            opened.removeAll { $0 == inputFD }
            inputFD = -1
          }
          continue
        }
        let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
        if n <= 0 {
          open.removeAll { $0 == p.fd }
          continue
        }
        if p.fd == outPipe.read {
          if out.count < limit { out += buffer[..<min(n, limit - out.count)] }
        } else if err.count < limit {
          err += buffer[..<min(n, limit - err.count)]
        }
      }
    }
    let exit = try Processes.wait(pid)
    return Output(exit: exit, stdout: out, stderr: err, timedOut: timedOut)
  }

  private static func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
  }
}
