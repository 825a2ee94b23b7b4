import BerthCRIProto
import BerthMetadata
import BerthOCI
import GRPCCore

extension RuntimeService {
  /// PodSandboxStatus: state, IPs, namespace options, labels; with `verbose`, an `info` JSON
  /// of the pod's runtime details (namespace paths, infra pid, handler, cgroup parent).
  public func podSandboxStatus(request: Runtime_V1_PodSandboxStatusRequest, context: ServerContext) async throws
    -> Runtime_V1_PodSandboxStatusResponse
  {
    try await rpc {
      let pod = try await engine.pod(request.podSandboxID)
      let config = pod.podConfig
      var status = Runtime_V1_PodSandboxStatus()
      status.id = pod.id
      status.metadata = pod.criMetadata
      status.state = pod.criState
      status.createdAt = pod.createdAt
      var network = Runtime_V1_PodSandboxNetworkStatus()
      if pod.state == .ready, let first = pod.ips.first {
        network.ip = first
        network.additionalIps = pod.ips.dropFirst().map { ip in
          var out = Runtime_V1_PodIP()
          out.ip = ip
          return out
        }
      }
      status.network = network
      var namespace = Runtime_V1_Namespace()
      namespace.options = config.linux.securityContext.namespaceOptions
      var linux = Runtime_V1_LinuxPodSandboxStatus()
      linux.namespaces = namespace
      status.linux = linux
      status.labels = config.labels
      status.annotations = config.annotations
      status.runtimeHandler = pod.handler
      var response = Runtime_V1_PodSandboxStatusResponse()
      response.status = status
      if request.verbose {
        let infra = try await engine.infraRecord(pod)
        let info = PodInfo(
          netns: pod.netnsPath, stateDir: pod.stateDir, runtimeHandler: pod.handler, networkReady: pod.networkReady,
          ips: pod.ips, cgroupParent: SandboxEnvironment.ownedCgroupParent(podID: pod.id, config: config) ?? config.linux.cgroupParent,
          infraContainer: pod.infraID, pid: infra?.pid)
        response.info["info"] = String(decoding: (try? JSON.encode(info)) ?? Array("{}".utf8), as: UTF8.self)
      }
      return response
    }
  }
}

extension Engine {
  /// The pod's infra container record, if it has one.
  func infraRecord(_ pod: PodRecord) async throws -> ContainerRecord? {
    guard !pod.infraID.isEmpty else { return nil }
    let metadata = self.metadata
    return try await offload { try metadata.container(pod.infraID) }
  }
}

/// PodSandboxStatus's verbose `info`.
struct PodInfo: Encodable {
  var netns: String
  var stateDir: String
  var runtimeHandler: String
  var networkReady: Bool
  var ips: [String]
  var cgroupParent: String
  var infraContainer: String
  var pid: Int32?
}
