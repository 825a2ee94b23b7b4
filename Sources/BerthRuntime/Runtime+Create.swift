#if canImport(Glibc)
import Glibc
#endif
import BerthCgroups
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

extension Runtime {
  /// Options of `create` (and `run`).
  public struct CreateOptions: Sendable {
    public var bundle: String
    public var consoleSocket: String?
    public var pidFile: String?
    public var preserveFDs: Int
    public var noPivot: Bool
    public var noNewKeyring: Bool
    /// A connected socket to send the pty master on, instead of `consoleSocket` (foreground
    /// `run` with a terminal: the runtime itself receives and serves the pty).
    var consoleChannel: Int32?
    public init(bundle: String, consoleSocket: String? = nil, pidFile: String? = nil, preserveFDs: Int = 0, noPivot: Bool = false, noNewKeyring: Bool = false) {
      self.bundle = bundle
      self.consoleSocket = consoleSocket
      self.pidFile = pidFile
      self.preserveFDs = preserveFDs
      self.noPivot = noPivot
      self.noNewKeyring = noNewKeyring
    }
  }

  /// Creates a container: namespaces, cgroup, rootfs, and an init process that waits for
  /// `start` before it execs the user's program. On any failure everything made so far is
  /// undone and nothing of the container remains.
  /// - Parameter reapDescendants: make this process the subreaper of the container's init
  ///   (for `run`, which waits for it even when it was forked by an intermediate process).
  /// - Returns: the pid of the container's init.
  @discardableResult
  public func create(id: String, options: CreateOptions, reapDescendants: Bool = false) throws -> Int32 {
    try StateStore.validate(id: id)
    let bundle = Runtime.absolute(options.bundle)
    guard Sys.isDirectory(bundle) else { throw BerthError(.notFound, "bundle \(bundle) is not a directory") }
    let (spec, specBytes) = try Runtime.loadSpecAndBytes(bundle: bundle)
    try spec.validate(requireProcess: true)
    let plan = NamespacePlan(spec.linux)
    let rootPath = spec.root!.path
    let rootfs = rootPath.hasPrefix("/") ? Runtime.normalize(rootPath) : Runtime.normalize(bundle + "/" + rootPath)
    guard Sys.isDirectory(rootfs) else { throw BerthError(.notFound, "rootfs \(rootfs) does not exist or is not a directory") }
    try Security.checkLSM(spec.process, mountLabel: spec.linux?.mountLabel)
    let process = spec.process!
    if process.terminal == true, options.consoleSocket == nil, options.consoleChannel == nil {
      throw BerthError.invalid("process.terminal is true but no --console-socket was given")
    }

    let lock = try store.lock(id, creating: true)
    let dir = store.directory(id)
    if mkdir(dir, 0o711) != 0 {
      if errno == EEXIST { throw BerthError(.alreadyExists, "container \(id) already exists") }
      throw Sys.error("mkdir \(dir)")
    }
    var undo = Undo()
    undo.add("remove \(dir)") { try store.remove(id) }
    do {
      let pid = try createInDirectory(id: id, dir: dir, lockFD: lock.fd, bundle: bundle, rootfs: rootfs, spec: spec, specBytes: specBytes, plan: plan, options: options, reapDescendants: reapDescendants, undo: &undo)
      undo.dismiss()
      return pid
    } catch {
      undo.run(log: log)
      throw error
    }
  }

