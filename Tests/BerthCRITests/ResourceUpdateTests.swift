import BerthCRIProto
import BerthError
import BerthMetadata
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("UpdateContainerResources and UpdatePodSandboxResources: validation, merging, pod cgroup writes")
struct ResourceUpdateTests {
  static func resources(_ change: (inout Runtime_V1_LinuxContainerResources) -> Void) -> Runtime_V1_LinuxContainerResources {
    var resources = Runtime_V1_LinuxContainerResources()
    change(&resources)
    return resources
  }

  static func hugepages(_ size: String) -> Runtime_V1_HugepageLimit {
    var limit = Runtime_V1_HugepageLimit()
    limit.pageSize = size
    limit.limit = 1 << 21
    return limit
  }

  static let invalid: [(String, Runtime_V1_LinuxContainerResources)] = [
    ("cpu_shares", resources { $0.cpuShares = -2 }),
    ("cpu_period", resources { $0.cpuPeriod = -100_000 }),
    ("cpu_quota", resources { $0.cpuQuota = -5 }),
    ("memory_limit_in_bytes", resources { $0.memoryLimitInBytes = -1 }),
    ("memory_swap_limit_in_bytes", resources { $0.memorySwapLimitInBytes = -7 }),
    ("hugepage_limits[0].page_size", resources { $0.hugepageLimits = [hugepages("2M")] }),
    ("unified", resources { $0.unified = ["memory.high": "1G"] }),
  ]

  @Test("invalid values are refused as INVALID_ARGUMENT naming the field", arguments: invalid)
  func rejects(_ field: String, _ update: Runtime_V1_LinuxContainerResources) {
    let error = #expect(throws: BerthError.self) {
      try ResourceUpdate(current: Runtime_V1_LinuxContainerResources(), update: update, cgroupV2: false)
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("linux.\(field)") == true)
  }

  @Test("a bad value is refused even when the current resources are fine")
  func rejectsOverGoodCurrent() {
    let current = Self.resources { $0.cpuShares = 512 }
    #expect(throws: BerthError.self) {
      try ResourceUpdate(current: current, update: Self.resources { $0.cpuQuota = -3 }, cgroupV2: true)
    }
  }

  @Test("unified is accepted on cgroup v2; -1 means unlimited for quota and swap")
  func accepts() throws {
    let update = Self.resources {
      $0.unified = ["memory.high": "1073741824"]
      $0.cpuQuota = -1
      $0.memorySwapLimitInBytes = -1
      $0.hugepageLimits = [Self.hugepages("2MB")]
    }
    let plan = try ResourceUpdate(current: Runtime_V1_LinuxContainerResources(), update: update, cgroupV2: true)
    #expect(plan.runtime.unified == ["memory.high": "1073741824"])
    #expect(plan.runtime.cpu?.quota == -1)
    #expect(plan.runtime.memory?.swap == -1)
    #expect(plan.runtime.hugepageLimits?.first?.pageSize == "2MB")
  }

  @Test("zero fields keep their value; set fields replace; unified keys merge; oom_score_adj stays")
  func merges() throws {
    let current = Self.resources {
      $0.cpuShares = 256
      $0.cpuQuota = 50_000
      $0.cpuPeriod = 100_000
      $0.memoryLimitInBytes = 1 << 30
      $0.oomScoreAdj = 900
      $0.cpusetCpus = "0-1"
      $0.unified = ["a": "1", "b": "2"]
    }
    let update = Self.resources {
      $0.memoryLimitInBytes = 1 << 29
      $0.cpuQuota = 20_000
      $0.oomScoreAdj = -1000
      $0.unified = ["b": "3", "c": "4"]
    }
    let plan = try ResourceUpdate(current: current, update: update, cgroupV2: true)
    #expect(plan.merged.cpuShares == 256)
    #expect(plan.merged.cpuQuota == 20_000)
    #expect(plan.merged.cpuPeriod == 100_000)
    #expect(plan.merged.memoryLimitInBytes == 1 << 29)
    #expect(plan.merged.oomScoreAdj == 900)
    #expect(plan.merged.cpusetCpus == "0-1")
    #expect(plan.merged.unified == ["a": "1", "b": "3", "c": "4"])
    // The runtime is given only what the request changes.
    #expect(plan.runtime.cpu == Resources.CPU(quota: 20_000))
    #expect(plan.runtime.memory?.limit == 1 << 29)
    #expect(plan.full.cpu?.shares == 256)
  }

  @Test("the bundle's spec keeps its device rules and pids limit")
  func applied() throws {
    var spec = Resources()
    spec.devices = [Resources.DeviceRule(allow: false, access: "rwm")]
    spec.pids = Resources.Pids(limit: 100)
    spec.cpu = Resources.CPU(shares: 2)
    let plan = try ResourceUpdate(
      current: Runtime_V1_LinuxContainerResources(), update: Self.resources { $0.cpuShares = 1024 }, cgroupV2: false)
    let result = plan.applied(to: spec)
    #expect(result.devices == spec.devices)
    #expect(result.pids?.limit == 100)
    #expect(result.cpu?.shares == 1024)
  }

  @Test("pod limits: resources plus overhead, the overhead's quota rescaled to the pod's period")
  func podLimits() {
    let resources = Self.resources {
      $0.cpuShares = 1024
      $0.cpuQuota = 200_000
      $0.cpuPeriod = 100_000
      $0.memoryLimitInBytes = 1 << 30
    }
    let overhead = Self.resources {
      $0.cpuShares = 100
      $0.cpuQuota = 5_000
      $0.cpuPeriod = 50_000
      $0.memoryLimitInBytes = 1 << 20
    }
    let limits = PodCgroupLimits(resources: resources, overhead: overhead)
    #expect(limits.cpuShares == 1124)
    #expect(limits.cpuQuota == 210_000)
    #expect(limits.cpuPeriod == 100_000)
    #expect(limits.memoryBytes == (1 << 30) + (1 << 20))
    #expect(PodCgroupLimits(resources: Runtime_V1_LinuxContainerResources(), overhead: overhead) == PodCgroupLimits())
    let huge = PodCgroupLimits(resources: Self.resources { $0.memoryLimitInBytes = .max }, overhead: overhead)
    #expect(huge.memoryBytes == .max)
  }

  @Test("v2 weight of shares: 2 → 1, 1024 → 39, 262144 → 10000")
  func weight() {
    #expect(PodCgroupLimits.weight(shares: 2) == 1)
    #expect(PodCgroupLimits.weight(shares: 1024) == 39)
    #expect(PodCgroupLimits.weight(shares: 262_144) == 10_000)
  }

  static let limits: PodCgroupLimits = {
    var limits = PodCgroupLimits()
    limits.cpuShares = 1024
    limits.cpuQuota = 50_000
    limits.cpuPeriod = 100_000
    limits.memoryBytes = 1 << 28
    return limits
  }()

  @Test("v1: cpu.shares, the period before the quota, memory.limit_in_bytes, in the pod's cgroup")
  func applyV1() throws {
    let dir = "/sys/fs/cgroup/cpu,cpuacct/berth/p"
    let tree = FakeCgroupTree([
      dir + "/cpu.shares": "2", dir + "/cpu.cfs_period_us": "100000", dir + "/cpu.cfs_quota_us": "-1",
      "/sys/fs/cgroup/memory/berth/p/memory.limit_in_bytes": "9223372036854771712",
    ])
    _ = try Self.limits.apply(to: "/berth/p", tree.cgroups(.v1))
    #expect(
      tree.written == [
        dir + "/cpu.shares=1024", dir + "/cpu.cfs_period_us=100000", dir + "/cpu.cfs_quota_us=50000",
        "/sys/fs/cgroup/memory/berth/p/memory.limit_in_bytes=268435456",
      ])
  }

  @Test("v2: cpu.weight, cpu.max, memory.max; an unlimited quota is max")
  func applyV2() throws {
    let dir = "/sys/fs/cgroup/berth/p"
    let tree = FakeCgroupTree([dir + "/cpu.weight": "100", dir + "/cpu.max": "max 100000", dir + "/memory.max": "max"])
    _ = try Self.limits.apply(to: "/berth/p", tree.cgroups(.v2))
    #expect(tree.written == [dir + "/cpu.weight=39", dir + "/cpu.max=50000 100000", dir + "/memory.max=268435456"])
    var unlimited = PodCgroupLimits()
    unlimited.cpuQuota = -1
    #expect(unlimited.writes(.v2).map(\.value) == ["max 100000"])
  }

  @Test("a pod cgroup that does not exist yet is left alone")
  func applyMissing() throws {
    let tree = FakeCgroupTree([:])
    #expect(try Self.limits.apply(to: "/berth/p", tree.cgroups(.v1)).isEmpty)
    #expect(tree.written.isEmpty)
  }
}

