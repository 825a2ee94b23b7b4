import BerthCRIProto
import BerthError
import BerthOCI

/// The annotations berthd writes into every spec, named as containerd names them, so a restarted
/// daemon (or a tool reading `config.json`) can tell what a bundle belongs to.
public enum CRIAnnotations {
  /// `container` or `sandbox`.
  public static let containerType = "io.kubernetes.cri.container-type"
  /// The pod sandbox ID.
  public static let sandboxID = "io.kubernetes.cri.sandbox-id"
  /// The pod's name.
  public static let sandboxName = "io.kubernetes.cri.sandbox-name"
  /// The pod's Kubernetes namespace.
  public static let sandboxNamespace = "io.kubernetes.cri.sandbox-namespace"
  /// The pod's UID.
  public static let sandboxUID = "io.kubernetes.cri.sandbox-uid"
  /// The pod's log directory.
  public static let sandboxLogDirectory = "io.kubernetes.cri.sandbox-log-directory"
  /// The container's name (`metadata.name`).
  public static let containerName = "io.kubernetes.cri.container-name"
  /// The image the container runs.
  public static let imageName = "io.kubernetes.cri.image-name"

  /// The pod's identity annotations.
  static func pod(_ podID: String, _ config: Runtime_V1_PodSandboxConfig) -> [String: String] {
    [
      sandboxID: podID, sandboxName: config.metadata.name, sandboxNamespace: config.metadata.namespace,
      sandboxUID: config.metadata.uid,
    ]
  }
}

