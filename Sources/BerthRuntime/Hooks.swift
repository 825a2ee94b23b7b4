import BerthError
import BerthOCI
import BerthSys

/// Runs OCI hooks: each gets the container state as JSON on stdin, runs with its own args and
/// env, and is killed when its timeout passes.
enum Hooks {
  /// Runs `hooks` in order and stops at the first failure (prestart, createRuntime,
  /// createContainer, startContainer: a failure fails the operation).
  static func run(_ hooks: [Spec.Hook], name: String, state: State) throws {
    guard !hooks.isEmpty else { return }
    let input = try JSON.encode(state)
    for hook in hooks { try run(hook, name: name, input: input) }
  }

  /// Runs every hook even if some fail (poststart, poststop: failures are warnings) and returns
  /// the failures' messages.
  static func runAll(_ hooks: [Spec.Hook], name: String, state: State) -> [String] {
    guard !hooks.isEmpty, let input = try? JSON.encode(state) else { return [] }
    var failures: [String] = []
    for hook in hooks {
      do { try run(hook, name: name, input: input) } catch { failures.append("\(error)") }
    }
    return failures
  }

  /// Runs `hooks` in order with `input` (state JSON made elsewhere) on their stdin.
  static func run(_ hooks: [Spec.Hook], name: String, input: [UInt8]) throws {
    for hook in hooks { try run(hook, name: name, input: input) }
  }

  static func run(_ hook: Spec.Hook, name: String, input: [UInt8]) throws {
    let exit: Processes.Exit
    do {
      exit = try Processes.run(path: hook.path, args: hook.args ?? [hook.path], env: hook.env ?? [], input: input, timeout: hook.timeout)
    } catch let error as BerthError {
      throw BerthError(error.code, "\(name) hook \(hook.path): \(error.message)")
    }
    switch exit {
    case .exited(0): return
    case .exited(let code): throw BerthError(.invalidState, "\(name) hook \(hook.path) exited with status \(code)")
    case .signaled(let sig): throw BerthError(.invalidState, "\(name) hook \(hook.path) was killed by signal \(sig)")
    }
  }
}