  private func createInDirectory(
    id: String, dir: String, lockFD: Int32, bundle: String, rootfs: String, spec: Spec, specBytes: [UInt8], plan: NamespacePlan, options: CreateOptions,
    reapDescendants: Bool, undo: inout Undo
  ) throws -> Int32 {
    // The config copy goes first: if this process dies half-way, `delete --force` finds the
    // cgroup of the half-made container through it.
    try Sys.writeFileAtomically(dir + "/config.json", specBytes)
    let cgroup = try Cgroups.manager(
      cgroupsPath: spec.linux?.cgroupsPath, id: id, fs: RealCgroupFS(), deviceProgramLoader: DeviceProgram.kernelLoader)
    try cgroup.create()
    undo.add("remove cgroup") { try cgroup.destroy() }

    let fifo = dir + "/" + StateStore.fifoName
    try Sys.check(mkfifo(fifo, 0o622), "mkfifo \(fifo)")
    try Sys.check(chmod(fifo, 0o622), "chmod \(fifo)")
    // init opens the fifo relative to this descriptor (it may have no /proc to go through).
    let fifoFD = try Sys.check(open(dir, BERTH_O_PATH | O_DIRECTORY | O_CLOEXEC), "open \(dir)")
    defer { close(fifoFD) }

    var joinFDs: [(NamespaceKind, Int32)] = []
    defer { for (_, fd) in joinFDs { close(fd) } }
    for (kind, path) in plan.join {
      let fd = open(path, O_RDONLY | O_CLOEXEC)
      if fd < 0 { throw Sys.error("open \(kind.rawValue) namespace \(path)") }
      joinFDs.append((kind, fd))
    }
    var consoleFD: Int32 = -1
    if spec.process?.terminal == true, let channel = options.consoleChannel {
      consoleFD = try Sys.check(fcntl(channel, F_DUPFD_CLOEXEC, 3), "dup console channel")
    } else if spec.process?.terminal == true, let socketPath = options.consoleSocket {
      consoleFD = try Console.connect(socketPath)
    }
    defer { if consoleFD >= 0 { close(consoleFD) } }

    let (parentChannel, childChannel) = try Channel.pair()
    defer { parentChannel.close() }
    let config = InitConfig(
      spec: spec, rootfs: rootfs, bundle: bundle, plan: plan, channel: childChannel, fifoFD: fifoFD, consoleFD: consoleFD,
      joinFDs: joinFDs, noPivot: options.noPivot, noNewKeyring: options.noNewKeyring, preserveFDs: options.preserveFDs,
      cgroupPaths: cgroup.paths, containerID: id, lockFD: lockFD)
    if reapDescendants { _ = berth_prctl(BERTH_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

    let child = berth_clone(plan.singleClone ? plan.cloneFlags : 0)
    if child < 0 { throw Sys.error("clone") }
    if child == 0 {
      parentChannel.close()
      InitProcess(config).run()
    }
    childChannel.close()
    var initPid = child
    undo.add("kill container init") {
      Glibc.kill(initPid, SIGKILL)
      _ = try? Processes.wait(initPid)
    }

    if plan.singleClone {
      if plan.creates(.user) { try Runtime.writeIDMaps(pid: child, linux: spec.linux) }
    } else {
      intermediate: while true {
        switch try parentChannel.receive() {
        case .userNamespaceReady:
          try Runtime.writeIDMaps(pid: child, linux: spec.linux)
          try parentChannel.send(.proceed)
        case .pid(let pid):
          initPid = pid
          break intermediate
        case .failure(let message):
          throw BerthError(.invalidState, message)
        default:
          throw BerthError(.internalError, "unexpected message from the container process")
        }
      }
      // The intermediate process exits once it has forked init.
      _ = try? Processes.wait(child)
    }

    try cgroup.addProcess(initPid)
    if let score = spec.process?.oomScoreAdj {
      do { try Sys.writeFile("/proc/\(initPid)/oom_score_adj", String(score), create: false) } catch let error as BerthError {
        throw BerthError(error.code, "set process.oomScoreAdj \(score): \(error.message)")
      }
    }
    let record = ContainerRecord(
      id: id, bundle: bundle, rootfs: rootfs, created: Clock.rfc3339Now(), owner: "", pid: initPid,
      startTime: Processes.startTime(initPid) ?? 0, annotations: spec.annotations,
      poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop, ownsPidNamespace: plan.ownsPidNamespace, cgroupPaths: cgroup.paths, cgroupMode: cgroup.mode,
      cgroupsPath: spec.linux?.cgroupsPath)
    try store.save(record)
    try parentChannel.send(.proceed)

    setup: while true {
      let message: SyncMessage
      do { message = try parentChannel.receive() } catch {
        throw BerthError(.invalidState, "container init exited during create")
      }
      switch message {
      case .runtimeHooks:
        // The hooks of create see the container as `created` (the runtime-tools suite checks it).
        let state = record.state(status: .created)
        let hooks = spec.hooks
        try Hooks.run(hooks?.prestart ?? [], name: "prestart", state: state)
        try Hooks.run(hooks?.createRuntime ?? [], name: "createRuntime", state: state)
        // init runs createContainer hooks with this state, and later startContainer hooks.
        try parentChannel.send(.containerHooks(try JSON.string(state)))
      case .ready:
        // Limits go on once init has set up its rootfs (it creates the linux.devices nodes,
        // which the device cgroup need not allow: as in runc, only resources.devices and the
        // default devices are) and before `start` lets the user's program run.
        if let resources = spec.linux?.resources { try cgroup.apply(resources) }
        break setup
      case .failure(let message):
        throw BerthError(.invalidState, message)
      default:
        throw BerthError(.internalError, "unexpected message from the container process")
      }
    }
    if let pidFile = options.pidFile {
      try Sys.writeFileAtomically(Runtime.absolute(pidFile), Array(String(initPid).utf8), mode: 0o644)
    }
    return initPid
  }

  /// Writes the uid and gid maps of a process's new user namespace.
  static func writeIDMaps(pid: Int32, linux: Spec.Linux?) throws {
    func text(_ maps: [IDMapping]) -> String {
      maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }
    try Sys.writeFile("/proc/\(pid)/uid_map", text(linux?.uidMappings ?? []), create: false)
    try Sys.writeFile("/proc/\(pid)/gid_map", text(linux?.gidMappings ?? []), create: false)
  }
}
