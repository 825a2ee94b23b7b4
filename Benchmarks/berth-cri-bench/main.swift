#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthCRIProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The client transport: HTTP/2 over a unix socket, as kubelet talks to a CRI runtime.
typealias BenchTransport = HTTP2ClientTransport.Posix

/// `berth-cri-bench`: times the CRI pod lifecycle against one endpoint (berthd, containerd, or
/// any CRI runtime). `scripts/bench-cri` runs it against berthd and containerd in turn.
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "berth-cri-bench",
    abstract: "Time RunPodSandbox through RemovePodSandbox against a CRI endpoint.",
    discussion: """
      Pulls the image once, then runs the rounds: each round starts --parallel lifecycles at \
      once (RunPodSandbox, CreateContainer, StartContainer, StopContainer, RemoveContainer, \
      StopPodSandbox, RemovePodSandbox). Prints one JSON line per lifecycle ("type":"sample", \
      milliseconds per RPC) and a final summary line ("type":"summary": p50, p90, mean).
      """)

  @Option(help: "The CRI endpoint's unix socket.")
  var socket: String

  @Option(help: "Rounds to run.")
  var iterations: Int = 20

  @Option(help: "Lifecycles started at once in each round.")
  var parallel: Int = 1

  @Option(help: "The container image (pulled once before the rounds).")
  var image: String = "localhost:5000/e2e-test-images/busybox:1.29-2"

  @Option(help: "A name for this run: pod names, log directories and output lines carry it.")
  var label: String = "bench"

  @Option(help: "The container's command, run as `sh -c SCRIPT`.")
  var script: String = LifecycleRunner.defaultScript

  @Option(
    help: ArgumentHelp(
      "Hold each round's pods running: create this file once every container runs, and stop them only after it is removed.",
      valueName: "path"))
  var hold: String?

  @Flag(help: "Print only the summary line, not one line per lifecycle.")
  var summaryOnly = false

  @Flag(help: "Watch GetContainerEvents during the run and print how many of each event came.")
  var events = false

  /// Parses the arguments and runs the command, exiting with its status. (Called from an async
  /// function: in top-level code, `main()` and `run()` resolve to ParsableCommand's synchronous
  /// defaults, which print the help.)
  static func runMain() async {
    do {
      let command = try parse()
      try await command.run()
    } catch {
      exit(withError: error)
    }
  }

  func validate() throws {
    guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
    guard !label.isEmpty, !label.contains("/") else { throw ValidationError("--label must be a non-empty word") }
  }

  func run() async throws {
    let transport = try HTTP2ClientTransport.Posix(
      target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
    var options = CallOptions.defaults
    options.timeout = .seconds(120)
    let counter = EventCounter()
    let samples = try await withGRPCClient(transport: transport) { client in
      try await pull(images: Runtime_V1_ImageService.Client(wrapping: client), options: options)
      let watchOptions = options
      let watcher =
        events
        ? Task { [client] in
          try await EventCounter.watch(Runtime_V1_RuntimeService.Client(wrapping: client), into: counter, options: watchOptions)
        } : nil
      // Wait (at most 2 s) for the stream to be open, so the first container's events count.
      var waited = 0
      while events, await !counter.subscribed, waited < 200 {
        try await Task.sleep(for: .milliseconds(10))
        waited += 1
      }
      defer { watcher?.cancel() }
      let runner = LifecycleRunner(
        runtime: Runtime_V1_RuntimeService.Client(wrapping: client), image: image, script: script, label: label,
        runID: Self.randomToken(), options: options)
      var samples: [Sample] = []
      for round in 0..<iterations {
        let finished = try await runRound(round, runner: runner)
        if !summaryOnly {
          for sample in finished { print(Report.sampleLine(sample, label: label, parallel: parallel)) }
        }
        samples += finished
      }
      // The last events may still be on their way.
      if events { try await Task.sleep(for: .milliseconds(500)) }
      return samples
    }
    if events { print(await counter.line(label: label)) }
    print(Report.summaryLine(samples, label: label, parallel: parallel))
  }

  /// PullImage, timed and printed as a `"type":"pull"` line (a no-op pull when present).
  private func pull(images: Runtime_V1_ImageService.Client<BenchTransport>, options: CallOptions) async throws {
    var request = Runtime_V1_PullImageRequest()
    request.image.image = image
    let begin = ContinuousClock.now
    let reference = try await images.pullImage(request, options: options).imageRef
    let elapsed = milliseconds(ContinuousClock.now - begin)
    if !summaryOnly {
      print(
        Report.object([
          ("type", Report.string("pull")), ("label", Report.string(label)), ("image", Report.string(image)),
          ("imageRef", Report.string(reference)), ("ms", Report.number(elapsed)),
        ]))
    }
  }

  /// One round: `parallel` lifecycles at once, each independent (one's stop may overlap
  /// another's start). With `--hold`, every pod starts first, then the round waits for the hold
  /// file to go, then every pod stops.
  /// - Returns: The round's samples, by slot.
  private func runRound(_ round: Int, runner: LifecycleRunner) async throws -> [Sample] {
    guard let hold else {
      return try await withThrowingTaskGroup(of: Sample.self) { group in
        for slot in 0..<parallel {
          group.addTask { try await runner.stop(try await runner.start(round: round, slot: slot)) }
        }
        return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.slot < $1.slot }
      }
    }
    let running = try await withThrowingTaskGroup(of: RunningPod.self) { group in
      for slot in 0..<parallel { group.addTask { try await runner.start(round: round, slot: slot) } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    try Self.create(hold)
    while access(hold, F_OK) == 0 { try await Task.sleep(for: .milliseconds(50)) }
    return try await withThrowingTaskGroup(of: Sample.self) { group in
      for pod in running { group.addTask { try await runner.stop(pod) } }
      return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.slot < $1.slot }
    }
  }

  /// Creates (or truncates) `path`, the signal that the held pods are running.
  private static func create(_ path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BenchError("cannot create \(path): errno \(errno)") }
    close(fd)
  }

  /// Eight hex digits from the system's random generator: unique enough per invocation.
  private static func randomToken() -> String {
    let value = UInt32.random(in: .min ... .max)
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
  }
}

await BenchCommand.runMain()
