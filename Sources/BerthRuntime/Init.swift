#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSeccomp
import BerthSys
import CLinuxSys

/// What the cloned process needs to become the container's init. Everything is prepared by the
/// parent before clone, so the child only makes system calls.
struct InitConfig {
  var spec: Spec
  var rootfs: String
  var bundle: String
  var plan: NamespacePlan
  var channel: Channel
  /// The container's state directory (O_PATH), where the exec fifo is.
  var fifoFD: Int32
  var consoleFD: Int32
  var joinFDs: [(NamespaceKind, Int32)]
  var noPivot: Bool
  var noNewKeyring: Bool
  var preserveFDs: Int
  var cgroupPaths: [String: String]
  var containerID: String
  /// The runtime's lock on this container id: the child closes it at once.
  var lockFD: Int32
}

/// The container's init process, from clone to execve. Runs in the child of `create` (one
/// thread, Swift). Each failure is sent to the parent as `.failure` and the process exits.
struct InitProcess {
  let config: InitConfig
  var spec: Spec { config.spec }
  var process: Spec.Process { config.spec.process! }
  var channel: Channel { config.channel }

  init(_ config: InitConfig) { self.config = config }

  func run() -> Never {
    close(config.lockFD)
    closeInheritedDescriptors()
    let stateJSON: String
    do {
      try enterNamespaces()
      stateJSON = try setUp()
    } catch {
      try? channel.send(.failure("\(error)"))
      _exit(1)
    }
    // After `.ready` the parent is gone; only `start` is left to talk to us, through the fifo.
    waitForStart(stateJSON: stateJSON)
  }

  /// The clone inherited every descriptor of the runtime's caller; init keeps only stdio, the
  /// preserved ones (3...) and its own, as runc's init does, so that nobody waits on a pipe end
  /// that a created container holds until start.
  func closeInheritedDescriptors() {
    var keep = Set<Int32>([0, 1, 2, config.channel.fd, config.fifoFD, config.consoleFD])
    for fd in 3..<(3 + Int32(config.preserveFDs)) { keep.insert(fd) }
    for (_, fd) in config.joinFDs { keep.insert(fd) }
    var next: UInt32 = 3
    for fd in keep.filter({ $0 >= 3 }).sorted() {
      if UInt32(fd) > next { _ = berth_close_range(next, UInt32(fd) - 1, 0) }
      next = UInt32(fd) + 1
    }
    _ = berth_close_range(next, UInt32.max, 0)
  }

  /// The single-clone path is already in every namespace; otherwise join, unshare and fork.
  func enterNamespaces() throws {
    let plan = config.plan
    if plan.singleClone {
      try expectProceed()
      if plan.creates(.user) { try becomeRoot() }
      return
    }
    // Slow path: this process is an intermediate. Join existing namespaces in order.
    for (kind, fd) in config.joinFDs {
      if berth_setns(fd, kind.flag) != 0 { throw Sys.error("setns \(kind.rawValue) namespace") }
    }
    if plan.creates(.user) {
      if berth_unshare(NamespaceKind.user.flag) != 0 { throw Sys.error("unshare user namespace") }
      try channel.send(.userNamespaceReady)
      try expectProceed()
      try becomeRoot()
    }
    let flags = plan.create.filter { $0 != .user && $0 != .cgroup }.reduce(Int32(0)) { $0 | $1.flag }
    if flags != 0, berth_unshare(flags) != 0 { throw Sys.error("unshare namespaces") }
    if plan.creates(.time), let offsets = spec.linux?.timeOffsets {
      var text = ""
      for (clock, offset) in offsets.sorted(by: { $0.key < $1.key }) {
        text += "\(clock) \(offset.secs ?? 0) \(offset.nanosecs ?? 0)\n"
      }
      try Sys.writeFile("/proc/self/timens_offsets", text, create: false)
    }
    // unshare(CLONE_NEWPID) and setns into a pid or time namespace only apply to children:
    // fork the process that becomes init and report its pid (as the parent sees it).
    let child = fork()
    if child < 0 { throw Sys.error("fork") }
    if child > 0 {
      try channel.send(.pid(child))
      _exit(0)
    }
    try expectProceed()
  }