@Suite("Stats filters")
struct StatsFilterTests {
  static func record(_ id: String, pod: String, labels: [String: String]) throws -> ContainerRecord {
    var config = Runtime_V1_ContainerConfig()
    config.labels = labels
    return ContainerRecord(
      id: id, podID: pod, name: "n", attempt: 0, imageRef: "i", imageID: "sha256:1", createdAt: 1, logPath: "",
      config: try config.serializedBytes(), handler: "berth", stateDir: "/tmp", snapshotKey: "berth-" + id)
  }

  @Test("container stats filter: id prefix, pod prefix, every selector label")
  func containerFilter() throws {
    let record = try Self.record("abcdef", pod: "pod123", labels: ["app": "web", "tier": "front"])
    var filter = Runtime_V1_ContainerStatsFilter()
    #expect(record.matches(filter))
    filter.id = "abc"
    #expect(record.matches(filter))
    filter.podSandboxID = "pod1"
    #expect(record.matches(filter))
    filter.labelSelector = ["app": "web"]
    #expect(record.matches(filter))
    filter.labelSelector = ["app": "web", "tier": "back"]
    #expect(!record.matches(filter))
    filter.labelSelector = [:]
    filter.podSandboxID = "other"
    #expect(!record.matches(filter))
    filter.podSandboxID = ""
    filter.id = "abd"
    #expect(!record.matches(filter))
  }

  @Test("pod stats filter: id prefix and selector labels")
  func podFilter() throws {
    var config = Runtime_V1_PodSandboxConfig()
    config.labels = ["app": "web"]
    let pod = PodRecord(
      id: "p0123", name: "n", namespace: "ns", uid: "u", attempt: 0, createdAt: 1, handler: "berth",
      config: try config.serializedBytes(), stateDir: "/tmp")
    var filter = Runtime_V1_PodSandboxStatsFilter()
    filter.id = "p01"
    filter.labelSelector = ["app": "web"]
    #expect(pod.matches(filter))
    filter.labelSelector = ["app": "db"]
    #expect(!pod.matches(filter))
  }
}