/// Builds the OCI spec of a pod's container from a CreateContainer request, as containerd does
/// (see `build` for the rules and where Berth differs).
public enum ContainerSpec {
  /// Builds and validates the spec.
  ///
  /// - process: `SpecProcess` rules for args, env (with `HOSTNAME`), cwd and user;
  ///   `SpecCapabilities` for capabilities; `noNewPrivileges` from `no_new_privs`;
  ///   `oomScoreAdj` only when resources are given, raised to `oomScoreAdjFloor`; no rlimits.
  /// - mounts: the defaults, the pod's hostname/hosts/resolv.conf/shm and the CRI mounts (which
  ///   win over both). Image VOLUMEs get no mount: the directory stays part of the rootfs (CRI-O's
  ///   `mkdir` mode). Host paths of CRI mounts must exist: create `hostPathsToCreate` first.
  /// - privileged (the pod must be privileged too): every capability, no seccomp, no masked or
  ///   read-only paths, sysfs and cgroupfs read-write, every device allowed by the devices cgroup,
  ///   and the nodes `hostDevices` returns (Berth does not bind the host's `/dev`: the runtime
  ///   creates its default nodes in `/dev`, which must not be the host's).
  /// - linux: namespaces from the pod (`SpecLinux.namespaces`), cgroupsPath
  ///   `<cgroupParent>/<containerID>`, resources, devices, the pod's sysctls (`PodSysctls`),
  ///   masked and read-only paths (the request's when given, else the runtime defaults: proto3
  ///   cannot tell an empty list from an absent one, so only privileged clears them), seccomp
  ///   (`SecurityProfiles`), AppArmor checked and refused when named. Network and IPC follow the
  ///   pod (`environment`), whatever the container's `namespace_options` say; PID follows the
  ///   container's. `selinux_options` and `selinux_relabel` are ignored: this node has no SELinux.
  /// - Throws: `BerthError` `.invalidArgument` naming the request field, `.unsupported` for what
  ///   this node cannot do (AppArmor profiles, user namespaces, image volumes, ID-mapped mounts,
  ///   CDI devices)
  public static func build(_ input: ContainerSpecInput) throws -> Spec {
    let config = input.config
    let context = config.linux.securityContext
    let field = "linux.security_context"
    let environment = input.environment
    let imageConfig = input.image.config
    let privileged = context.privileged
    if privileged, !input.sandbox.linux.securityContext.privileged {
      throw BerthError.invalid("\(field).privileged: the pod sandbox is not privileged")
    }
    guard input.rootfs.hasPrefix("/") else { throw BerthError.invalid("rootfs \"\(input.rootfs)\" must be an absolute path") }
    try SpecLinux.checkUserNamespace(context.namespaceOptions, field: field + ".namespace_options")
    guard config.cdiDevices.isEmpty else {
      throw BerthError(.unsupported, "CDI_devices: CDI devices are not supported by berthd (use devices)")
    }

    // process
    // The same rule as the pod's /etc/hostname: the node's name with host network.
    let hostname = environment.hostNetwork || input.sandbox.hostname.isEmpty ? input.nodeHostname : input.sandbox.hostname
    let requestedUser = try SpecProcess.requestedUser(
      username: context.runAsUsername, uid: context.hasRunAsUser ? context.runAsUser : nil,
      gid: context.hasRunAsGroup ? context.runAsGroup : nil, field: field)
    var process = Spec.Process(
      terminal: config.tty ? true : nil,
      user: try SpecProcess.user(
        requested: requestedUser, image: imageConfig?.user, supplemental: context.supplementalGroups,
        policy: context.supplementalGroupsPolicy, readFile: input.readFile, field: field),
      args: try SpecProcess.arguments(command: config.command, args: config.args, image: imageConfig),
      env: try SpecProcess.environment(image: imageConfig?.env ?? [], request: config.envs, hostname: hostname),
      cwd: try SpecProcess.workingDirectory(request: config.workingDir, image: imageConfig?.workingDir),
      capabilities: try SpecCapabilities.sets(for: context, within: input.boundingSet),
      noNewPrivileges: context.noNewPrivs ? true : nil)
    if config.linux.hasResources {
      process.oomScoreAdj = try SpecProcess.oomScoreAdj(
        config.linux.resources.oomScoreAdj, floor: input.oomScoreAdjFloor, field: "linux.resources.oom_score_adj")
    }

    // security profiles
    try SecurityProfiles.checkAppArmor(
      context.hasApparmor ? context.apparmor : nil, name: context.apparmorProfile, field: field)
    let seccompChoice = try SecurityProfiles.seccompChoice(
      context.hasSeccomp ? context.seccomp : nil, path: context.seccompProfilePath, field: field)

    // linux
    let pid = try SpecLinux.containerPID(
      context.namespaceOptions, environment: environment, targetPath: input.targetPIDNamespacePath,
      field: field + ".namespace_options")
    var linux = Spec.Linux(
      namespaces: try SpecLinux.namespaces(environment, pid: pid, cgroup: input.cgroupV2 && !privileged))
    linux.cgroupsPath = try SpecLinux.cgroupsPath(parent: environment.cgroupParent, id: input.containerID)
    var resources =
      config.linux.hasResources
      ? try SpecLinux.resources(config.linux.resources, cgroupV2: input.cgroupV2, field: "linux.resources") : Resources()
    if privileged {
      resources.devices = [Resources.DeviceRule(allow: true, type: "a", access: "rwm")]
      let requested = try SpecLinux.devices(config.devices, stat: input.statDevice).nodes
      let paths = Set(requested.map(\.path))
      linux.devices = input.hostDevices().filter { !paths.contains($0.path) } + requested
    } else {
      let devices = try SpecLinux.devices(config.devices, stat: input.statDevice)
      resources.devices = [Resources.DeviceRule(allow: false, access: "rwm")] + devices.rules
      linux.devices = devices.nodes
    }
    if linux.devices?.isEmpty == true { linux.devices = nil }
    linux.resources = resources
    let sysctls = try PodSysctls.validated(input.sandbox, hostNetwork: environment.hostNetwork, hostIPC: environment.hostIPC)
    linux.sysctl = sysctls.isEmpty ? nil : sysctls
    if !privileged {
      linux.maskedPaths = context.maskedPaths.isEmpty ? Spec.defaultMaskedPaths : context.maskedPaths
      linux.readonlyPaths = context.readonlyPaths.isEmpty ? Spec.defaultReadonlyPaths : context.readonlyPaths
    }
    linux.seccomp = try SecurityProfiles.seccomp(
      seccompChoice, privileged: privileged, capabilities: process.capabilities?.bounding ?? [],
      profileRoot: input.seccompProfileRoot, readProfile: input.readProfile, field: field)

    // mounts
    var rootfsPropagation: String?
    let criMounts = try config.mounts.enumerated().map {
      try SpecMounts.criMount($0.element, index: $0.offset, rootfsPropagation: &rootfsPropagation)
    }
    let covered = Set(criMounts.map { SpecMounts.clean($0.destination) })
    let podFiles = SpecMounts.podFiles(environment, readonly: context.readonlyRootfs).filter {
      !covered.contains($0.destination)
    }
    linux.rootfsPropagation = rootfsPropagation

    var annotations = config.annotations
    annotations.merge(CRIAnnotations.pod(environment.podID, input.sandbox)) { $1 }
    annotations[CRIAnnotations.containerType] = "container"
    annotations[CRIAnnotations.containerName] = config.metadata.name
    annotations[CRIAnnotations.imageName] = input.imageName

    let spec = Spec(
      process: process, root: Spec.Root(path: input.rootfs, readonly: context.readonlyRootfs ? true : nil),
      hostname: linux.has("uts") && !input.sandbox.hostname.isEmpty ? input.sandbox.hostname : nil,
      mounts: SpecMounts.merge(defaults: SpecMounts.defaults(privileged: privileged), supplied: podFiles + criMounts),
      annotations: annotations, linux: linux)
    try spec.validate()
    return spec
  }

  /// The host directories CRI mounts bind, which must exist before the container is created:
  /// like containerd, berthd creates each missing one as a directory (mode 0755, with parents).
  /// Existing paths (files, sockets, symlinks) are left as they are.
  public static func hostPathsToCreate(_ config: Runtime_V1_ContainerConfig) -> [String] {
    config.mounts.compactMap { mount in
      mount.hostPath.isEmpty || (mount.hasImage && !mount.image.image.isEmpty) ? nil : mount.hostPath
    }
  }
}