  func expectProceed() throws {
    switch try channel.receive() {
    case .proceed: return
    case .failure(let message): throw BerthError(.invalidState, message)
    default: throw BerthError(.internalError, "unexpected message from the runtime")
    }
  }

  /// In a new user namespace, become its root (the ids of the process as the maps show them).
  func becomeRoot() throws {
    if berth_setresgid(0, 0, 0) != 0 { throw Sys.error("setresgid 0 in the user namespace") }
    if berth_setresuid(0, 0, 0) != 0 { throw Sys.error("setresuid 0 in the user namespace") }
  }

  /// Everything between the namespaces and the wait for `start`. Returns the container state
  /// the runtime sent (for startContainer hooks).
  func setUp() throws -> String {
    umask(0)
    if config.plan.creates(.cgroup), berth_unshare(NamespaceKind.cgroup.flag) != 0 {
      throw Sys.error("unshare cgroup namespace")
    }
    if !config.noNewKeyring {
      // A session keyring of its own (runc does the same), so the container does not see ours.
      _ = berth_keyctl_join_session_keyring(config.containerID)
    }
    var rootfs = Rootfs(config: config)
    let ownMounts = config.plan.creates(.mount) || config.plan.joins(.mount)
    if ownMounts {
      try rootfs.prepare()
      try rootfs.mountAll()
    }
    // prestart and createRuntime run in the runtime's namespaces, createContainer here, all
    // before pivot_root.
    try channel.send(.runtimeHooks)
    let stateJSON: String
    switch try channel.receive() {
    case .containerHooks(let json): stateJSON = json
    case .failure(let message): throw BerthError(.invalidState, message)
    default: throw BerthError(.internalError, "unexpected message from the runtime")
    }
    try Hooks.run(spec.hooks?.createContainer ?? [], name: "createContainer", input: Array(stateJSON.utf8))
    if ownMounts {
      try rootfs.pivot()
      try rootfs.finish()
    } else {
      // In the host's mount namespace nothing may be mounted: only change root.
      try Sys.check(chroot(config.rootfs), "chroot \(config.rootfs)")
      try Sys.check(chdir("/"), "chdir /")
    }
    if config.plan.creates(.uts) || config.plan.joins(.uts) {
      if let hostname = spec.hostname, !hostname.isEmpty {
        try Sys.check(sethostname(hostname, hostname.utf8.count), "sethostname \(hostname)")
      }
      if let domainname = spec.domainname, !domainname.isEmpty {
        try Sys.check(setdomainname(domainname, domainname.utf8.count), "setdomainname \(domainname)")
      }
    } else if spec.hostname.map({ !$0.isEmpty }) ?? false {
      throw BerthError.invalid("hostname needs a uts namespace")
    }
    if process.terminal == true { try Console.setUp(socket: config.consoleFD, size: process.consoleSize) }
    try ProcessSetup(process: process, linux: spec.linux, preserveFDs: config.preserveFDs).prepare()
    try channel.send(.ready)
    channel.close()
    return stateJSON
  }

  /// Blocks until `start` opens the exec fifo, runs startContainer hooks and execs.
  func waitForStart(stateJSON: String) -> Never {
    let fd = openat(config.fifoFD, StateStore.fifoName, O_WRONLY | O_CLOEXEC)
    if fd < 0 {
      Self.fail("open exec fifo: \(Sys.describe(errno))")
    }
    var byte: UInt8 = 0x30
    _ = write(fd, &byte, 1)
    // The write end stays open until execve closes it (O_CLOEXEC): `start` reads end-of-file
    // exactly when the user's program has replaced us, and only then runs poststart hooks.
    close(config.fifoFD)
    let setup = ProcessSetup(process: process, linux: spec.linux, preserveFDs: config.preserveFDs)
    if let hooks = spec.hooks?.startContainer, !hooks.isEmpty {
      do {
        var state = try JSON.decode(State.self, from: Array(stateJSON.utf8))
        state.status = .running
        try Hooks.run(hooks, name: "startContainer", state: state)
      } catch {
        Self.fail("\(error)")
      }
    }
    setup.exec()
  }

  /// Reports a failure after `start` (the runtime has gone) on stderr and exits.
  static func fail(_ message: String) -> Never {
    _ = try? Sys.writeAll(fd: 2, Array("berth-runtime: \(message)\n".utf8), what: "stderr")
    _exit(127)
  }
}
