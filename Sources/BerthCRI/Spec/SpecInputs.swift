import BerthCRIProto
import BerthError
import BerthOCI

/// What a pod provides to each of its containers: the namespaces to join, the files to bind in
/// and the cgroup to nest under. berthd fills it when the pod is set up; the spec builders only
/// read it.
public struct SandboxEnvironment: Sendable {
  /// The pod sandbox ID.
  public var podID: String
  /// OCI namespace type → path to join: "network", "ipc", "uts" (pinned files) and "pid"
  /// (`/proc/<infra>/ns/pid`, only when the pod shares its PID namespace). A type that is absent
  /// and not shared with the host gets a new namespace, except "network", which is an error.
  public var namespacePaths: [String: String]
  /// The pod's `/etc/hostname`; nil: not mounted.
  public var hostnamePath: String?
  /// The pod's `/etc/hosts`; nil: not mounted.
  public var hostsPath: String?
  /// The pod's `/etc/resolv.conf`; nil: not mounted.
  public var resolvConfPath: String?
  /// The pod's shared `/dev/shm` directory; nil: each container gets its own tmpfs (or the host's
  /// `/dev/shm` with host IPC).
  public var shmPath: String?
  /// The cgroup (cgroupfs path from the hierarchy root) every container of the pod nests under;
  /// see `SandboxEnvironment.cgroupParent(podID:config:)`.
  public var cgroupParent: String
  /// The pod uses the host's network namespace (and UTS namespace, as Kubernetes does).
  public var hostNetwork: Bool
  /// The pod uses the host's IPC namespace.
  public var hostIPC: Bool
  /// The pod uses the host's PID namespace.
  public var hostPID: Bool

  /// Creates an environment.
  public init(
    podID: String, namespacePaths: [String: String] = [:], hostnamePath: String? = nil, hostsPath: String? = nil,
    resolvConfPath: String? = nil, shmPath: String? = nil, cgroupParent: String, hostNetwork: Bool = false,
    hostIPC: Bool = false, hostPID: Bool = false
  ) {
    self.podID = podID
    self.namespacePaths = namespacePaths
    self.hostnamePath = hostnamePath
    self.hostsPath = hostsPath
    self.resolvConfPath = resolvConfPath
    self.shmPath = shmPath
    self.cgroupParent = cgroupParent
    self.hostNetwork = hostNetwork
    self.hostIPC = hostIPC
    self.hostPID = hostPID
  }

  /// The cgroup berthd nests the pods it parents under (`/berth/<podID>`).
  public static let cgroupRoot = "/berth"

  /// The pod's cgroup when berthd owns it (the kubelet gave no `linux.cgroup_parent`):
  /// `/berth/<podID>`; nil when the kubelet owns the parent.
  public static func ownedCgroupParent(podID: String, config: Runtime_V1_PodSandboxConfig) -> String? {
    config.linux.cgroupParent.isEmpty ? cgroupRoot + "/" + podID : nil
  }

  /// The pod's cgroup parent for the cgroupfs driver: `linux.cgroup_parent` when the kubelet
  /// gives one, else `/berth/<podID>`.
  /// - Throws: `.invalidArgument` for a systemd slice name (`kubepods.slice`) or a relative path,
  ///   which the cgroupfs driver cannot use
  public static func cgroupParent(podID: String, config: Runtime_V1_PodSandboxConfig) throws -> String {
    let parent = config.linux.cgroupParent
    if let owned = ownedCgroupParent(podID: podID, config: config) { return owned }
    if parent.hasSuffix(".slice") {
      throw BerthError.invalid(
        "linux.cgroup_parent \"\(parent)\" is a systemd slice; berthd uses the cgroupfs driver "
          + "(set the kubelet's cgroupDriver to cgroupfs)")
    }
    guard parent.hasPrefix("/") else {
      throw BerthError.invalid("linux.cgroup_parent \"\(parent)\" must be an absolute cgroupfs path")
    }
    return parent
  }
}

