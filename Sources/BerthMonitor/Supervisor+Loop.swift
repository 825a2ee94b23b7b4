#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthSys

extension Supervisor {
  /// The poll loop: output to the log, requests on the socket, children reaped. Returns once
  /// the init has exited and its output is drained (EOF on both pipes, or the drain timeout).
  func watch() {
    reap()
    trimAt = Clock.monotonicNanoseconds() + Supervisor.firstTrim
    var fds: [pollfd] = []
    while true {
      if exitStatus != nil && ((stdoutFD < 0 && stderrFD < 0) || Clock.monotonicNanoseconds() >= drainDeadline) { return }
      fds.removeAll(keepingCapacity: true)
      fds.append(pollfd(fd: childSignals, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: initFD, events: Int16(POLLIN), revents: 0))
      for client in clients { fds.append(pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)) }
      let now = Clock.monotonicNanoseconds()
      let wakeAt = exitStatus != nil ? drainDeadline : trimAt
      var timeout: Int32 = -1
      if let wakeAt { timeout = wakeAt > now ? Int32(min((wakeAt - now) / 1_000_000 + 1, 3_600_000)) : 0 }
      // poll ignores negative descriptors (closed pipes).
      let ready = poll(&fds, nfds_t(fds.count), timeout)
      if ready < 0 {
        if errno == EINTR { continue }
        note("poll: \(Sys.describe(errno))")
        usleep(100_000)
        continue
      }
      trimIfDue()
      if ready == 0 { continue }
      let polledClients = clients.count
      if fds[0].revents != 0 { reap() }
      if trimAt == nil && fds[1...].contains(where: { $0.revents != 0 }) { trimAt = lastTrim + Supervisor.trimInterval }
      if fds[1].revents != 0 { pump(.stdout) }
      if fds[2].revents != 0 { pump(.stderr) }
      if fds[3].revents != 0 { accept() }
      if fds[4].revents != 0 {
        close(initFD)
        initFD = -1
        if exitStatus == nil { recordExit(255 << 8) }
      }
      // The clients polled (accept may have added one), in reverse so that a closed one can be
      // removed by index.
      for index in stride(from: polledClients - 1, through: 0, by: -1) where fds[5 + index].revents != 0 {
        serve(index)
      }
    }
  }

  /// Drops the clean executable pages when the trim is due.
  func trimIfDue() {
    guard exitStatus == nil, let due = trimAt, Clock.monotonicNanoseconds() >= due else { return }
    ResidentMemory.dropCleanPages()
    lastTrim = Clock.monotonicNanoseconds()
    trimAt = nil
  }

  /// Reaps every child that ended; notes the init's status.
  func reap() {
    ChildSignals.drain(childSignals)
    while true {
      var status: Int32 = 0
      let pid = waitpid(-1, &status, WNOHANG)
      if pid < 0 && errno == EINTR { continue }
      if pid <= 0 { return }
      if pid == containerPID && exitStatus == nil { recordExit(status) }
    }
  }

  /// The init ended with `status` (a wait status): what it left running is killed (in a pod
  /// that shares its PID namespace its children outlive it and would keep the pipes open),
  /// the pipes are drained (at most until the drain timeout), and only then is the exit record
  /// written: when berthd reports the container exited, its log is complete.
  func recordExit(_ status: Int32) {
    let (seconds, nanoseconds) = CRILog.now()
    exitStatus = status
    exitedAt = Int64(seconds) * 1_000_000_000 + Int64(nanoseconds)
    drainDeadline = Clock.monotonicNanoseconds() + Supervisor.drainTimeout
    if options.killLeftovers == true { killLeftovers() }
  }

  /// `runtime kill --all ID KILL`, for a container without a PID namespace of its own: its
  /// init's children outlive it (the kernel kills a namespace's processes only when its pid 1
  /// dies); as with containerd, a container whose init ended has nothing left running. (With a
  /// namespace of its own nothing is left, so berthd does not ask for this.) Errors are ignored.
  func killLeftovers() {
    let arguments = [options.runtimePath] + options.runtimeGlobalArguments + ["kill", "--all", options.id, "KILL"]
    _ = try? Spawn.run(options.runtimePath, args: arguments, env: Sys.environment(), timeout: 5)
  }

  /// Reads what one stream has and logs the lines it completes; at EOF logs the rest.
  func pump(_ stream: CRILog.Stream) {
    let fd = stream == .stdout ? stdoutFD : stderrFD
    let n = readBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
    let time = CRILog.now()
    lineBuffer.removeAll(keepingCapacity: true)
    if n > 0 {
      readBuffer.withUnsafeBytes { bytes in
        let chunk = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
        if stream == .stdout {
          stdoutLines.feed(chunk, at: time, to: &lineBuffer)
        } else {
          stderrLines.feed(chunk, at: time, to: &lineBuffer)
        }
      }
    } else {
      if stream == .stdout {
        stdoutLines.finish(at: time, to: &lineBuffer)
        stdoutFD = -1
      } else {
        stderrLines.finish(at: time, to: &lineBuffer)
        stderrFD = -1
      }
      close(fd)
    }
    log?.write(lineBuffer)
    // A burst of short lines can make the buffer large; do not keep that memory.
    if lineBuffer.capacity > 4 * CRILog.defaultMaxLine { lineBuffer = [] }
  }

  /// Takes a new connection on monitor.sock.
  func accept() {
    let fd = Glibc.accept(listener, nil, nil)
    guard fd >= 0 else { return }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    if clients.count >= 32 {
      reply(fd, "error too many connections")
      close(fd)
      return
    }
    clients.append(Client(fd: fd))
  }

  /// Reads from a connection and answers each complete request line.
  func serve(_ index: Int) {
    let fd = clients[index].fd
    var chunk = [UInt8](repeating: 0, count: 512)
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
    if n <= 0 {
      close(fd)
      clients.remove(at: index)
      return
    }
    clients[index].pending += chunk[0..<n]
    while let newline = clients[index].pending.firstIndex(of: 0x0a) {
      let line = String(decoding: clients[index].pending[..<newline], as: UTF8.self)
      clients[index].pending.removeSubrange(...newline)
      reply(fd, handle(line))
    }
    if clients[index].pending.count > 4096 {
      reply(fd, "error request too long")
      close(fd)
      clients.remove(at: index)
    }
  }

  /// The reply to one request (see `MonitorFiles` for the protocol).
  func handle(_ request: String) -> String {
    let words = request.split(separator: " ")
    switch words.first.map(String.init) {
    case MonitorFiles.reopenRequest?:
      do {
        try log?.reopen()
        return "ok"
      } catch {
        note("\(error)")
        return "error \(error)"
      }
    case nil:
      return "error empty request"
    case let verb?:
      return "error unknown request \(verb)"
    }
  }

  private func reply(_ fd: Int32, _ line: String) {
    _ = try? Sys.writeAll(fd: fd, Array((line + "\n").utf8), what: "monitor socket")
  }
}
