import BerthCRIProto
import BerthError
import BerthOCI

/// Builds the OCI spec of a pod's infra ("pause") container: the process that holds the pod's
/// PID namespace when its containers share one (or when the node config asks for an infra).
public enum SandboxSpec {
  /// The infra's `oomScoreAdj` before the floor applies (containerd's): it should be the last
  /// process of the pod the OOM killer picks.
  public static let oomScoreAdj = -998
  /// The infra's CPU shares (containerd's): it needs almost no CPU.
  public static let cpuShares: UInt64 = 2

  /// Builds and validates the infra spec.
  ///
  /// - process: the image's Entrypoint and Cmd (else `/pause`), its Env and WorkingDir, the
  ///   sandbox security context's `run_as_user`/`run_as_group` else the image's USER (the pause
  ///   image runs as 65535), no capabilities (all when the pod is privileged), no new
  ///   privileges, `oomScoreAdj` -998 raised to the floor.
  /// - root: read-only.
  /// - hostname: the pod's, when it has its own UTS namespace.
  /// - namespaces: network, IPC and UTS joined from the pinned paths (none when shared with the
  ///   host), a new PID namespace (none with host PID), a new mount namespace (and a cgroup
  ///   namespace on cgroup v2 unless privileged).
  /// - linux: cgroupsPath `<cgroupParent>/<podID>`, CPU shares 2, the pod's sysctls, default
  ///   masked and read-only paths, seccomp from the sandbox security context.
  /// - mounts: the defaults and the pod's `/dev/shm`.
  /// - Throws: `BerthError` `.invalidArgument` naming the field, `.unsupported` for user
  ///   namespaces
  public static func build(_ input: SandboxSpecInput) throws -> Spec {
    let config = input.config
    let context = config.linux.securityContext
    let field = "linux.security_context"
    let environment = input.environment
    let imageConfig = input.image.config
    let privileged = context.privileged
    guard input.rootfs.hasPrefix("/") else { throw BerthError.invalid("rootfs \"\(input.rootfs)\" must be an absolute path") }
    try SpecLinux.checkUserNamespace(context.namespaceOptions, field: field + ".namespace_options")

    let entrypoint = imageConfig?.entrypoint ?? []
    var args = (entrypoint.count == 1 && entrypoint[0].isEmpty ? [] : entrypoint) + (imageConfig?.cmd ?? [])
    if args.isEmpty { args = ["/pause"] }
    let requestedUser = try SpecProcess.requestedUser(
      username: "", uid: context.hasRunAsUser ? context.runAsUser : nil,
      gid: context.hasRunAsGroup ? context.runAsGroup : nil, field: field)
    let capabilities = privileged ? SpecCapabilities.all(within: input.boundingSet) : []
    var process = Spec.Process(
      user: try SpecProcess.user(
        requested: requestedUser, image: imageConfig?.user, supplemental: context.supplementalGroups,
        policy: context.supplementalGroupsPolicy, readFile: input.readFile, field: field),
      args: args,
      env: try SpecProcess.environment(image: imageConfig?.env ?? [], request: [], hostname: ""),
      cwd: try SpecProcess.workingDirectory(request: "", image: imageConfig?.workingDir),
      capabilities: Spec.Capabilities(bounding: capabilities, effective: capabilities, permitted: capabilities),
      noNewPrivileges: true)
    process.oomScoreAdj = try SpecProcess.oomScoreAdj(
      Int64(oomScoreAdj), floor: input.oomScoreAdjFloor, field: "oom_score_adj")

    try SecurityProfiles.checkAppArmor(context.hasApparmor ? context.apparmor : nil, name: "", field: field)
    let seccompChoice = try SecurityProfiles.seccompChoice(
      context.hasSeccomp ? context.seccomp : nil, path: context.seccompProfilePath, field: field)

    var linux = Spec.Linux(
      namespaces: try SpecLinux.namespaces(
        environment, pid: environment.hostPID ? .host : .new, cgroup: input.cgroupV2 && !privileged))
    linux.cgroupsPath = try SpecLinux.cgroupsPath(parent: environment.cgroupParent, id: input.podID)
    var resources = Resources()
    resources.cpu = Resources.CPU(shares: cpuShares)
    resources.devices = [Resources.DeviceRule(allow: false, access: "rwm")]
    linux.resources = resources
    let sysctls = try PodSysctls.validated(config, hostNetwork: environment.hostNetwork, hostIPC: environment.hostIPC)
    linux.sysctl = sysctls.isEmpty ? nil : sysctls
    if !privileged {
      linux.maskedPaths = Spec.defaultMaskedPaths
      linux.readonlyPaths = Spec.defaultReadonlyPaths
    }
    linux.seccomp = try SecurityProfiles.seccomp(
      seccompChoice, privileged: privileged, capabilities: capabilities, profileRoot: input.seccompProfileRoot,
      readProfile: input.readProfile, field: field)

    var shm: [Spec.Mount] = []
    if let path = environment.shmPath ?? (environment.hostIPC ? "/dev/shm" : nil) {
      shm.append(SpecMounts.podBind(path, at: "/dev/shm", readonly: false))
    }

    var annotations = config.annotations
    annotations.merge(CRIAnnotations.pod(input.podID, config)) { $1 }
    annotations[CRIAnnotations.containerType] = "sandbox"
    annotations[CRIAnnotations.sandboxLogDirectory] = config.logDirectory
    if !input.imageName.isEmpty { annotations[CRIAnnotations.imageName] = input.imageName }

    let spec = Spec(
      process: process, root: Spec.Root(path: input.rootfs, readonly: true),
      hostname: linux.has("uts") && !config.hostname.isEmpty ? config.hostname : nil,
      mounts: SpecMounts.merge(defaults: SpecMounts.defaults(privileged: privileged), supplied: shm),
      annotations: annotations, linux: linux)
    try spec.validate()
    return spec
  }
}
