import BerthCRIProto
import BerthMetadata
import BerthOCI
import BerthSys

/// Container and pod stats in CRI's shapes, from the cgroup files (`CgroupFiles`), the writable
/// layer's snapshot and the pod's network namespace. All blocking; call through `offload`.
extension Engine {
  /// The cgroupfs path of a container: `<pod's cgroup parent>/<id>`, as ContainerSpec made its
  /// `linux.cgroupsPath` (derived, rather than decoding the bundle's spec on every stats call);
  /// the pod's config is read when the caller does not have it. nil when the pod is gone.
  func cgroupPath(of record: ContainerRecord, podConfig: Runtime_V1_PodSandboxConfig? = nil) -> String? {
    guard let config = podConfig ?? (try? metadata.pod(record.podID))?.podConfig,
      let parent = try? SandboxEnvironment.cgroupParent(podID: record.podID, config: config)
    else { return nil }
    return try? SpecLinux.cgroupsPath(parent: parent, id: record.id)
  }

  /// The stats of a container with fresh state: attributes always; the writable layer while its
  /// snapshot exists; CPU and memory only while it runs (an exited container has no cgroup).
  func containerStats(
    _ record: ContainerRecord, cgroups: CgroupFiles, podConfig: Runtime_V1_PodSandboxConfig? = nil
  ) -> Runtime_V1_ContainerStats {
    let now = Self.now()
    let config = record.containerConfig
    var stats = Runtime_V1_ContainerStats()
    var attributes = Runtime_V1_ContainerAttributes()
    attributes.id = record.id
    attributes.metadata = record.criMetadata
    attributes.labels = config.labels
    attributes.annotations = config.annotations
    stats.attributes = attributes
    if let used = try? images.snapshots.usage(key: record.snapshotKey) {
      var layer = Runtime_V1_FilesystemUsage()
      layer.timestamp = now
      var id = Runtime_V1_FilesystemIdentifier()
      id.mountpoint = images.snapshots.root
      layer.fsID = id
      layer.usedBytes = StatsMessages.value(UInt64(max(0, used.bytes)))
      layer.inodesUsed = StatsMessages.value(UInt64(max(0, used.inodes)))
      stats.writableLayer = layer
    }
    guard record.state == .running, let path = cgroupPath(of: record, podConfig: podConfig), let usage = cgroups.usage(of: path)
    else {
      return stats
    }
    if let cpu = usage.cpuNanoseconds {
      stats.cpu = StatsMessages.cpu(cpu, time: now, rate: usageRates.rate(record.id, .init(time: now, usage: cpu)))
    }
    if usage.memoryBytes != nil { stats.memory = StatsMessages.memory(usage, time: now) }
    return stats
  }

  /// The stats of a pod: attributes, its containers' stats, and while it is ready the CPU,
  /// memory and task count of its cgroup parent (`/berth/<podID>`, or the kubelet's pod cgroup
  /// given as `linux.cgroup_parent`) and the interfaces of its network namespace.
  /// - Parameter containers: the pod's (non-infra) containers, with fresh state
  func podStats(_ pod: PodRecord, containers: [ContainerRecord], cgroups: CgroupFiles) -> Runtime_V1_PodSandboxStats {
    let now = Self.now()
    let config = pod.podConfig
    var stats = Runtime_V1_PodSandboxStats()
    var attributes = Runtime_V1_PodSandboxAttributes()
    attributes.id = pod.id
    attributes.metadata = pod.criMetadata
    attributes.labels = config.labels
    attributes.annotations = config.annotations
    stats.attributes = attributes
    var linux = Runtime_V1_LinuxPodSandboxStats()
    linux.containers = containers.sorted { $0.createdAt < $1.createdAt }.map {
      containerStats($0, cgroups: cgroups, podConfig: config)
    }
    if pod.state == .ready {
      if let parent = try? SandboxEnvironment.cgroupParent(podID: pod.id, config: config), let usage = cgroups.usage(of: parent) {
        if let cpu = usage.cpuNanoseconds {
          linux.cpu = StatsMessages.cpu(cpu, time: now, rate: usageRates.rate("pod/" + pod.id, .init(time: now, usage: cpu)))
        }
        if usage.memoryBytes != nil { linux.memory = StatsMessages.memory(usage, time: now) }
        if let processes = usage.processes {
          var process = Runtime_V1_ProcessUsage()
          process.timestamp = now
          process.processCount = StatsMessages.value(processes)
          linux.process = process
        }
      }
      if let network = networkUsage(pod, containers: containers, time: now) { linux.network = network }
    }
    stats.linux = linux
    return stats
  }

