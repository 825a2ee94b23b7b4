import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListPodSandboxMetrics: for every ready pod, the metrics of its cgroup and of each running
  /// container's (`PodMetrics`).
  public func listPodSandboxMetrics(request: Runtime_V1_ListPodSandboxMetricsRequest, context: ServerContext) async throws
    -> Runtime_V1_ListPodSandboxMetricsResponse
  {
    try await rpc {
      var response = Runtime_V1_ListPodSandboxMetricsResponse()
      response.podMetrics = try await engine.podMetrics()
      return response
    }
  }
}

extension Engine {
  /// The metrics of every ready pod, oldest first: the pod's cgroup (`/berth/<podID>` or its
  /// `linux.cgroup_parent`) and each running container's; a cgroup that cannot be read is left out.
  func podMetrics() async throws -> [Runtime_V1_PodSandboxMetrics] {
    try await offload { [self] in
      let pods = try metadata.pods().filter { $0.state == .ready }.sorted { $0.createdAt < $1.createdAt }
      guard !pods.isEmpty else { return [] }
      let containers = Dictionary(grouping: try metadata.containers().filter { !$0.infra }, by: \.podID)
      let cgroups = CgroupFiles.host()
      let now = Self.now()
      return pods.map { pod in
        var metrics = Runtime_V1_PodSandboxMetrics()
        metrics.podSandboxID = pod.id
        if let parent = try? SandboxEnvironment.cgroupParent(podID: pod.id, config: pod.podConfig),
          let usage = cgroups.usage(of: parent)
        {
          metrics.metrics = PodMetrics.metrics(usage, labels: ["", pod.id, "", pod.namespace, pod.name], time: now)
        }
        let running = (containers[pod.id] ?? []).map(refreshed).filter { $0.state == .running }
        for container in running.sorted(by: { $0.createdAt < $1.createdAt }) {
          guard let path = cgroupPath(of: container, podConfig: pod.podConfig), let usage = cgroups.usage(of: path) else {
            continue
          }
          var entry = Runtime_V1_ContainerMetrics()
          entry.containerID = container.id
          entry.metrics = PodMetrics.metrics(
            usage, labels: [container.name, container.id, container.imageRef, pod.namespace, pod.name], time: now)
          metrics.containerMetrics.append(entry)
        }
        return metrics
      }
    }
  }
}
