import BerthCRIProto
import BerthError
import BerthOCI

/// The `linux` pieces of containers and sandboxes: namespaces, cgroup path, resources, devices.
enum SpecLinux {
  /// How the process gets its PID namespace.
  enum PID: Equatable {
    /// A namespace of its own.
    case new
    /// The host's (no entry).
    case host
    /// An existing one.
    case join(String)
  }

  /// The namespaces: a new mount namespace; network, IPC and UTS from the pod (none with host
  /// network or IPC; UTS follows network, as in Kubernetes); PID as given; a new cgroup namespace
  /// when asked (cgroup v2, unprivileged).
  /// - Throws: `.internalError` when the pod has its own network namespace but no path for it
  static func namespaces(_ environment: SandboxEnvironment, pid: PID, cgroup: Bool) throws -> [Spec.Namespace] {
    var namespaces = [Spec.Namespace(type: "mount")]
    if !environment.hostNetwork {
      guard let path = environment.namespacePaths["network"] else {
        throw BerthError(.internalError, "pod \(environment.podID) has no network namespace path")
      }
      namespaces.append(Spec.Namespace(type: "network", path: path))
      namespaces.append(Spec.Namespace(type: "uts", path: environment.namespacePaths["uts"]))
    }
    if !environment.hostIPC {
      namespaces.append(Spec.Namespace(type: "ipc", path: environment.namespacePaths["ipc"]))
    }
    switch pid {
    case .new: namespaces.append(Spec.Namespace(type: "pid"))
    case .host: break
    case .join(let path): namespaces.append(Spec.Namespace(type: "pid", path: path))
    }
    if cgroup { namespaces.append(Spec.Namespace(type: "cgroup")) }
    return namespaces
  }

  /// A container's PID namespace from its `namespace_options.pid`: CONTAINER is its own, NODE
  /// the host's, POD the pod's shared one (the host's for a host-PID pod), TARGET another
  /// container's.
  /// - Throws: `.invalidArgument` for POD in a pod that does not share its PID namespace, TARGET
  ///   without a resolved target, or an unknown mode
  static func containerPID(
    _ options: Runtime_V1_NamespaceOption, environment: SandboxEnvironment, targetPath: String?, field: String
  ) throws -> PID {
    switch options.pid {
    case .container: return .new
    case .node: return .host
    case .pod:
      if environment.hostPID { return .host }
      guard let path = environment.namespacePaths["pid"] else {
        throw BerthError.invalid("\(field).pid is POD but pod \(environment.podID) does not share a PID namespace")
      }
      return .join(path)
    case .target:
      guard !options.targetID.isEmpty else { throw BerthError.invalid("\(field).pid is TARGET but target_id is empty") }
      guard let targetPath else {
        throw BerthError.invalid("\(field).target_id \(options.targetID): no PID namespace to join")
      }
      return .join(targetPath)
    case .UNRECOGNIZED(let value):
      throw BerthError.invalid("\(field).pid: unknown namespace mode \(value)")
    }
  }

  /// Refuses user namespaces (`userns_options` with mode POD): berthd does not map IDs.
  static func checkUserNamespace(_ options: Runtime_V1_NamespaceOption, field: String) throws {
    guard options.hasUsernsOptions else { return }
    switch options.usernsOptions.mode {
    case .node: return
    case .pod: throw BerthError(.unsupported, "\(field).userns_options: user namespaces are not supported by berthd")
    default: throw BerthError.invalid("\(field).userns_options.mode must be POD or NODE")
    }
  }

  /// `<parent>/<id>` without doubled slashes.
  static func cgroupsPath(parent: String, id: String) throws -> String {
    guard parent.hasPrefix("/") else {
      throw BerthError.invalid("cgroup parent \"\(parent)\" must be an absolute cgroupfs path")
    }
    return SpecMounts.clean(parent + "/" + id)
  }