  /// The interfaces of the pod's network namespace, read through a process inside it (the
  /// infra, else a running container); nil for a host-network pod or when none runs.
  func networkUsage(_ pod: PodRecord, containers: [ContainerRecord], time: Int64) -> Runtime_V1_NetworkUsage? {
    guard !pod.netnsPath.isEmpty else { return nil }
    var pids = containers.filter { $0.state == .running && $0.pid > 0 }.map(\.pid)
    if !pod.infraID.isEmpty, let infra = (try? metadata.container(pod.infraID)).flatMap({ $0 }).map(refreshed),
      infra.state == .running, infra.pid > 0
    {
      pids.insert(infra.pid, at: 0)
    }
    for pid in pids {
      guard let text = try? Sys.readFile("/proc/\(pid)/net/dev") else { continue }
      let interfaces = NetworkStats.parse(text)
      var usage = Runtime_V1_NetworkUsage()
      usage.timestamp = time
      usage.interfaces = interfaces.map(StatsMessages.interface)
      if let first = NetworkStats.defaultInterface(interfaces) { usage.defaultInterface = StatsMessages.interface(first) }
      return usage
    }
    return nil
  }
}

/// The CRI stats messages of cgroup and network figures.
enum StatsMessages {
  /// A wrapped number.
  static func value(_ number: UInt64) -> Runtime_V1_UInt64Value {
    var value = Runtime_V1_UInt64Value()
    value.value = number
    return value
  }

  /// CPU time, and the rate when there was an earlier sample.
  static func cpu(_ nanoseconds: UInt64, time: Int64, rate: UInt64?) -> Runtime_V1_CpuUsage {
    var cpu = Runtime_V1_CpuUsage()
    cpu.timestamp = time
    cpu.usageCoreNanoSeconds = value(nanoseconds)
    if let rate { cpu.usageNanoCores = value(rate) }
    return cpu
  }

  /// Memory figures; those the cgroup did not give are left unset.
  static func memory(_ usage: CgroupUsage, time: Int64) -> Runtime_V1_MemoryUsage {
    var memory = Runtime_V1_MemoryUsage()
    memory.timestamp = time
    if let bytes = usage.memoryBytes { memory.usageBytes = value(bytes) }
    if let bytes = usage.workingSetBytes { memory.workingSetBytes = value(bytes) }
    if let bytes = usage.availableBytes { memory.availableBytes = value(bytes) }
    if let bytes = usage.rssBytes { memory.rssBytes = value(bytes) }
    if let faults = usage.pageFaults { memory.pageFaults = value(faults) }
    if let faults = usage.majorPageFaults { memory.majorPageFaults = value(faults) }
    return memory
  }

  /// One interface's counters.
  static func interface(_ counters: InterfaceCounters) -> Runtime_V1_NetworkInterfaceUsage {
    var usage = Runtime_V1_NetworkInterfaceUsage()
    usage.name = counters.name
    usage.rxBytes = value(counters.rxBytes)
    usage.rxErrors = value(counters.rxErrors)
    usage.txBytes = value(counters.txBytes)
    usage.txErrors = value(counters.txErrors)
    return usage
  }
}

extension ContainerRecord {
  /// Whether the container passes a ListContainerStats filter: id prefix, pod id prefix, every
  /// label of the selector.
  func matches(_ filter: Runtime_V1_ContainerStatsFilter) -> Bool {
    if !filter.id.isEmpty && !id.hasPrefix(filter.id) { return false }
    if !filter.podSandboxID.isEmpty && !podID.hasPrefix(filter.podSandboxID) { return false }
    let labels = filter.labelSelector.isEmpty ? [:] : containerConfig.labels
    return filter.labelSelector.allSatisfy { labels[$0.key] == $0.value }
  }
}

extension PodRecord {
  /// Whether the pod passes a ListPodSandboxStats filter: id prefix, every label of the selector.
  func matches(_ filter: Runtime_V1_PodSandboxStatsFilter) -> Bool {
    if !filter.id.isEmpty && !id.hasPrefix(filter.id) { return false }
    let labels = filter.labelSelector.isEmpty ? [:] : podConfig.labels
    return filter.labelSelector.allSatisfy { labels[$0.key] == $0.value }
  }
}