/// Everything `ContainerSpec.build` needs. The closures are the only way the builder reaches
/// the filesystem, so tests pass fakes.
public struct ContainerSpecInput: Sendable {
  /// The container ID (the last component of the cgroup path).
  public var containerID: String
  /// The CreateContainer request's config.
  public var config: Runtime_V1_ContainerConfig
  /// The pod's config, as given to RunPodSandbox.
  public var sandbox: Runtime_V1_PodSandboxConfig
  /// The image's config (Env, Entrypoint, Cmd, WorkingDir, User).
  public var image: ImageConfig
  /// The image name for the `io.kubernetes.cri.image-name` annotation.
  public var imageName: String
  /// The absolute path of the mounted rootfs (`root.path`).
  public var rootfs: String
  /// What the pod provides.
  public var environment: SandboxEnvironment
  /// Reads a file inside the rootfs (`/etc/passwd`, `/etc/group`); nil if it does not exist.
  public var readFile: @Sendable (String) -> String?
  /// Where relative Localhost seccomp profiles are looked up; empty: relative paths are refused.
  public var seccompProfileRoot: String
  /// Reads a Localhost seccomp profile (a host path); nil if it cannot be read.
  public var readProfile: @Sendable (String) -> [UInt8]?
  /// The lowest `oomScoreAdj` the container may get: the daemon's own
  /// (`/proc/self/oom_score_adj`), since lowering it needs CAP_SYS_RESOURCE.
  public var oomScoreAdjFloor: Int
  /// The node's hostname, for `HOSTNAME` when the pod has none (host network).
  public var nodeHostname: String
  /// The PID namespace of `namespace_options.target_id`'s container (`/proc/<pid>/ns/pid`),
  /// resolved by the caller; needed only for NamespaceMode TARGET.
  public var targetPIDNamespacePath: String?
  /// Describes a host device node: type ("c", "b" or "p"), major, minor and mode (with the file
  /// type bits or without); nil if the path is not a device.
  public var statDevice: @Sendable (String) -> (type: String, major: Int64, minor: Int64, mode: UInt32)?
  /// The host's device nodes, given to privileged containers (empty: they get only the default
  /// nodes, but may mknod any device).
  public var hostDevices: @Sendable () -> [Spec.Device]
  /// The node runs cgroup v2: containers get a cgroup namespace and `unified` resources apply.
  public var cgroupV2: Bool
  /// The node's capability bounding set (nil: no limit): no capability outside it is given.
  public var boundingSet: Set<String>?

  /// Creates an input; the closures default to "nothing there".
  public init(
    containerID: String, config: Runtime_V1_ContainerConfig, sandbox: Runtime_V1_PodSandboxConfig, image: ImageConfig,
    imageName: String, rootfs: String, environment: SandboxEnvironment,
    readFile: @escaping @Sendable (String) -> String? = { _ in nil }, seccompProfileRoot: String = "",
    readProfile: @escaping @Sendable (String) -> [UInt8]? = { _ in nil }, oomScoreAdjFloor: Int = 0,
    nodeHostname: String = "", targetPIDNamespacePath: String? = nil,
    statDevice: @escaping @Sendable (String) -> (type: String, major: Int64, minor: Int64, mode: UInt32)? = { _ in nil },
    hostDevices: @escaping @Sendable () -> [Spec.Device] = { [] }, cgroupV2: Bool = false,
    boundingSet: Set<String>? = nil
  ) {
    self.containerID = containerID
    self.config = config
    self.sandbox = sandbox
    self.image = image
    self.imageName = imageName
    self.rootfs = rootfs
    self.environment = environment
    self.readFile = readFile
    self.seccompProfileRoot = seccompProfileRoot
    self.readProfile = readProfile
    self.oomScoreAdjFloor = oomScoreAdjFloor
    self.nodeHostname = nodeHostname
    self.targetPIDNamespacePath = targetPIDNamespacePath
    self.statDevice = statDevice
    self.hostDevices = hostDevices
    self.cgroupV2 = cgroupV2
    self.boundingSet = boundingSet
  }
}

/// Everything `SandboxSpec.build` needs for the pod's infra (pause) container.
public struct SandboxSpecInput: Sendable {
  /// The pod sandbox ID (the infra container's ID and the last component of its cgroup path).
  public var podID: String
  /// The RunPodSandbox config.
  public var config: Runtime_V1_PodSandboxConfig
  /// The pause image's config.
  public var image: ImageConfig
  /// The image name for the `io.kubernetes.cri.image-name` annotation.
  public var imageName: String
  /// The absolute path of the mounted pause rootfs.
  public var rootfs: String
  /// The pinned network/ipc/uts paths; the infra gets a new PID namespace of its own (unless
  /// host PID), which the pod's containers then join.
  public var environment: SandboxEnvironment
  /// Reads a file inside the rootfs, for user resolution.
  public var readFile: @Sendable (String) -> String?
  /// Where relative Localhost seccomp profiles are looked up.
  public var seccompProfileRoot: String
  /// Reads a Localhost seccomp profile (host path).
  public var readProfile: @Sendable (String) -> [UInt8]?
  /// The lowest `oomScoreAdj` the infra may get (the daemon's own).
  public var oomScoreAdjFloor: Int
  /// The node runs cgroup v2.
  public var cgroupV2: Bool
  /// The node's capability bounding set (nil: no limit), for a privileged pod's infra.
  public var boundingSet: Set<String>?

  /// Creates an input; the closures default to "nothing there".
  public init(
    podID: String, config: Runtime_V1_PodSandboxConfig, image: ImageConfig, imageName: String = "", rootfs: String,
    environment: SandboxEnvironment, readFile: @escaping @Sendable (String) -> String? = { _ in nil },
    seccompProfileRoot: String = "", readProfile: @escaping @Sendable (String) -> [UInt8]? = { _ in nil },
    oomScoreAdjFloor: Int = 0, cgroupV2: Bool = false, boundingSet: Set<String>? = nil
  ) {
    self.podID = podID
    self.config = config
    self.image = image
    self.imageName = imageName
    self.rootfs = rootfs
    self.environment = environment
    self.readFile = readFile
    self.seccompProfileRoot = seccompProfileRoot
    self.readProfile = readProfile
    self.oomScoreAdjFloor = oomScoreAdjFloor
    self.cgroupV2 = cgroupV2
    self.boundingSet = boundingSet
  }
}
