import BerthCRIProto
import BerthError
import BerthMetadata
import BerthOCI
import BerthSys
import GRPCCore

extension RuntimeService {
  /// CreateContainer: the container's rootfs (an overlay snapshot of the image), its OCI spec
  /// (Spec/ContainerSpec), its monitor and `runtime create`. Undone on any failure.
  public func createContainer(request: Runtime_V1_CreateContainerRequest, context: ServerContext) async throws
    -> Runtime_V1_CreateContainerResponse
  {
    try await rpc {
      var response = Runtime_V1_CreateContainerResponse()
      response.containerID = try await engine.createContainer(request)
      return response
    }
  }
}

extension Engine {
  func createContainer(_ request: Runtime_V1_CreateContainerRequest) async throws -> String {
    let config = request.config
    try require(request.hasConfig && config.hasMetadata, "container config has no metadata")
    try require(!config.metadata.name.isEmpty, "container metadata.name is empty")
    try require(config.hasImage && !config.image.image.isEmpty, "container config has no image")
    let pod = try await pod(request.podSandboxID)
    guard pod.state == .ready else {
      throw RPCError(code: .failedPrecondition, message: "pod sandbox \(pod.id) is not ready: containers cannot be created in it")
    }
    let sandbox = pod.podConfig
    let image = try await image(config.image.image)
    let infra = try await infraRecord(pod)
    let infraPID = try await offload { [self] in infra.map { refreshed($0) }.map { $0.state == .running ? $0.pid : 0 } }
    let environment = try environment(of: pod, config: sandbox, infraPID: infraPID)
    let targetPID = try await targetPIDNamespace(config, pod: pod)
    let id = newID()
    let logPath = sandbox.logDirectory.isEmpty || config.logPath.isEmpty ? "" : sandbox.logDirectory + "/" + config.logPath
    if !logPath.isEmpty {
      try require(
        logPath.hasPrefix("/") && !config.logPath.split(separator: "/").contains(".."),
        "log_path \"\(config.logPath)\" must stay inside the pod's log_directory")
    }
    var record = ContainerRecord(
      id: id, podID: pod.id, name: config.metadata.name, attempt: config.metadata.attempt, imageRef: config.image.image,
      imageID: image.record.id.description, createdAt: Self.now(), logPath: logPath, config: try config.serializedBytes(),
      handler: pod.handler, stateDir: containerDir(id), snapshotKey: Self.snapshotKey(id))
    let metadata = self.metadata
    let undo = Undo()
    do {
      // Under the pod's lock: a RemovePodSandbox of the pod waits, and a pod stopped meanwhile
      // is refused.
      record = try await locks.with(pod.id) { [self, record] in
        try await offload { [self] in
          var record = record
          guard let current = try metadata.pod(pod.id), current.state == .ready else {
            throw RPCError(code: .failedPrecondition, message: "pod sandbox \(pod.id) is not ready: containers cannot be created in it")
          }
          try metadata.insert(record)  // reserves the name
          undo.add { try? metadata.removeContainer(id) }
          try Sys.mkdirAll(containerDir(id), mode: 0o700)
          let created = record
          undo.add { [self] in try? destroy(created) }
          try mountRootfs(id: id, image: image.record)
          let rootfs = rootfsPath(id)
          let spec = try ContainerSpec.build(
            ContainerSpecInput(
              containerID: id, config: config, sandbox: sandbox, image: image.config, imageName: config.image.image,
              rootfs: rootfs, environment: environment, readFile: Self.fileReader(rootfs: rootfs),
              readProfile: { try? Sys.readBytes($0) }, oomScoreAdjFloor: oomScoreAdjFloor,
              nodeHostname: SandboxFiles.nodeHostname(), targetPIDNamespacePath: targetPID, statDevice: HostDevices.stat,
              hostDevices: HostDevices.all, cgroupV2: cgroupV2, boundingSet: Self.boundingSet))
          for path in ContainerSpec.hostPathsToCreate(config) where !Sys.exists(path, follow: false) {
            try Sys.mkdirAll(path, mode: 0o755)
          }
          try writeBundle(id: id, spec: spec)
          if !logPath.isEmpty {
            try Sys.mkdirAll(sandbox.logDirectory, mode: 0o755)
            if let slash = logPath.lastIndex(of: "/") { try Sys.mkdirAll(String(logPath[..<slash]), mode: 0o755) }
          }
          record.pid = try launchMonitor(id: id, handler: pod.handler, logPath: logPath, spec: spec)
          try metadata.update(record)
          return record
        }
      }
    } catch {
      Self.log("CreateContainer \(config.metadata.name) in pod \(pod.id) failed, undoing: \(error)")
      _ = try? await offload { undo.run() }
      throw error
    }
    events.publish(.containerCreatedEvent, container: record.id, pod: record.podID)
    Self.log(
      "container created", level: .info, ["container": "\(record.id)", "pod": "\(record.podID)", "name": "\(record.name)"])
    return record.id
  }

  /// The PID namespace of `namespace_options.target_id`'s container, for NamespaceMode TARGET.
  func targetPIDNamespace(_ config: Runtime_V1_ContainerConfig, pod: PodRecord) async throws -> String? {
    let options = config.linux.securityContext.namespaceOptions
    guard options.pid == .target else { return nil }
    try require(!options.targetID.isEmpty, "namespace_options.pid is TARGET but target_id is empty")
    let target = try await container(options.targetID)
    guard target.podID == pod.id else {
      throw RPCError(code: .invalidArgument, message: "namespace_options.target_id \(options.targetID) is in another pod")
    }
    let current = refreshed(target)
    guard current.pid > 0, current.state == .running || current.state == .created else {
      throw RPCError(code: .failedPrecondition, message: "namespace_options.target_id \(options.targetID) is not running")
    }
    return "/proc/\(current.pid)/ns/pid"
  }
}
