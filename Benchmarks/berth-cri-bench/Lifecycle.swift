#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import GRPCCore

/// The RPCs of one pod lifecycle, in the order kubelet calls them.
enum Step: String, CaseIterable, Sendable {
  case runPodSandbox = "RunPodSandbox"
  case createContainer = "CreateContainer"
  case startContainer = "StartContainer"
  case stopContainer = "StopContainer"
  case removeContainer = "RemoveContainer"
  case stopPodSandbox = "StopPodSandbox"
  case removePodSandbox = "RemovePodSandbox"

  /// The steps that make up "pod start": sandbox, container created, container started.
  static let podStart: [Step] = [.runPodSandbox, .createContainer, .startContainer]
}

/// Timings of one pod lifecycle, in milliseconds.
struct Sample: Sendable {
  /// The round (0-based) and the lifecycle's place in it.
  var round: Int
  /// The lifecycle's index within its round (0..<parallel).
  var slot: Int
  /// Each RPC's wall time, measured on the monotonic clock around the call.
  var rpc: [Step: Double] = [:]
  /// RunPodSandbox through StartContainer, as one interval (includes the client's gaps).
  var podStart: Double = 0
  /// RunPodSandbox through RemovePodSandbox, as one interval.
  var lifecycle: Double = 0
}

/// A pod whose container is running: what the second half of the lifecycle needs.
struct RunningPod: Sendable {
  /// The sandbox id RunPodSandbox returned.
  var podID: String
  /// The container id CreateContainer returned.
  var containerID: String
  /// The timings so far; the stop half adds to them.
  var sample: Sample
  /// When RunPodSandbox was called, so the whole lifecycle can be measured.
  var began: ContinuousClock.Instant
  /// The pod's log directory, removed with the pod (kubelet's job, which this client plays).
  var logDirectory: String
}

/// Drives pod lifecycles against one CRI endpoint, timing every call.
struct LifecycleRunner: Sendable {
  /// The RuntimeService client (sandboxes and containers).
  let runtime: Runtime_V1_RuntimeService.Client<BenchTransport>
  /// The image the container runs; pulled beforehand.
  let image: String
  /// The container's `sh -c` script (`--script`).
  let script: String
  /// Distinguishes this run's pods and log directories (`--label`).
  let label: String
  /// A random token per invocation, so pod names and uids never collide with an earlier run's.
  let runID: String
  /// Options for every call: a deadline, so a stuck runtime fails the run instead of hanging it.
  let options: CallOptions

  /// The default script: exits on SIGTERM at once, even as its pid namespace's init (which
  /// ignores signals it has no handler for, so StopContainer would wait for its timeout). Its
  /// `sleep` outlives it: in the pod's pid namespace (`linux {}` leaves the pid mode POD) the
  /// runtime must kill what remains of the container.
  static let defaultScript = "trap 'exit 0' TERM; sleep 3600 & wait"

  /// Where the pods' log directories go; each is removed with its pod.
  static let logRoot = "/tmp/berth-cri-bench"

  /// Runs RunPodSandbox, CreateContainer and StartContainer; on failure removes what was made.
  /// - Parameters:
  ///   - round: The round the lifecycle belongs to.
  ///   - slot: Its index within the round.
  /// - Returns: The running pod, with the three timings.
  func start(round: Int, slot: Int) async throws -> RunningPod {
    let name = "\(label)-\(runID)-\(round)-\(slot)"
    let logDirectory = "\(Self.logRoot)/\(label)/\(name)"
    try makeDirectories(logDirectory)
    var podConfig = Runtime_V1_PodSandboxConfig()
    podConfig.metadata.name = name
    podConfig.metadata.namespace = "berth-cri-bench"
    podConfig.metadata.uid = "uid-\(name)"
    podConfig.hostname = "bench-\(round)-\(slot)"
    podConfig.logDirectory = logDirectory
    podConfig.linux = Runtime_V1_LinuxPodSandboxConfig()

    var sample = Sample(round: round, slot: slot)
    let began = ContinuousClock.now
    var runRequest = Runtime_V1_RunPodSandboxRequest()
    runRequest.config = podConfig
    let podID: String
    do {
      podID = try await timed(.runPodSandbox, &sample) {
        try await runtime.runPodSandbox(runRequest, options: options).podSandboxID
      }
    } catch {
      Self.removeLogs(logDirectory)
      throw error
    }
    do {
      var container = Runtime_V1_ContainerConfig()
      container.metadata.name = "sleeper"
      container.image.image = image
      container.command = ["sh", "-c", script]
      container.logPath = "sleeper.log"
      container.linux = Runtime_V1_LinuxContainerConfig()
      var createRequest = Runtime_V1_CreateContainerRequest()
      createRequest.podSandboxID = podID
      createRequest.config = container
      createRequest.sandboxConfig = podConfig
      let containerID = try await timed(.createContainer, &sample) {
        try await runtime.createContainer(createRequest, options: options).containerID
      }
      var startRequest = Runtime_V1_StartContainerRequest()
      startRequest.containerID = containerID
      _ = try await timed(.startContainer, &sample) {
        try await runtime.startContainer(startRequest, options: options)
      }
      sample.podStart = milliseconds(ContinuousClock.now - began)
      return RunningPod(podID: podID, containerID: containerID, sample: sample, began: began, logDirectory: logDirectory)
    } catch {
      await discard(podID: podID, logDirectory: logDirectory)
      throw error
    }
  }

