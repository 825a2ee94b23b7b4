/// A pod sandbox as berthd keeps it. The CRI request that made it is kept whole (`config`, the
/// protobuf bytes of `PodSandboxConfig`) so status and restart need no other source; the
/// columns beside it are what lookups and the restart reconciliation use.
public struct PodRecord: Codable, Sendable, Equatable {
  /// `ready` until StopPodSandbox; `notReady` after (or when its namespaces are gone).
  public enum State: String, Codable, Sendable { case ready, notReady }

  public var id: String
  public var name: String
  public var namespace: String
  public var uid: String
  public var attempt: UInt32
  public var state: State
  /// Unix time in nanoseconds.
  public var createdAt: Int64
  /// The RuntimeClass handler the pod's containers run with.
  public var handler: String
  /// Protobuf bytes of the CRI `PodSandboxConfig`.
  public var config: [UInt8]
  /// The pod's directory of run state (namespace files, hostname, hosts, resolv.conf, shm).
  public var stateDir: String
  /// The pinned network namespace; empty for a host-network pod.
  public var netnsPath: String
  /// The pod's IPs from CNI, primary first.
  public var ips: [String]
  /// The infra ("pause") container when the pod needs one (a shared PID namespace), else empty.
  public var infraID: String
  /// Whether the CNI attachment is in place (so stop/remove know to tear it down).
  public var networkReady: Bool

  /// Creates a record.
  public init(
    id: String, name: String, namespace: String, uid: String, attempt: UInt32, state: State = .ready, createdAt: Int64,
    handler: String, config: [UInt8], stateDir: String, netnsPath: String = "", ips: [String] = [],
    infraID: String = "", networkReady: Bool = false
  ) {
    self.id = id
    self.name = name
    self.namespace = namespace
    self.uid = uid
    self.attempt = attempt
    self.state = state
    self.createdAt = createdAt
    self.handler = handler
    self.config = config
    self.stateDir = stateDir
    self.netnsPath = netnsPath
    self.ips = ips
    self.infraID = infraID
    self.networkReady = networkReady
  }

  /// The name no other pod may hold at the same time (kubelet's naming, as CRI-O reserves it).
  public var reservedName: String { "\(name)_\(namespace)_\(uid)_\(attempt)" }
}

/// A container as berthd keeps it.
public struct ContainerRecord: Codable, Sendable, Equatable {
  /// CRI's ContainerState, minus UNKNOWN (which is computed when the monitor is lost).
  public enum State: String, Codable, Sendable { case created, running, exited, unknown }

  public var id: String
  public var podID: String
  public var name: String
  public var attempt: UInt32
  public var state: State
  /// The image as the request named it, and the image id (config digest) it resolved to.
  public var imageRef: String
  public var imageID: String
  /// Unix nanoseconds; 0 when it has not happened.
  public var createdAt: Int64
  public var startedAt: Int64
  public var finishedAt: Int64
  public var exitCode: Int32
  public var reason: String
  public var message: String
  /// The container's init process (0 before start is known).
  public var pid: Int32
  /// The CRI log file (pod log directory + the container's log path); empty: none.
  public var logPath: String
  /// Protobuf bytes of the CRI `ContainerConfig`.
  public var config: [UInt8]
  /// The runtime handler, its state directory (bundle, monitor files) and the snapshot key of
  /// the rootfs.
  public var handler: String
  public var stateDir: String
  public var snapshotKey: String
  /// True for a pod's infra container, which CRI does not list.
  public var infra: Bool

  /// Creates a record.
  public init(
    id: String, podID: String, name: String, attempt: UInt32, state: State = .created, imageRef: String,
    imageID: String, createdAt: Int64, startedAt: Int64 = 0, finishedAt: Int64 = 0, exitCode: Int32 = 0,
    reason: String = "", message: String = "", pid: Int32 = 0, logPath: String, config: [UInt8], handler: String,
    stateDir: String, snapshotKey: String, infra: Bool = false
  ) {
    self.id = id
    self.podID = podID
    self.name = name
    self.attempt = attempt
    self.state = state
    self.imageRef = imageRef
    self.imageID = imageID
    self.createdAt = createdAt
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.exitCode = exitCode
    self.reason = reason
    self.message = message
    self.pid = pid
    self.logPath = logPath
    self.config = config
    self.handler = handler
    self.stateDir = stateDir
    self.snapshotKey = snapshotKey
    self.infra = infra
  }

  /// The name no other container of the pod may hold at the same time.
  public var reservedName: String { "\(podID)_\(name)_\(attempt)" }
}
