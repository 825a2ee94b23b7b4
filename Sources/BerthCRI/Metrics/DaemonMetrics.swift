import BerthMetadata
import GRPCCore
import BerthSys
import Prometheus
import Synchronization

/// berthd's Prometheus metrics (swift-prometheus): every CRI call counted by method and status
/// code with its latency, and the pods and containers on record by state. Served as text by
/// the endpoint `berthd.metrics_listen` configures (localhost only).
public final class DaemonMetrics: Sendable {
  /// The registry the endpoint renders.
  public let registry = PrometheusCollectorRegistry()
  /// Latency buckets, in seconds: from a status read to a slow pull.
  static let buckets: [Duration] = [
    .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
  ]

  /// When the last CRI call started or ended (monotonic nanoseconds): the idle trim waits for
  /// quiet.
  let lastCall = Atomic<UInt64>(0)

  /// An empty registry.
  public init() {}

  /// Notes that a call starts or ends now.
  func noteCall() { lastCall.store(Clock.monotonicNanoseconds(), ordering: .relaxed) }

  /// Counts one finished CRI call and records how long it took.
  func record(method: String, code: String, duration: Duration) {
    registry.makeCounter(
      descriptor: MetricNameDescriptor(
        namespace: "berthd", metricName: "cri_requests", unitName: "total", helpText: "CRI calls by method and gRPC status"),
      labels: [("method", method), ("code", code)]
    ).increment()
    registry.makeDurationHistogram(
      descriptor: MetricNameDescriptor(
        namespace: "berthd", metricName: "cri_request_duration", unitName: "seconds", helpText: "CRI call latency by method"),
      labels: [("method", method)], buckets: Self.buckets
    ).record(duration)
  }

  /// Sets the pod and container gauges from the records.
  func update(pods: [PodRecord], containers: [ContainerRecord]) {
    let podStates: [PodRecord.State] = [.ready, .notReady]
    for state in podStates {
      registry.makeGauge(
        descriptor: MetricNameDescriptor(namespace: "berthd", metricName: "pods", unitName: "", helpText: "Pod sandboxes by state"),
        labels: [("state", state.rawValue)]
      ).set(Double(pods.count { $0.state == state }))
    }
    let containerStates: [ContainerRecord.State] = [.created, .running, .exited, .unknown]
    for state in containerStates {
      registry.makeGauge(
        descriptor: MetricNameDescriptor(namespace: "berthd", metricName: "containers", unitName: "", helpText: "Containers by state"),
        labels: [("state", state.rawValue)]
      ).set(Double(containers.count { $0.state == state && !$0.infra }))
    }
  }
}

extension Engine {
  /// The metrics in the Prometheus text format, with the gauges brought up to date.
  public func metricsText() async -> [UInt8] {
    let metadata = self.metadata
    if let records = try? await offload({ (try metadata.pods(), try metadata.containers()) }) {
      metrics.update(pods: records.0, containers: records.1)
    }
    return metrics.registry.emitToBuffer()
  }
}

/// Times every CRI call into `DaemonMetrics`: unary and streaming alike, until the handler
/// has written its last message or failed.
public struct MetricsInterceptor: ServerInterceptor {
  let metrics: DaemonMetrics

  /// An interceptor that records into `metrics`.
  public init(metrics: DaemonMetrics) { self.metrics = metrics }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>, context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let start = ContinuousClock.now
    let method = context.descriptor.method
    let metrics = self.metrics
    metrics.noteCall()
    defer { metrics.noteCall() }
    var response: StreamingServerResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      metrics.record(method: method, code: Self.code(error), duration: ContinuousClock.now - start)
      throw error
    }
    switch response.accepted {
    case .success(var contents):
      let producer = contents.producer
      contents.producer = { writer in
        do {
          let trailers = try await producer(writer)
          metrics.record(method: method, code: "ok", duration: ContinuousClock.now - start)
          return trailers
        } catch {
          metrics.record(method: method, code: Self.code(error), duration: ContinuousClock.now - start)
          throw error
        }
      }
      response.accepted = .success(contents)
    case .failure(let error):
      metrics.record(method: method, code: Self.code(error), duration: ContinuousClock.now - start)
    }
    return response
  }

  /// The gRPC status code's name in snake case (`not_found`, `invalid_argument`, ...).
  static func code(_ error: any Error) -> String {
    guard let error = error as? RPCError else { return "unknown" }
    var name = ""
    for character in String(describing: error.code) {
      if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
    }
    return name
  }
}