  /// Runs StopContainer (10 s grace), RemoveContainer, StopPodSandbox and RemovePodSandbox.
  /// - Parameter pod: The pod `start` returned.
  /// - Returns: The lifecycle's complete sample.
  func stop(_ pod: RunningPod) async throws -> Sample {
    var sample = pod.sample
    do {
      var stopRequest = Runtime_V1_StopContainerRequest()
      stopRequest.containerID = pod.containerID
      stopRequest.timeout = 10
      _ = try await timed(.stopContainer, &sample) { try await runtime.stopContainer(stopRequest, options: options) }
      var removeRequest = Runtime_V1_RemoveContainerRequest()
      removeRequest.containerID = pod.containerID
      _ = try await timed(.removeContainer, &sample) {
        try await runtime.removeContainer(removeRequest, options: options)
      }
      var stopPod = Runtime_V1_StopPodSandboxRequest()
      stopPod.podSandboxID = pod.podID
      _ = try await timed(.stopPodSandbox, &sample) { try await runtime.stopPodSandbox(stopPod, options: options) }
      var removePod = Runtime_V1_RemovePodSandboxRequest()
      removePod.podSandboxID = pod.podID
      _ = try await timed(.removePodSandbox, &sample) {
        try await runtime.removePodSandbox(removePod, options: options)
      }
    } catch {
      await discard(podID: pod.podID, logDirectory: pod.logDirectory)
      throw error
    }
    sample.lifecycle = milliseconds(ContinuousClock.now - pod.began)
    Self.removeLogs(pod.logDirectory)
    return sample
  }

  /// Best-effort removal of a pod a failed lifecycle left (errors ignored: the run already failed).
  private func discard(podID: String, logDirectory: String) async {
    defer { Self.removeLogs(logDirectory) }
    var stopPod = Runtime_V1_StopPodSandboxRequest()
    stopPod.podSandboxID = podID
    _ = try? await runtime.stopPodSandbox(stopPod, options: options)
    var removePod = Runtime_V1_RemovePodSandboxRequest()
    removePod.podSandboxID = podID
    _ = try? await runtime.removePodSandbox(removePod, options: options)
  }

  /// Calls `body`, recording its wall time under `step`.
  private func timed<Result: Sendable>(
    _ step: Step, _ sample: inout Sample, _ body: () async throws -> Result
  ) async throws -> Result {
    let begin = ContinuousClock.now
    let result = try await body()
    sample.rpc[step] = milliseconds(ContinuousClock.now - begin)
    return result
  }

  /// Removes a removed pod's log directory (the container's log in it), then the label's and
  /// the root directory when they are left empty (another run may still use them).
  static func removeLogs(_ directory: String) {
    if let entries = opendir(directory) {
      while let entry = readdir(entries) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { unlink(directory + "/" + name) }
      }
      closedir(entries)
    }
    var path = directory
    while path.count > 1, rmdir(path) == 0, path != logRoot, let slash = path.lastIndex(of: "/") {
      path = String(path[..<slash])
    }
  }

  /// `mkdir -p`: CRI runtimes expect kubelet to have made the pod's log directory.
  private func makeDirectories(_ path: String) throws {
    var prefix = ""
    for component in path.split(separator: "/") {
      prefix += "/" + component
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw BenchError("cannot create \(prefix): errno \(errno)")
      }
    }
  }
}

/// A duration in milliseconds, with sub-microsecond precision kept.
func milliseconds(_ duration: Duration) -> Double {
  let (seconds, attoseconds) = duration.components
  return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

/// A failure of the benchmark itself (not of a runtime call), with a lower-case message.
struct BenchError: Error, CustomStringConvertible {
  /// What went wrong.
  let description: String

  /// - Parameter description: What went wrong, lower-case, no trailing period.
  init(_ description: String) { self.description = description }
}
