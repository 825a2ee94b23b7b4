import BerthError
import BerthOCI
import Glibc
import Testing

@testable import BerthCgroups

/// A v1 host like this machine's (cpu and cpuacct apart), with the container at /c.
func v1Manager(
  files: [String: String] = [:], controllers: [String] = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"]
) -> (CgroupV1Manager, FakeCgroupFS) {
  var paths: [String: String] = [:]
  for controller in controllers { paths[controller] = "/sys/fs/cgroup/\(controller)/c" }
  let fs = FakeCgroupFS(files: files, dirs: Array(paths.values))
  return (CgroupV1Manager(mode: .v1, paths: paths, fs: fs), fs)
}

let mem = "/sys/fs/cgroup/memory/c"

@Suite struct V1MemoryTests {
  @Test func writesLimitReservationAndFlags() throws {
    let (manager, fs) = v1Manager(files: ["\(mem)/memory.limit_in_bytes": "9223372036854771712"])
    var memory = Resources.Memory(limit: 1 << 30, reservation: 1 << 29)
    memory.swappiness = 10
    memory.disableOOMKiller = true
    memory.useHierarchy = true
    var resources = Resources()
    resources.memory = memory
    try manager.apply(resources)
    #expect(fs.writes(in: mem) == [
      "memory.limit_in_bytes=1073741824", "memory.soft_limit_in_bytes=536870912", "memory.swappiness=10",
      "memory.oom_control=1", "memory.use_hierarchy=1",
    ])
  }

  @Test(arguments: [
    // current limit, new limit, new swap, expected order
    ("104857600", Int64(209_715_200), Int64(419_430_400), ["memory.memsw.limit_in_bytes=419430400", "memory.limit_in_bytes=209715200"]),
    ("419430400", Int64(104_857_600), Int64(209_715_200), ["memory.limit_in_bytes=104857600", "memory.memsw.limit_in_bytes=209715200"]),
    ("104857600", Int64(209_715_200), Int64(-1), ["memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=209715200"]),
  ])
  func orderOfMemoryAndSwap(current: String, limit: Int64, swap: Int64, expected: [String]) throws {
    let (manager, fs) = v1Manager(files: [
      "\(mem)/memory.limit_in_bytes": current, "\(mem)/memory.memsw.limit_in_bytes": current,
    ])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: limit, swap: swap)
    try manager.apply(resources)
    #expect(fs.writes(in: mem) == expected)
  }

  @Test func unlimitedMemoryMakesSwapUnlimitedToo() throws {
    let (manager, fs) = v1Manager(files: [
      "\(mem)/memory.limit_in_bytes": "1048576", "\(mem)/memory.memsw.limit_in_bytes": "2097152",
    ])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: -1)
    try manager.apply(resources)
    #expect(fs.writes(in: mem) == ["memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"])
  }

  @Test func swapWithoutAccountingIsUnsupported() {
    let (manager, _) = v1Manager(files: ["\(mem)/memory.limit_in_bytes": "1"])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: 100, swap: 200)
    #expect { try manager.apply(resources) } throws: {
      let error = $0 as? BerthError
      return error?.code == .unsupported && error?.message.contains("memory.memsw.limit_in_bytes") == true
    }
  }

  @Test func kernelMemoryRefusalIsIgnored() throws {
    let (manager, fs) = v1Manager(files: [
      "\(mem)/memory.kmem.limit_in_bytes": "0", "\(mem)/memory.kmem.tcp.limit_in_bytes": "0",
    ])
    fs.failWrites(to: "\(mem)/memory.kmem.limit_in_bytes", errno: EOPNOTSUPP)
    var memory = Resources.Memory()
    memory.kernel = 1000
    memory.kernelTCP = 2000
    var resources = Resources()
    resources.memory = memory
    try manager.apply(resources)
    #expect(fs.writes(in: mem) == ["memory.kmem.tcp.limit_in_bytes=2000"])
  }

  @Test func failingWriteNamesPathAndErrno() {
    let (manager, fs) = v1Manager()
    fs.failWrites(to: "\(mem)/memory.limit_in_bytes", errno: EBUSY)
    var resources = Resources()
    resources.memory = Resources.Memory(limit: 4096)
    #expect { try manager.apply(resources) } throws: {
      let error = $0 as? BerthError
      return error?.errno == EBUSY
        && error?.message == "write \(mem)/memory.limit_in_bytes: Device or resource busy"
    }
  }

  @Test func swappinessOutOfRangeIsInvalid() {
    let (manager, _) = v1Manager()
    var memory = Resources.Memory()
    memory.swappiness = 101
    var resources = Resources()
    resources.memory = memory
    #expect { try manager.apply(resources) } throws: { ($0 as? BerthError)?.code == .invalidArgument }
  }
}

