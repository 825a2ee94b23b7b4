import BerthMetadata
import GRPCCore
import Testing

@testable import BerthCRI

/// The Prometheus text berthd serves: call counts by method and code, latency, gauges.
@Suite struct MetricsTests {
  @Test(arguments: [
    (RPCError.Code.notFound, "not_found"), (.invalidArgument, "invalid_argument"), (.deadlineExceeded, "deadline_exceeded"),
    (.unimplemented, "unimplemented"),
  ])
  func codeNames(_ code: RPCError.Code, _ name: String) {
    #expect(MetricsInterceptor.code(RPCError(code: code, message: "x")) == name)
  }

  @Test func recordedCallsAndGaugesAreRendered() {
    let metrics = DaemonMetrics()
    metrics.record(method: "RunPodSandbox", code: "ok", duration: .milliseconds(40))
    metrics.record(method: "RunPodSandbox", code: "ok", duration: .milliseconds(60))
    metrics.record(method: "StopContainer", code: "not_found", duration: .microseconds(300))
    let pod = PodRecord(id: "p", name: "p", namespace: "n", uid: "u", attempt: 0, createdAt: 1, handler: "berth", config: [], stateDir: "/x")
    let running = ContainerRecord(
      id: "c", podID: "p", name: "c", attempt: 0, state: .running, imageRef: "i", imageID: "i", createdAt: 1, logPath: "",
      config: [], handler: "berth", stateDir: "/x", snapshotKey: "k")
    var infra = running
    infra.id = "p"
    infra.infra = true
    metrics.update(pods: [pod], containers: [running, infra])
    let text = metrics.registry.emitToString()
    #expect(text.contains(#"berthd_cri_requests_total{method="RunPodSandbox",code="ok"} 2"#))
    #expect(text.contains(#"berthd_cri_requests_total{method="StopContainer",code="not_found"} 1"#))
    #expect(text.contains(#"berthd_cri_request_duration_seconds_count{method="RunPodSandbox"} 2"#))
    #expect(text.contains(#"berthd_pods{state="ready"} 1"#))
    // The infra container is not counted: CRI does not list it.
    #expect(text.contains(#"berthd_containers{state="running"} 1"#))
  }
}
