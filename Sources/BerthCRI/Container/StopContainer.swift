#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import BerthError
import BerthImages
import BerthMetadata
import GRPCCore

extension RuntimeService {
  /// StopContainer: the stop signal (the request config's, else the image's STOPSIGNAL, else
  /// SIGTERM), SIGKILL once `timeout` seconds pass. Stopping a stopped container succeeds.
  public func stopContainer(request: Runtime_V1_StopContainerRequest, context: ServerContext) async throws
    -> Runtime_V1_StopContainerResponse
  {
    try await rpc {
      try require(request.timeout >= 0, "timeout must not be negative")
      let found = try await engine.container(request.containerID)
      let signal = await engine.stopSignal(found)
      try await engine.locks.with(found.id) {
        try await offload { [engine] in
          guard let stored = try engine.metadata.container(found.id) else { return }
          _ = try engine.stop(stored, signal: signal, timeout: Double(request.timeout))
        }
      }
      Engine.log("container stopped", level: .info, ["container": "\(found.id)", "signal": "\(signal)"])
      return Runtime_V1_StopContainerResponse()
    }
  }
}

extension Engine {
  /// The container's stop signal: its config's, else the image's STOPSIGNAL, else SIGTERM.
  func stopSignal(_ record: ContainerRecord) async -> Int32 {
    let config = record.containerConfig
    if config.stopSignal != .runtimeDefault, let number = Self.signalNumber(String(describing: config.stopSignal)) {
      return number
    }
    let images = self.images
    if let image = try? await offload({ try images.find(record.imageID) }),
      let text = (try? await offload({ try images.config(of: image) }))?.config?.stopSignal,
      let number = Self.signalNumber(text)
    {
      return number
    }
    return SIGTERM
  }

  /// A signal by number, by name (`SIGQUIT`, `QUIT`, any case) or CRI enum name (`sigquit`).
  static func signalNumber(_ text: String) -> Int32? {
    if let number = Int32(text), number > 0, number < 65 { return number }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    let names: [String: Int32] = [
      "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP, "ABRT": SIGABRT, "IOT": SIGABRT,
      "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL, "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE,
      "ALRM": SIGALRM, "TERM": SIGTERM, "STKFLT": SIGSTKFLT, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP,
      "TSTP": SIGTSTP, "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
      "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGPOLL, "PWR": SIGPWR, "SYS": SIGSYS,
    ]
    if let number = names[name] { return number }
    if name.hasPrefix("RTMIN+"), let offset = Int32(name.dropFirst(6)) { return 34 + offset }
    if name.hasPrefix("RTMAX-"), let offset = Int32(name.dropFirst(6)) { return 64 - offset }
    // The CRI enum's names: sigrtminplus1 ... sigrtmaxminus14.
    if name.hasPrefix("RTMINPLUS"), let offset = Int32(name.dropFirst(9)) { return 34 + offset }
    if name.hasPrefix("RTMAXMINUS"), let offset = Int32(name.dropFirst(10)) { return 64 - offset }
    if name == "RTMIN" { return 34 }
    if name == "RTMAX" { return 64 }
    return nil
  }
}
