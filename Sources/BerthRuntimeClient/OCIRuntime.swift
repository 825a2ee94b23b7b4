#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import Dispatch
import Synchronization

/// An OCI runtime binary (berth-runtime, runc, crun) driven through its command line. Every call
/// blocks until the runtime exits; call it from a thread that may block.
public struct OCIRuntime: Sendable {
  /// The runtime binary.
  public var path: String
  /// The runtime's `--root` ("" = its default).
  public var root: String
  /// Extra global arguments, put before the verb.
  public var options: [String]
  /// The environment the runtime runs with (the caller's, by default).
  public var environment: [String]
  /// Seconds a verb may take before the runtime is killed (nil = no limit). `exec` has its own.
  public var commandTimeout: Double?

  /// A runtime at `path`. `root`: the value of `--root` ("" = omit); `options`: extra global
  /// arguments before the verb.
  public init(path: String, root: String, options: [String] = []) {
    self.path = path
    self.root = root
    self.options = options
    environment = Sys.environment()
    commandTimeout = 120
  }

  /// `[path] [--root R] [options]`.
  var globalArguments: [String] { [path] + (root.isEmpty ? [] : ["--root", root]) + options }

  /// `state ID`; nil when the runtime says the container does not exist.
  public func state(id: String) throws -> State? {
    let output = try run(["state", id], what: "state of container \(id)")
    guard output.status == 0, !output.timedOut else {
      let message = Self.message(output)
      if Self.isNotFound(message) { return nil }
      throw Self.error("state of container \(id)", message)
    }
    do {
      return try JSON.decode(State.self, from: output.stdout)
    } catch {
      throw BerthError(.io, "state of container \(id): cannot parse the runtime's output: \(error)")
    }
  }

  /// `start ID`.
  public func start(id: String) throws {
    try check(["start", id], what: "start container \(id)")
  }

  /// `kill [--all] ID SIGNAL`. A container that does not exist or has stopped is not an error.
  public func kill(id: String, signal: Int32, all: Bool = false) throws {
    let output = try run(["kill"] + (all ? ["--all"] : []) + [id, String(signal)], what: "kill container \(id)")
    guard output.status != 0 || output.timedOut else { return }
    let message = Self.message(output)
    if Self.isNotFound(message) { return }
    // Runtimes word "already stopped" differently; ask for the state instead of parsing it.
    if let state = try? state(id: id), state.status != .stopped {
      throw Self.error("kill container \(id)", message)
    }
  }

  /// `delete [--force] ID`. A container that does not exist is not an error.
  public func delete(id: String, force: Bool) throws {
    let output = try run(["delete"] + (force ? ["--force"] : []) + [id], what: "delete container \(id)")
    guard output.status != 0 || output.timedOut else { return }
    let message = Self.message(output)
    if Self.isNotFound(message) { return }
    do {
      if try state(id: id) == nil { return }
    } catch {}
    throw Self.error("delete container \(id)", message)
  }

  /// `pause ID`.
  public func pause(id: String) throws {
    try check(["pause", id], what: "pause container \(id)")
  }

  /// `resume ID`.
  public func resume(id: String) throws {
    try check(["resume", id], what: "resume container \(id)")
  }

  /// `update --resources FILE ID`, FILE holding `resources` as the OCI linux.resources JSON.
  public func update(id: String, resources: Resources) throws {
    let directory = try TemporaryDirectory(prefix: "berth-update")
    defer { directory.remove() }
    let file = directory.path + "/resources.json"
    try Sys.writeFileAtomically(file, try JSON.encode(resources), mode: 0o600)
    try check(["update", "--resources", file, id], what: "update container \(id)")
  }

  /// `exec --process FILE --pid-file P ID` with `input` on its stdin and stdout/stderr
  /// collected. With a `timeout` (seconds; nil = none), when it passes the process the runtime
  /// started (from the pid file) is killed and `timedOut` is set; the runtime then reaps it and
  /// exits by itself, so no zombie is left in the container (killing the runtime first would
  /// hand the process to the container's init, which may never reap it). A runtime that still
  /// has not exited 10 s later is killed too. The exit is the runtime's, which is the
  /// process's own when it ran.
  public func exec(id: String, process: Spec.Process, timeout: Double?, input: [UInt8] = []) throws -> Spawn.Output {
    let directory = try TemporaryDirectory(prefix: "berth-exec")
    defer { directory.remove() }
    let processFile = directory.path + "/process.json"
    let pidFile = directory.path + "/exec.pid"
    try Sys.writeFileAtomically(processFile, try JSON.encode(process), mode: 0o600)
    let deadline = ExecDeadline(pidFile: pidFile)
    var output = try Spawn.run(
      path, args: globalArguments + ["exec", "--process", processFile, "--pid-file", pidFile, id], env: environment,
      input: input, timeout: timeout.map { $0 + 10 },
      onStart: { _ in
        if let timeout { deadline.arm(after: timeout) }
      })
    // Spawn's own (later) timeout killed the runtime: its process may still run. When the
    // deadline fired, the runtime reaped the process itself, and its pid must not be signalled
    // again (it may belong to someone else by now).
    if output.timedOut { deadline.killProcess() }
    if deadline.disarm() { output.timedOut = true }
    return output
  }

