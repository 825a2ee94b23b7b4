import BerthCNI
import BerthCRIProto
import BerthError
import BerthMetadata
import BerthSys
import GRPCCore

extension RuntimeService {
  /// RunPodSandbox: pinned namespaces, the pod's files, CNI networking, and an infra container
  /// only when the pod shares one PID namespace.
  public func runPodSandbox(request: Runtime_V1_RunPodSandboxRequest, context: ServerContext) async throws
    -> Runtime_V1_RunPodSandboxResponse
  {
    try await rpc {
      var response = Runtime_V1_RunPodSandboxResponse()
      response.podSandboxID = try await engine.runPod(request)
      return response
    }
  }
}

/// Which namespaces a pod takes from the node, and how its containers share PIDs.
struct PodNamespaces: Sendable {
  var hostNetwork: Bool
  var hostIPC: Bool
  var pid: Runtime_V1_NamespaceMode

  init(_ config: Runtime_V1_PodSandboxConfig) {
    let options = config.linux.securityContext.namespaceOptions
    hostNetwork = options.network == .node
    hostIPC = options.ipc == .node
    pid = options.pid
  }

  /// The pod's containers share one PID namespace, held by the infra container.
  var needsInfra: Bool { pid == .pod }
}

extension Engine {
  /// Creates a pod; on any failure every step done so far is undone and the error returned.
  func runPod(_ request: Runtime_V1_RunPodSandboxRequest) async throws -> String {
    let config = request.config
    let metadata = config.metadata
    try require(request.hasConfig && config.hasMetadata, "pod sandbox config has no metadata")
    try require(!metadata.name.isEmpty, "pod sandbox metadata.name is empty")
    try require(!metadata.namespace.isEmpty, "pod sandbox metadata.namespace is empty")
    try require(!metadata.uid.isEmpty, "pod sandbox metadata.uid is empty")
    let handler = try handlerName(request.runtimeHandler)
    let namespaces = PodNamespaces(config)
    try require(namespaces.pid != .target, "linux.security_context.namespace_options.pid: TARGET is only valid for containers")
    let sysctls = try PodSysctls.validated(config, hostNetwork: namespaces.hostNetwork, hostIPC: namespaces.hostIPC)
    let id = newID()
    _ = try SandboxEnvironment.cgroupParent(podID: id, config: config)
    let dir = podDir(id)
    var record = PodRecord(
      id: id, name: metadata.name, namespace: metadata.namespace, uid: metadata.uid, attempt: metadata.attempt,
      state: .notReady, createdAt: Self.now(), handler: handler, config: try config.serializedBytes(), stateDir: dir)

    let metadataStore = self.metadata
    try await offload { [record] in try metadataStore.insert(record) }  // reserves the name
    let undo = Undo()
    undo.add { try? metadataStore.removePod(id) }
    undo.add { Self.removePodCgroup(podID: id, config: config) }
    do {
      record = try await locks.with(id) { [record] in
        var record = record
        try await offload { [self] in
          try Sys.mkdirAll(dir, mode: 0o711)
          undo.add { SandboxFiles.remove(dir: dir) }
          try SandboxFiles.create(dir: dir, config: config, hostNetwork: namespaces.hostNetwork, hostIPC: namespaces.hostIPC)
          try pinNamespaces(dir: dir, config: config, namespaces: namespaces, sysctls: sysctls)
          undo.add { [self] in try? unpinNamespaces(dir: dir) }
        }
        if namespaces.needsInfra { record.infraID = id }
        if !namespaces.hostNetwork {
          // CNI ADD and the infra container are independent (the network namespace is pinned
          // already): they run at the same time.
          record.netnsPath = dir + "/ns/net"
          let attachment = Self.attachment(id: id, record: record, config: config)
          let cni = self.cni
          let netns = record.netnsPath
          undo.add { try? cni.tearDown(containerID: id, netnsPath: netns) }
          async let network = offload { try cni.setUp(attachment) }
          var infraError: (any Error)?
          if namespaces.needsInfra {
            do { try await startInfra(pod: record, config: config, undo: undo) } catch { infraError = error }
          }
          let status = try await network
          if let infraError { throw infraError }
          record.ips = status.ips
          record.networkReady = true
        } else if namespaces.needsInfra {
          try await startInfra(pod: record, config: config, undo: undo)
        }
        record.state = .ready
        let final = record
        try await offload { try metadataStore.update(final) }
        return final
      }
    } catch {
      Self.log("RunPodSandbox \(metadata.namespace)/\(metadata.name) failed, undoing: \(error)")
      _ = try? await offload { undo.run() }
      throw error
    }
    Self.log(
      "pod sandbox ready", level: .info,
      ["pod": "\(id)", "name": "\(metadata.namespace)/\(metadata.name)", "handler": "\(handler)", "ips": "\(record.ips)"])
    return id
  }

  /// The CNI request of a pod: its names, and its port mappings for the portmap plugin.
  static func attachment(id: String, record: PodRecord, config: Runtime_V1_PodSandboxConfig) -> AttachmentRequest {
    let ports = config.portMappings.filter { $0.hostPort > 0 }.map { mapping in
      PortMapping(
        hostPort: mapping.hostPort, containerPort: mapping.containerPort,
        protocol: mapping.protocol == .udp ? "udp" : mapping.protocol == .sctp ? "sctp" : "tcp", hostIP: mapping.hostIp)
    }
    return AttachmentRequest(
      containerID: id, netnsPath: record.netnsPath, podName: record.name, podNamespace: record.namespace, podUID: record.uid,
      portMappings: ports)
  }

  /// `berth-runtime pin-namespaces`: new network (unless host network), IPC (unless host IPC)
  /// and UTS (unless host network) namespaces bound to files under `dir/ns`.
  func pinNamespaces(dir: String, config: Runtime_V1_PodSandboxConfig, namespaces: PodNamespaces, sysctls: [String: String]) throws {
    guard !namespaces.hostNetwork || !namespaces.hostIPC else { return }
    try pinner.pinNamespaces(
      dir: dir + "/ns", net: !namespaces.hostNetwork, ipc: !namespaces.hostIPC, uts: !namespaces.hostNetwork,
      hostname: namespaces.hostNetwork ? nil : SandboxFiles.hostname(config, hostNetwork: false),
      sysctls: sysctls.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
  }

  /// Unmounts and removes the pinned namespace files.
  func unpinNamespaces(dir: String) throws {
    guard Sys.exists(dir + "/ns") else { return }
    try pinner.unpinNamespaces(dir: dir + "/ns")
  }
}