@Suite struct V1ControllerTests {
  @Test func cpuPeriodBeforeQuotaAndRealtimePeriodBeforeRuntime() throws {
    let (manager, fs) = v1Manager(files: ["/sys/fs/cgroup/cpu/c/cpu.idle": "0"])
    var cpu = Resources.CPU(shares: 512, quota: 50_000, period: 100_000)
    cpu.realtimeRuntime = 950_000
    cpu.realtimePeriod = 1_000_000
    cpu.idle = 1
    var resources = Resources()
    resources.cpu = cpu
    try manager.apply(resources)
    #expect(fs.writes(in: "/sys/fs/cgroup/cpu/c") == [
      "cpu.shares=512", "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "cpu.rt_period_us=1000000",
      "cpu.rt_runtime_us=950000", "cpu.idle=1",
    ])
  }

  @Test func cpusetAndPids() throws {
    let (manager, fs) = v1Manager()
    var resources = Resources()
    resources.cpu = Resources.CPU(cpus: "0-1", mems: "0")
    resources.pids = Resources.Pids(limit: 0)
    try manager.apply(resources)
    #expect(fs.writes(in: "/sys/fs/cgroup/cpuset/c") == ["cpuset.cpus=0-1", "cpuset.mems=0"])
    #expect(fs.writes(in: "/sys/fs/cgroup/pids/c") == ["pids.max=max"])
    resources.pids = Resources.Pids(limit: 64)
    try manager.apply(resources)
    #expect(fs.file("/sys/fs/cgroup/pids/c/pids.max") == "64")
  }

  @Test func blkioWeightsAndThrottles() throws {
    let dir = "/sys/fs/cgroup/blkio/c"
    let (manager, fs) = v1Manager(files: ["\(dir)/blkio.bfq.weight": "100", "\(dir)/blkio.weight_device": ""])
    var io = Resources.BlockIO()
    io.weight = 300
    io.throttleReadBpsDevice = [.init(major: 8, minor: 0, rate: 1_048_576)]
    io.throttleWriteIOPSDevice = [.init(major: 8, minor: 16, rate: 100)]
    var resources = Resources()
    resources.blockIO = io
    try manager.apply(resources)
    #expect(fs.writes(in: dir) == [
      "blkio.bfq.weight=300", "blkio.throttle.read_bps_device=8:0 1048576", "blkio.throttle.write_iops_device=8:16 100",
    ])
  }

  @Test func missingControllerThrowsOnlyForNonDefaultValues() throws {
    let (manager, fs) = v1Manager(controllers: ["memory"])
    var resources = Resources()
    resources.pids = Resources.Pids(limit: -1)
    resources.cpu = Resources.CPU()
    resources.hugepageLimits = []
    try manager.apply(resources)
    #expect(fs.writes.isEmpty)

    var hugetlb = Resources()
    hugetlb.hugepageLimits = [.init(pageSize: "2MB", limit: 1 << 21)]
    #expect { try manager.apply(hugetlb) } throws: {
      let error = $0 as? BerthError
      return error?.code == .unsupported && error?.message.contains("hugetlb") == true
    }
    var pids = Resources()
    pids.pids = Resources.Pids(limit: 10)
    #expect { try manager.apply(pids) } throws: { ($0 as? BerthError)?.message.contains("pids") == true }
  }

  @Test func hugetlbAndNetwork() throws {
    let (manager, fs) = v1Manager(controllers: ["hugetlb", "net_cls", "net_prio"])
    var resources = Resources()
    resources.hugepageLimits = [.init(pageSize: "2MB", limit: 4_194_304)]
    resources.network = try decode(Resources.Network.self, #"{"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]}"#)
    try manager.apply(resources)
    #expect(fs.writes.map(\.description) == [
      "/sys/fs/cgroup/hugetlb/c/hugetlb.2MB.limit_in_bytes=4194304",
      "/sys/fs/cgroup/net_cls/c/net_cls.classid=1048577",
      "/sys/fs/cgroup/net_prio/c/net_prio.ifpriomap=eth0 5",
    ])
  }

  @Test func unifiedIsRejectedOnV1() {
    let (manager, _) = v1Manager()
    var resources = Resources()
    resources.unified = ["memory.high": "1000"]
    #expect { try manager.apply(resources) } throws: { ($0 as? BerthError)?.code == .unsupported }
  }
}