  /// `pin-namespaces --dir DIR [--net] [--ipc] [--uts] [--hostname H] [--sysctl k=v]...`
  /// (berth-runtime's, not a runc verb): new namespaces bound to files under `dir`, with the
  /// hostname and sysctls set inside. A refused sysctl is `.invalidArgument`.
  public func pinNamespaces(
    dir: String, net: Bool, ipc: Bool, uts: Bool, hostname: String?, sysctls: [(key: String, value: String)]
  ) throws {
    var arguments = ["pin-namespaces", "--dir", dir]
    if net { arguments.append("--net") }
    if ipc { arguments.append("--ipc") }
    if uts { arguments.append("--uts") }
    if let hostname { arguments += ["--hostname", hostname] }
    for (key, value) in sysctls { arguments += ["--sysctl", "\(key)=\(value)"] }
    try check(arguments, what: "pin the pod's namespaces")
  }

  /// `pin-namespaces --remove --dir DIR`: unmounts and removes what `pinNamespaces` made.
  public func unpinNamespaces(dir: String) throws {
    try check(["pin-namespaces", "--remove", "--dir", dir], what: "unpin the pod's namespaces")
  }

  /// Runs a verb; the output whatever the exit status. Throws when it could not run or timed out.
  func run(_ arguments: [String], what: String) throws -> Spawn.Output {
    let output = try Spawn.run(path, args: globalArguments + arguments, env: environment, timeout: commandTimeout)
    if output.timedOut {
      throw BerthError(.timeout, "\(what): \(path) did not finish within \(Int(commandTimeout ?? 0))s")
    }
    return output
  }

  /// Runs a verb that must succeed.
  func check(_ arguments: [String], what: String) throws {
    let output = try run(arguments, what: what)
    if output.status != 0 { throw Self.error(what, Self.message(output)) }
  }

  /// The runtime's error message from its stderr (or the exit status).
  static func message(_ output: Spawn.Output) -> String {
    RuntimeMessages.lastError(output.stderrText) ?? RuntimeMessages.lastError(output.stdoutText)
      ?? "exit status \(output.exit.shellStatus)"
  }

  /// Whether a runtime message says the container does not exist (runc, crun, berth-runtime).
  static func isNotFound(_ message: String) -> Bool {
    let text = message.lowercased()
    return text.contains("does not exist") || text.contains("not found")
      || (text.contains("no such file or directory") && (text.contains("status") || text.contains("state")))
  }

  /// A BerthError for a failed verb, its code guessed from the runtime's message.
  static func error(_ what: String, _ message: String) -> BerthError {
    BerthError(code(for: message), "\(what): \(message)")
  }

  /// The error code a runtime message suggests.
  public static func code(for message: String) -> BerthError.Code {
    let text = message.lowercased()
    if isNotFound(text) || text.contains("no such file or directory") { return .notFound }
    if text.contains("already exists") { return .alreadyExists }
    if text.contains("permission denied") || text.contains("operation not permitted") { return .permissionDenied }
    if text.contains("not running") || text.contains("paused") || (text.contains("cannot ") && text.contains(": it is ")) {
      return .invalidState
    }
    return .invalidArgument
  }
}

/// A directory from mkdtemp(3) under $TMPDIR (or /tmp), removed with what it holds.
struct TemporaryDirectory {
  let path: String

  init(prefix: String) throws {
    let base = Sys.environment().last { $0.hasPrefix("TMPDIR=") }.map { String($0.dropFirst(7)) } ?? "/tmp"
    var template = Array("\(base.isEmpty ? "/tmp" : base)/\(prefix)-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw Sys.error("mkdtemp \(base)/\(prefix)-XXXXXX")
    }
    path = String(cString: made)
  }

  func remove() { try? Sys.removeAll(path) }
}

/// The timer of an exec with a timeout: kills the exec'd process once, unless disarmed first.
final class ExecDeadline: Sendable {
  private let pidFile: String
  /// (fired, disarmed)
  private let state = Mutex((fired: false, disarmed: false))

  init(pidFile: String) { self.pidFile = pidFile }

  /// Kills the process `seconds` from now, unless `disarm` comes first.
  func arm(after seconds: Double) {
    DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
      state.withLock { state in
        guard !state.disarmed else { return }
        state.fired = true
        killProcess()
      }
    }
  }

  /// Stops the timer; true if it had already fired.
  func disarm() -> Bool {
    state.withLock { state in
      state.disarmed = true
      return state.fired
    }
  }

  /// SIGKILL to the process in the pid file, if there is one.
  func killProcess() {
    if let text = try? Sys.readFile(pidFile), let pid = Int32(text.filter(\.isNumber)), pid > 0 {
      _ = Glibc.kill(pid, SIGKILL)
    }
  }
}
