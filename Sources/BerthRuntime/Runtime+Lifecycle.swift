#if canImport(Glibc)
import Glibc
#endif
import BerthCgroups
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

extension Runtime {
  /// Starts a created container: opens its exec fifo, which releases its init into execve, then
  /// runs the poststart hooks (a failing one is a warning, as the spec says).
  public func start(id: String) throws {
    let lock = try store.lock(id)
    _ = lock
    let record = try store.load(id)
    let status = status(of: record)
    guard status.canStart else {
      throw BerthError.state("cannot start container \(id): it is \(status.rawValue), not created")
    }
    let fifo = store.directory(id) + "/" + StateStore.fifoName
    let fd = try Sys.check(open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC), "open \(fifo)")
    defer { close(fd) }
    // Opening the read end wakes init, blocked opening the write end; it writes one byte.
    var byte: UInt8 = 0
    var delay: UInt32 = 50
    while true {
      let n = read(fd, &byte, 1)
      if n == 1 { break }
      if n < 0 && errno != EAGAIN && errno != EINTR { throw Sys.error("read \(fifo)") }
      guard Processes.isAlive(record.pid) else {
        throw BerthError.state("cannot start container \(id): its init process exited")
      }
      usleep(delay)
      delay = min(delay * 2, 10_000)
    }
    unlink(fifo)
    // Wait for end-of-file: init closes its end by execve (or by dying).
    _ = fcntl(fd, F_SETFL, 0)
    while Sys.retrying({ read(fd, &byte, 1) }) > 0 {}
    for failure in Hooks.runAll(record.poststart ?? [], name: "poststart", state: record.state(status: .running)) {
      log.warning(failure)
    }
  }

  /// Sends `signal` to the container's init, or with `all` to every process in its cgroup.
  public func kill(id: String, signal: Int32, all: Bool = false) throws {
    let record = try store.load(id)
    let status = status(of: record)
    // `--all` also reaches a stopped container: without a PID namespace of its own, its
    // init's children outlive it in the cgroup (runc allows the same).
    guard status.canKill || (all && status == .stopped) else {
      throw BerthError.state("cannot kill container \(id): it is \(status.rawValue)")
    }
    if all {
      for pid in try cgroups(of: record).processes() { _ = Glibc.kill(pid, signal) }
    } else if Glibc.kill(record.pid, signal) != 0 {
      throw Sys.error("kill \(record.pid)")
    }
    // A frozen process only acts on SIGKILL once thawed.
    if status == .paused && signal == SIGKILL { try? cgroups(of: record).thaw() }
  }

  /// Deletes a container: a stopped one always; a created, running or paused one only with
  /// `force` (the runtime spec: delete of a container that is not stopped MUST fail; runc and
  /// crun accept a created one, containerd's shim kills before deleting, Podman and CRI-O pass
  /// --force). Then the cgroup goes, the poststop hooks run and the state is removed.
  public func delete(id: String, force: Bool = false) throws {
    try StateStore.validate(id: id)
    // With --force, a container that is already gone is deleted (runc does the same; containerd
    // deletes once more after its shim did).
    if force, !Sys.isDirectory(store.directory(id)) { return }
    let lock = try store.lock(id)
    _ = lock
    let record: ContainerRecord
    do { record = try store.load(id) } catch let error as BerthError where error.code == .invalidState && force {
      // A create that died half-way: the directory and perhaps a cgroup with processes in it.
      if let spec = try? store.loadSpec(id),
        let cgroup = try? Cgroups.manager(
          cgroupsPath: spec.linux?.cgroupsPath, id: id, fs: RealCgroupFS(), deviceProgramLoader: nil)
      {
        for pid in (try? cgroup.processes()) ?? [] { _ = Glibc.kill(pid, SIGKILL) }
        try? destroyCgroup(cgroup)
      }
      try store.remove(id)
      return
    }
    let status = status(of: record)
    let cgroup = try? cgroups(of: record)
    switch status {
    case .stopped: break
    case .created, .running, .paused, .creating:
      guard force else {
        throw BerthError.state("cannot delete container \(id): it is \(status.rawValue) (stop it first or use --force)")
      }
      try killAll(record, cgroup: cgroup)
    }
    // Without a pid namespace of its own, the container's other processes outlive init.
    if !record.ownsPidNamespace, let cgroup {
      for pid in (try? cgroup.processes()) ?? [] { _ = Glibc.kill(pid, SIGKILL) }
    }
    if let cgroup { try destroyCgroup(cgroup) }
    for failure in Hooks.runAll(record.poststop ?? [], name: "poststop", state: record.state(status: .stopped)) {
      log.warning(failure)
    }
    try store.remove(id)
  }

  private func killAll(_ record: ContainerRecord, cgroup: (any CgroupManager)?) throws {
    try? cgroup?.thaw()
    _ = Glibc.kill(record.pid, SIGKILL)
    for pid in (try? cgroup?.processes()) ?? [] { _ = Glibc.kill(pid, SIGKILL) }
    // init may be our child (run) or someone else's: reap it if we can, else wait until gone.
    var waited = 0
    while Processes.isAlive(record.pid) && waited < 10_000 {
      _ = waitpid(record.pid, nil, WNOHANG)
      usleep(1000)
      waited += 1
    }
  }

  /// Removes the cgroup, waiting a little for killed processes to leave it.
  private func destroyCgroup(_ cgroup: any CgroupManager) throws {
    var attempts = 0
    while true {
      do {
        try cgroup.destroy()
        return
      } catch {
        attempts += 1
        if attempts > 200 { throw error }
        for pid in (try? cgroup.processes()) ?? [] { _ = Glibc.kill(pid, SIGKILL) }
        usleep(5000)
      }
    }
  }

  /// Freezes every process of the container.
  public func pause(id: String) throws {
    let record = try store.load(id)
    let status = status(of: record)
    guard status.canPause else { throw BerthError.state("cannot pause container \(id): it is \(status.rawValue)") }
    try cgroups(of: record).freeze()
  }

  /// Thaws a paused container.
  public func resume(id: String) throws {
    let record = try store.load(id)
    let status = status(of: record)
    guard status.canResume else { throw BerthError.state("cannot resume container \(id): it is \(status.rawValue), not paused") }
    try cgroups(of: record).thaw()
  }

  /// Changes the cgroup limits of a live container and records them.
  public func update(id: String, resources: Resources) throws {
    let lock = try store.lock(id)
    _ = lock
    let record = try store.load(id)
    let status = status(of: record)
    guard status != .stopped else { throw BerthError.state("cannot update container \(id): it is stopped") }
    try cgroups(of: record).apply(resources)
    var spec = try store.loadSpec(id)
    var linux = spec.linux ?? Spec.Linux()
    linux.resources = Runtime.merge(linux.resources ?? Resources(), resources)
    spec.linux = linux
    try store.saveSpec(spec, id: id)
  }

  /// `base` with every field `update` sets replaced.
  static func merge(_ base: Resources, _ update: Resources) -> Resources {
    var result = base
    if let memory = update.memory {
      var merged = result.memory ?? Resources.Memory()
      if let v = memory.limit { merged.limit = v }
      if let v = memory.reservation { merged.reservation = v }
      if let v = memory.swap { merged.swap = v }
      if let v = memory.kernel { merged.kernel = v }
      if let v = memory.kernelTCP { merged.kernelTCP = v }
      if let v = memory.swappiness { merged.swappiness = v }
      if let v = memory.disableOOMKiller { merged.disableOOMKiller = v }
      if let v = memory.useHierarchy { merged.useHierarchy = v }
      if let v = memory.checkBeforeUpdate { merged.checkBeforeUpdate = v }
      result.memory = merged
    }
    if let cpu = update.cpu {
      var merged = result.cpu ?? Resources.CPU()
      if let v = cpu.shares { merged.shares = v }
      if let v = cpu.quota { merged.quota = v }
      if let v = cpu.period { merged.period = v }
      if let v = cpu.realtimeRuntime { merged.realtimeRuntime = v }
      if let v = cpu.realtimePeriod { merged.realtimePeriod = v }
      if let v = cpu.cpus { merged.cpus = v }
      if let v = cpu.mems { merged.mems = v }
      if let v = cpu.burst { merged.burst = v }
      if let v = cpu.idle { merged.idle = v }
      result.cpu = merged
    }
    if let pids = update.pids { result.pids = pids }
    if let devices = update.devices { result.devices = devices }
    if let network = update.network { result.network = network }
    if let rdma = update.rdma { result.rdma = rdma }
    if let blockIO = update.blockIO { result.blockIO = blockIO }
    if let hugepages = update.hugepageLimits { result.hugepageLimits = hugepages }
    if let unified = update.unified { result.unified = (result.unified ?? [:]).merging(unified) { $1 } }
    return result
  }

  /// The processes of a container (host pids).
  public func processes(id: String) throws -> [Int32] {
    let record = try store.load(id)
    return try cgroups(of: record).processes()
  }

  /// The cgroup statistics of a container and its OOM kill count.
  public func stats(id: String) throws -> (stats: CgroupStats, status: State.Status, oomKills: UInt64) {
    let record = try store.load(id)
    let cgroup = try cgroups(of: record)
    return (try cgroup.stats(), status(of: record), cgroup.oomKillCount())
  }
}