  /// `linux.resources` from the CRI resources. Zero means "not set" for every field, as in the
  /// CRI; negative sizes and periods are refused (a quota or swap of -1 means unlimited).
  /// - Throws: `.invalidArgument` naming the field; `unified` on a cgroup v1 node
  static func resources(_ request: Runtime_V1_LinuxContainerResources, cgroupV2: Bool, field: String) throws
    -> Resources
  {
    var resources = Resources()
    var cpu = Resources.CPU()
    func nonNegative(_ value: Int64, _ name: String) throws -> Int64 {
      guard value >= 0 else { throw BerthError.invalid("\(field).\(name): \(value) must not be negative") }
      return value
    }
    if request.cpuPeriod != 0 {
      // The kernel's bounds for cfs_period_us: 1 ms to 1 s.
      guard (1000...1_000_000).contains(request.cpuPeriod) else {
        throw BerthError.invalid("\(field).cpu_period: \(request.cpuPeriod) must be between 1000 and 1000000 microseconds")
      }
      cpu.period = UInt64(request.cpuPeriod)
    }
    if request.cpuQuota != 0 {
      guard request.cpuQuota == -1 || request.cpuQuota >= 1000 else {
        throw BerthError.invalid("\(field).cpu_quota: \(request.cpuQuota) must be -1 (no limit) or at least 1000 microseconds")
      }
      cpu.quota = request.cpuQuota
    }
    if request.cpuShares != 0 { cpu.shares = UInt64(try nonNegative(request.cpuShares, "cpu_shares")) }
    if !request.cpusetCpus.isEmpty { cpu.cpus = request.cpusetCpus }
    if !request.cpusetMems.isEmpty { cpu.mems = request.cpusetMems }
    if cpu != Resources.CPU() { resources.cpu = cpu }

    var memory = Resources.Memory()
    if request.memoryLimitInBytes != 0 { memory.limit = try nonNegative(request.memoryLimitInBytes, "memory_limit_in_bytes") }
    if request.memorySwapLimitInBytes != 0 {
      guard request.memorySwapLimitInBytes >= -1 else {
        throw BerthError.invalid("\(field).memory_swap_limit_in_bytes: \(request.memorySwapLimitInBytes) is not valid")
      }
      memory.swap = request.memorySwapLimitInBytes
    }
    if memory != Resources.Memory() { resources.memory = memory }

    for (index, limit) in request.hugepageLimits.enumerated() {
      guard isPageSize(limit.pageSize) else {
        throw BerthError.invalid("\(field).hugepage_limits[\(index)].page_size \"\(limit.pageSize)\" is not like 2MB or 1GB")
      }
      let hugepages = Resources.HugepageLimit(pageSize: limit.pageSize, limit: limit.limit)
      resources.hugepageLimits = (resources.hugepageLimits ?? []) + [hugepages]
    }
    if !request.unified.isEmpty {
      guard cgroupV2 else {
        throw BerthError.invalid("\(field).unified needs cgroup v2; this node runs cgroup v1")
      }
      resources.unified = request.unified
    }
    return resources
  }

  /// `<digits><K|M|G|T|P>B`, the hugetlb control file suffix.
  static func isPageSize(_ text: String) -> Bool {
    guard text.hasSuffix("B"), text.count >= 3 else { return false }
    let body = text.dropLast()
    guard let unit = body.last, "KMGTP".contains(unit) else { return false }
    let digits = body.dropLast()
    return !digits.isEmpty && digits.allSatisfy(\.isNumber)
  }

  /// The CRI devices as device nodes and cgroup allow rules. `permissions` defaults to `rwm`;
  /// the container path to the host path.
  /// - Throws: `.invalidArgument` for a host path that is not a device or bad permissions
  static func devices(
    _ requested: [Runtime_V1_Device],
    stat: (String) -> (type: String, major: Int64, minor: Int64, mode: UInt32)?
  ) throws -> (nodes: [Spec.Device], rules: [Resources.DeviceRule]) {
    var nodes: [Spec.Device] = []
    var rules: [Resources.DeviceRule] = []
    for (index, device) in requested.enumerated() {
      let field = "devices[\(index)]"
      guard device.hostPath.hasPrefix("/") else {
        throw BerthError.invalid("\(field).host_path \"\(device.hostPath)\" must be an absolute path")
      }
      let path = device.containerPath.isEmpty ? device.hostPath : device.containerPath
      guard path.hasPrefix("/") else {
        throw BerthError.invalid("\(field).container_path \"\(path)\" must be an absolute path")
      }
      let access = device.permissions.isEmpty ? "rwm" : device.permissions
      guard access.allSatisfy({ "rwm".contains($0) }), Set(access).count == access.count else {
        throw BerthError.invalid("\(field).permissions \"\(device.permissions)\" must be letters of rwm")
      }
      guard let info = stat(device.hostPath), ["c", "b", "p"].contains(info.type) else {
        throw BerthError.invalid("\(field).host_path \(device.hostPath) is not a device node")
      }
      nodes.append(Spec.Device(type: info.type, path: path, major: info.major, minor: info.minor, fileMode: info.mode & 0o7777))
      if info.type != "p" {
        rules.append(Resources.DeviceRule(allow: true, type: info.type, major: info.major, minor: info.minor, access: access))
      }
    }
    return (nodes, rules)
  }
}
