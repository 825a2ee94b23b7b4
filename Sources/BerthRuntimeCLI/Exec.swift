import ArgumentParser
import BerthError
import BerthOCI
import BerthRuntime
import BerthSys

struct Exec: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Run a new process in a running container.")
  @OptionGroup var globals: GlobalOptions
  @Option(name: [.short, .long], help: "process.json describing the process (instead of inline arguments).") var process: String?
  @Flag(name: [.short, .long], help: "Allocate a pseudo-terminal.") var tty = false
  @Option(help: "Unix socket to send the pseudo-terminal master to.") var consoleSocket: String?
  @Flag(name: [.short, .long], help: "Return once the process has started.") var detach = false
  @Option(help: "File to write the process's pid to.") var pidFile: String?
  @Option(name: [.short, .long], help: "Extra environment variable KEY=value.") var env: [String] = []
  @Option(help: "Working directory in the container.") var cwd: String?
  @Option(name: [.short, .long], help: "uid[:gid] to run as.") var user: String?
  @Option(name: [.customShort("g"), .long], help: "Additional gids.") var additionalGids: [UInt32] = []
  @Option(name: [.short, .long], help: "Add a capability.") var cap: [String] = []
  @Flag(help: "Set no_new_privs.") var noNewPrivs = false
  @Option(help: "AppArmor profile.") var apparmor: String?
  @Option(help: "SELinux process label.") var processLabel: String?
  @Option(help: "Pass N extra file descriptors to the process.") var preserveFds: Int = 0
  @Flag(help: "Accepted for compatibility.") var ignorePaused = false
  @Argument(help: "Container id.") var id: String
  @Argument(parsing: .captureForPassthrough, help: "Command and arguments.") var command: [String] = []

  func run() throws {
    let status = try globals.perform { runtime -> Int32 in
      let spec = try makeProcess(runtime)
      return try runtime.exec(
        id: id,
        options: Runtime.ExecOptions(process: spec, consoleSocket: consoleSocket, pidFile: pidFile, detach: detach, preserveFDs: preserveFds))
    }
    if status != 0 { throw ExitCode(status) }
  }

  /// The process to run: from --process, or the container's own process config with the
  /// inline command and flags applied (as runc does).
  func makeProcess(_ runtime: Runtime) throws -> Spec.Process {
    if let path = process {
      let bytes = try Sys.readBytes(path)
      do { return try JSON.decode(Spec.Process.self, from: bytes) } catch {
        throw BerthError.invalid("process file \(path): \(error)")
      }
    }
    let args = command.first == "--" ? Array(command.dropFirst()) : command
    guard !args.isEmpty else { throw BerthError.invalid("exec: no command given (pass arguments or --process)") }
    var spec = try runtime.processTemplate(id: id)
    spec.args = args
    spec.commandLine = nil
    spec.terminal = tty
    spec.consoleSize = nil
    spec.env = (spec.env ?? []) + env
    if let cwd { spec.cwd = cwd }
    if let user {
      let parts = user.split(separator: ":", maxSplits: 1)
      guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
        throw BerthError.invalid("--user \(user): expected uid[:gid]")
      }
      spec.user.uid = uid
      if parts.count == 2 { spec.user.gid = UInt32(parts[1])! }
    }
    if !additionalGids.isEmpty { spec.user.additionalGids = additionalGids }
    if !cap.isEmpty {
      var caps = spec.capabilities ?? Spec.Capabilities()
      caps.bounding = (caps.bounding ?? []) + cap
      caps.effective = (caps.effective ?? []) + cap
      caps.permitted = (caps.permitted ?? []) + cap
      caps.ambient = (caps.ambient ?? []) + cap
      spec.capabilities = caps
    }
    if noNewPrivs { spec.noNewPrivileges = true }
    if let apparmor { spec.apparmorProfile = apparmor }
    if let processLabel { spec.selinuxLabel = processLabel }
    return spec
  }
}
