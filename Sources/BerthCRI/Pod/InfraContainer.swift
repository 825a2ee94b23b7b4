#if canImport(Glibc)
import Glibc
#endif
import BerthCRIProto
import BerthError
import BerthMetadata
import BerthSys
import GRPCCore

/// The infra ("pause") container: only for pods whose containers share a PID namespace, which
/// needs a process to hold it. Network, IPC and UTS are pinned files and need none.
extension Engine {
  /// Creates and starts the pod's infra container (id = the pod's id) from the pause image.
  func startInfra(pod: PodRecord, config: Runtime_V1_PodSandboxConfig, undo: Undo) async throws {
    let pause = try await image(self.config.pauseImage, pull: true)
    let id = pod.id
    let environment = try environment(of: pod, config: config, infraPID: nil)
    var record = ContainerRecord(
      id: id, podID: pod.id, name: "POD", attempt: pod.attempt, imageRef: self.config.pauseImage,
      imageID: pause.record.id.description, createdAt: Self.now(), logPath: "", config: [], handler: pod.handler,
      stateDir: containerDir(id), snapshotKey: Self.snapshotKey(id), infra: true)
    let metadata = self.metadata
    record = try await offload { [self, record] in
      var record = record
      try metadata.insert(record)
      undo.add { try? metadata.removeContainer(id) }
      try Sys.mkdirAll(containerDir(id), mode: 0o700)
      let created = record
      undo.add { [self] in try? destroy(created) }
      try mountRootfs(id: id, image: pause.record)
      let rootfs = rootfsPath(id)
      let spec = try SandboxSpec.build(
        SandboxSpecInput(
          podID: id, config: config, image: pause.config, imageName: self.config.pauseImage, rootfs: rootfs,
          environment: environment, readFile: Self.fileReader(rootfs: rootfs), readProfile: { try? Sys.readBytes($0) },
          oomScoreAdjFloor: oomScoreAdjFloor,
          cgroupV2: cgroupV2, boundingSet: Self.boundingSet))
      try writeBundle(id: id, spec: spec)
      record.pid = try launchMonitor(id: id, handler: pod.handler, logPath: "", spec: spec)
      try runtime(pod.handler).start(id: id)
      record.state = .running
      record.startedAt = Self.now()
      try metadata.update(record)
      return record
    }
  }

  /// What a pod gives its containers. The PID namespace is the infra's while it runs.
  /// - Throws: FAILED_PRECONDITION when the pod shares a PID namespace and its infra is gone
  func environment(of pod: PodRecord, config: Runtime_V1_PodSandboxConfig, infraPID: Int32?) throws -> SandboxEnvironment {
    let namespaces = PodNamespaces(config)
    let dir = pod.stateDir
    var paths: [String: String] = [:]
    if !namespaces.hostNetwork {
      paths["network"] = dir + "/ns/net"
      paths["uts"] = dir + "/ns/uts"
    }
    if !namespaces.hostIPC { paths["ipc"] = dir + "/ns/ipc" }
    if let infraPID {
      guard infraPID > 0, Sys.exists("/proc/\(infraPID)/ns/pid") else {
        throw RPCError(code: .failedPrecondition, message: "pod sandbox \(pod.id): its infra container is not running")
      }
      paths["pid"] = "/proc/\(infraPID)/ns/pid"
    }
    return SandboxEnvironment(
      podID: pod.id, namespacePaths: paths, hostnamePath: dir + "/hostname", hostsPath: dir + "/hosts",
      resolvConfPath: dir + "/resolv.conf", shmPath: namespaces.hostIPC ? nil : dir + "/shm",
      cgroupParent: try SandboxEnvironment.cgroupParent(podID: pod.id, config: config), hostNetwork: namespaces.hostNetwork,
      hostIPC: namespaces.hostIPC, hostPID: namespaces.pid == .node)
  }

  /// Reads a regular file of a container's rootfs (`/etc/passwd`, `/etc/group`), refusing
  /// symlinks, which could point out of the rootfs.
  static func fileReader(rootfs: String) -> @Sendable (String) -> String? {
    { path in
      let full = rootfs + (path.hasPrefix("/") ? path : "/" + path)
      guard !path.contains(".."), let info = Sys.stat(full, follow: false), info.st_mode & S_IFMT == S_IFREG else { return nil }
      return try? Sys.readFile(full)
    }
  }
}
