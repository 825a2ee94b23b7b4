#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import CLinuxSys

/// The process signals are forwarded to while `run` or `exec` waits in the foreground.
nonisolated(unsafe) private var forwardTarget: pid_t = 0

private func forwardSignal(_ signal: Int32) {
  if forwardTarget > 0 { _ = kill(forwardTarget, signal) }
}

enum SignalForwarding {
  static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM]

  /// Forwards the usual terminal and job-control signals to `pid` until `stop` is called.
  static func start(to pid: pid_t) {
    forwardTarget = pid
    for signal in forwarded { _ = Glibc.signal(signal, forwardSignal) }
  }

  static func stop() {
    for signal in forwarded { _ = Glibc.signal(signal, SIG_DFL) }
    forwardTarget = 0
  }

  /// Waits for `pid`, reaping (and ignoring) other children that were re-parented to us.
  static func wait(for pid: pid_t) throws -> Processes.Exit {
    while true {
      var status: Int32 = 0
      let reaped = waitpid(-1, &status, 0)
      if reaped < 0 {
        if errno == EINTR { continue }
        throw Sys.error("wait for \(pid)")
      }
      if reaped == pid {
        return (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
      }
    }
  }
}

extension Runtime {
  /// create + start; unless `detach`, waits for the container's init, deletes the container and
  /// returns the shell-style exit status (128 + signal for a killed process).
  public func run(id: String, options: CreateOptions, detach: Bool) throws -> Int32 {
    var options = options
    var terminal: TerminalProxy?
    if !detach, options.consoleSocket == nil {
      // In the foreground without a console socket, offer to serve the pty ourselves: `create`
      // uses the channel only if the config asks for a terminal (a socketpair costs far less than
      // decoding config.json a second time to find out).
      let proxy = try TerminalProxy()
      options.consoleChannel = proxy.remoteEnd
      terminal = proxy
    }
    let pid = try create(id: id, options: options, reapDescendants: !detach)
    do {
      if let proxy = terminal, proxy.masterSent {
        try proxy.receiveMaster()
        defer { proxy.restore() }
        SignalForwarding.start(to: pid)
        defer { SignalForwarding.stop() }
        try start(id: id)
        proxy.relay(until: pid)
        let exit = try SignalForwarding.wait(for: pid)
        try delete(id: id, force: true)
        return exit.shellStatus
      }
      if detach {
        try start(id: id)
        return 0
      }
      SignalForwarding.start(to: pid)
      defer { SignalForwarding.stop() }
      try start(id: id)
      let exit = try SignalForwarding.wait(for: pid)
      try delete(id: id, force: true)
      return exit.shellStatus
    } catch {
      try? delete(id: id, force: true)
      throw error
    }
  }
}
