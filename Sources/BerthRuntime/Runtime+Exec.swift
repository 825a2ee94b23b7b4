#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

extension Runtime {
  /// Options of `exec`.
  public struct ExecOptions: Sendable {
    public var process: Spec.Process
    public var consoleSocket: String?
    public var pidFile: String?
    public var detach: Bool
    public var preserveFDs: Int
    public init(process: Spec.Process, consoleSocket: String? = nil, pidFile: String? = nil, detach: Bool = false, preserveFDs: Int = 0) {
      self.process = process
      self.consoleSocket = consoleSocket
      self.pidFile = pidFile
      self.detach = detach
      self.preserveFDs = preserveFDs
    }
  }

  /// The process config of a container, the base `exec` starts from.
  public func processTemplate(id: String) throws -> Spec.Process {
    guard let process = try store.loadSpec(id).process else {
      throw BerthError.state("container \(id) has no process config")
    }
    return process
  }

  /// Runs another process in a running container: joins its namespaces and cgroup, applies
  /// the process config (and the container's seccomp profile), execs. Unless `detach`, waits
  /// and returns its exit status.
  public func exec(id: String, options: ExecOptions) throws -> Int32 {
    let record = try store.load(id)
    let status = status(of: record)
    guard status == .running || status == .created else {
      throw BerthError.state("cannot exec in container \(id): it is \(status.rawValue)")
    }
    let spec = try store.loadSpec(id)
    var process = options.process
    try process.validate()
    if process.terminal == true, options.consoleSocket == nil {
      throw BerthError.invalid("a terminal was asked for but no --console-socket was given")
    }
    if process.terminal != true { process.terminal = false }
    try Security.checkLSM(process, mountLabel: nil)

    // Every namespace of the container, through its init (also those it joined by path).
    var fds: [(NamespaceKind, Int32)] = []
    defer { for (_, fd) in fds { close(fd) } }
    let kinds = Set((spec.linux?.namespaces ?? []).compactMap { NamespaceKind(rawValue: $0.type) })
    for kind in NamespaceKind.joinOrder where kinds.contains(kind) {
      let path = "/proc/\(record.pid)/ns/\(kind.procName)"
      if kind == .user, Self.sameNamespace(path, "/proc/self/ns/user") { continue }
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd < 0 { throw Sys.error("open \(path)") }
      fds.append((kind, fd))
    }
    // pid and time namespaces apply to children: join them here, then fork.
    for (kind, fd) in fds where kind == .pid || kind == .time {
      if berth_setns(fd, kind.flag) != 0 { throw Sys.error("setns \(kind.rawValue) namespace of container \(id)") }
    }
    var consoleFD: Int32 = -1
    if process.terminal == true, let path = options.consoleSocket { consoleFD = try Console.connect(path) }
    defer { if consoleFD >= 0 { close(consoleFD) } }
    let (parentChannel, childChannel) = try Channel.pair()
    defer { parentChannel.close() }
    let setup = ProcessSetup(process: process, linux: spec.linux, preserveFDs: options.preserveFDs)

    let child = fork()
    if child < 0 { throw Sys.error("fork") }
    if child == 0 {
      parentChannel.close()
      do {
        for (kind, fd) in fds where kind != .pid && kind != .time {
          if berth_setns(fd, kind.flag) != 0 { throw Sys.error("setns \(kind.rawValue) namespace") }
        }
        guard case .proceed = try childChannel.receive() else { _exit(1) }
        if process.terminal == true { try Console.setUp(socket: consoleFD, size: process.consoleSize) }
        try setup.prepare()
        try childChannel.send(.ready)
      } catch {
        try? childChannel.send(.failure("\(error)"))
        _exit(1)
      }
      childChannel.close()
      setup.exec()
    }
    childChannel.close()
    do {
      let cgroup = try cgroups(of: record)
      try cgroup.addProcess(child)
      if let score = process.oomScoreAdj {
        do { try Sys.writeFile("/proc/\(child)/oom_score_adj", String(score), create: false) } catch let error as BerthError {
          throw BerthError(error.code, "set process.oomScoreAdj \(score): \(error.message)")
        }
      }
      try parentChannel.send(.proceed)
      switch try parentChannel.receive() {
      case .ready: break
      case .failure(let message): throw BerthError(.invalidState, message)
      default: throw BerthError(.internalError, "unexpected message from the exec process")
      }
    } catch {
      _ = Glibc.kill(child, SIGKILL)
      _ = try? Processes.wait(child)
      throw error
    }
    if let pidFile = options.pidFile {
      try Sys.writeFileAtomically(Runtime.absolute(pidFile), Array(String(child).utf8), mode: 0o644)
    }
    if options.detach { return 0 }
    SignalForwarding.start(to: child)
    defer { SignalForwarding.stop() }
    return try SignalForwarding.wait(for: child).shellStatus
  }

  static func sameNamespace(_ a: String, _ b: String) -> Bool {
    guard let sa = Sys.stat(a), let sb = Sys.stat(b) else { return false }
    return sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev
  }
}
