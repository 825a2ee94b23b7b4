import Foundation

/// The `berth-runtime` binary under test, and a way to run it as a subprocess.
enum RuntimeBinary {
  /// `$BERTH_RUNTIME`, else `<package root>/.build/debug/berth-runtime`.
  static let path: String = {
    if let path = ProcessInfo.processInfo.environment["BERTH_RUNTIME"], !path.isEmpty { return path }
    // #filePath is <root>/Tests/BerthIntegrationTests/Support/RuntimeBinary.swift.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/berth-runtime").path
  }()

  /// Why the integration tests cannot run here, or nil when they can.
  static let unavailableReason: String? = {
    if geteuid() != 0 { return "integration tests need root (they create namespaces and cgroups)" }
    if !FileManager.default.isExecutableFile(atPath: path) {
      return "no berth-runtime binary at \(path) (run swift build or set BERTH_RUNTIME)"
    }
    if !FileManager.default.isExecutableFile(atPath: Busybox.hostPath) {
      return "no static busybox at \(Busybox.hostPath) (apt-get install busybox-static)"
    }
    return nil
  }()

  static var isAvailable: Bool { unavailableReason == nil }
}

/// What one run of the binary did.
struct CommandResult: CustomStringConvertible {
  var arguments: [String]
  var status: Int32
  var stdout: String
  var stderr: String
  var timedOut = false

  /// The non-empty lines of stderr.
  var errorLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
  var succeeded: Bool { status == 0 && !timedOut }

  var description: String {
    "berth-runtime \(arguments.joined(separator: " ")) → \(timedOut ? "TIMED OUT" : "exit \(status)")\n"
      + "stdout: \(stdout)\nstderr: \(stderr)"
  }
}

enum CommandRunner {
  /// Runs `berth-runtime ARGS`, with stdout and stderr sent to files rather than pipes, so a
  /// detached container that inherits them cannot keep the call from returning.
  ///
  /// Not Foundation's `Process`: it learns that a child exited through a socket the child
  /// inherits, and `create` hands every inherited descriptor to the container's init, so
  /// `create` would seem to run until the container stops. posix_spawn + waitpid instead, with
  /// every descriptor above 2 closed (but for `inherit`, passed on as descriptor 3).
  /// - Parameters:
  ///   - arguments: the whole command line after the program name
  ///   - scratch: a directory for the output files
  ///   - timeout: seconds before the process is killed (the result says so)
  ///   - inherit: a descriptor of this process to pass to the runtime as descriptor 3
  static func run(_ arguments: [String], scratch: URL, timeout: TimeInterval = 15, inherit: Int32? = nil) throws -> CommandResult {
    let token = UUID().uuidString.prefix(8)
    let outPath = scratch.appendingPathComponent("out-\(token)").path
    let errPath = scratch.appendingPathComponent("err-\(token)").path
    defer {
      unlink(outPath)
      unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let inherit { posix_spawn_file_actions_adddup2(&actions, inherit, 3) }
    // closefrom: every open descriptor above stdio (and above 3 when one is inherited). glibc
    // ignores EBADF for one another thread closed meanwhile.
    let first: Int32 = inherit == nil ? 3 : 4
    let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    for fd in open where fd >= first { posix_spawn_file_actions_addclose(&actions, fd) }
    let argv = ([RuntimeBinary.path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, RuntimeBinary.path, &actions, nil, argv, environ)
    guard spawned == 0 else { throw FixtureError("posix_spawn \(RuntimeBinary.path): \(String(cString: strerror(spawned)))") }

    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    var status: Int32 = 0
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid { break }
      if reaped < 0 && errno != EINTR { throw FixtureError("waitpid \(pid): \(String(cString: strerror(errno)))") }
      if Date() > deadline && !timedOut {
        timedOut = true
        kill(pid, SIGKILL)
      }
      usleep(5000)
    }
    // Like a shell: the exit code, or 128 + the signal that killed it.
    let signal = status & 0x7f
    let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    return CommandResult(
      arguments: arguments, status: code,
      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", timedOut: timedOut)
  }
}
