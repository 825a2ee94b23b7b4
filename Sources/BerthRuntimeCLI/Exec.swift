import BerthError
import BerthOCI
import BerthRuntime
import BerthSys

/// `exec`: another process in a running container.
enum Exec: Verb {
  static let name = "exec"
  static let summary = "run a new process in a running container"
  static let usage = "<container-id> <command> [args...]"
  static let options: [OptionSpec] = [
    .value("process", "p", "process.json describing the process (instead of inline arguments)"),
    .flag("tty", "t", "allocate a pseudo-terminal"),
    .value("console-socket", nil, "unix socket to send the pseudo-terminal master to"),
    .flag("detach", "d", "return once the process has started"),
    .value("pid-file", nil, "file to write the process's pid to"),
    .value("env", "e", "extra environment variable KEY=value (repeatable)"),
    .value("cwd", nil, "working directory in the container"),
    .value("user", "u", "uid[:gid] to run as"),
    .value("additional-gids", "g", "additional gid (repeatable)"),
    .value("cap", "c", "add a capability (repeatable)"),
    .flag("no-new-privs", nil, "set no_new_privs"),
    .value("apparmor", nil, "AppArmor profile"),
    .value("process-label", nil, "SELinux process label"),
    .value("preserve-fds", nil, "pass N extra file descriptors to the process"),
    .flag("ignore-paused", nil, "accepted for compatibility"),
    .value("cgroup", nil, "accepted for compatibility (sub-cgroups are not supported)"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let runtime = try context.runtime()
    let id = try arguments.id(name)
    let process = try makeProcess(arguments, runtime: runtime, id: id)
    return try runtime.exec(
      id: id,
      options: Runtime.ExecOptions(
        process: process, consoleSocket: arguments.value("console-socket"), pidFile: arguments.value("pid-file"),
        detach: arguments.flag("detach"), preserveFDs: try arguments.int("preserve-fds") ?? 0))
  }

  /// The process to run: from --process, or the container's own process config with the
  /// inline command and flags applied (as runc does).
  static func makeProcess(_ arguments: Arguments, runtime: Runtime, id: String) throws -> Spec.Process {
    if let path = arguments.value("process") {
      let bytes = try Sys.readBytes(path)
      do { return try JSON.decode(Spec.Process.self, from: bytes) } catch {
        throw BerthError.invalid("process file \(path): \(error)")
      }
    }
    let command = Array(arguments.positional.dropFirst())
    guard !command.isEmpty else { throw BerthError.invalid("exec: no command given (pass arguments or --process)") }
    var spec = try runtime.processTemplate(id: id)
    spec.args = command
    spec.commandLine = nil
    spec.terminal = arguments.flag("tty")
    spec.consoleSize = nil
    spec.env = (spec.env ?? []) + arguments.all("env")
    if let cwd = arguments.value("cwd") { spec.cwd = cwd }
    if let user = arguments.value("user") {
      let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      guard let first = parts.first, let uid = UInt32(first), parts.count == 1 || UInt32(parts[1]) != nil else {
        throw BerthError.invalid("--user \(user): expected uid[:gid]")
      }
      spec.user.uid = uid
      if parts.count == 2 { spec.user.gid = UInt32(parts[1])! }
    }
    let gids = try arguments.all("additional-gids").map { text -> UInt32 in
      guard let gid = UInt32(text) else { throw BerthError.invalid("--additional-gids \(text): not a number") }
      return gid
    }
    if !gids.isEmpty { spec.user.additionalGids = gids }
    let caps = arguments.all("cap")
    if !caps.isEmpty {
      var sets = spec.capabilities ?? Spec.Capabilities()
      sets.bounding = (sets.bounding ?? []) + caps
      sets.effective = (sets.effective ?? []) + caps
      sets.permitted = (sets.permitted ?? []) + caps
      spec.capabilities = sets
    }
    if arguments.flag("no-new-privs") { spec.noNewPrivileges = true }
    if let profile = arguments.value("apparmor") { spec.apparmorProfile = profile }
    if let label = arguments.value("process-label") { spec.selinuxLabel = label }
    return spec
  }
}
