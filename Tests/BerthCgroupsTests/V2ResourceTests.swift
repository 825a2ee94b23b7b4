import BerthError
import BerthOCI
import Synchronization
import Testing

@testable import BerthCgroups

let v2Dir = "/sys/fs/cgroup/berth/c"

func v2Manager(files: [String: String] = [:], loader: DeviceProgramLoader? = nil) -> (CgroupV2Manager, FakeCgroupFS) {
  let fs = FakeCgroupFS(files: files, dirs: [v2Dir])
  return (CgroupV2Manager(path: v2Dir, root: "/sys/fs/cgroup", fs: fs, deviceProgramLoader: loader), fs)
}

@Suite struct ConversionTests {
  @Test(arguments: [
    (UInt64(0), UInt64(0)), (1, 1), (2, 1), (512, 20), (1024, 39), (2048, 79), (262_144, 10_000), (1_000_000, 10_000),
  ])
  func sharesToWeight(shares: UInt64, weight: UInt64) {
    #expect(Cgroups.cpuWeight(fromShares: shares) == weight)
  }

  @Test(arguments: [(UInt16(0), UInt64(0)), (10, 1), (100, 910), (500, 4950), (1000, 10_000)])
  func blkioToIOWeight(blkio: UInt16, io: UInt64) {
    #expect(Cgroups.ioWeight(fromBlkioWeight: blkio) == io)
  }
}

@Suite struct V2ResourceTests {
  @Test func memorySwapIsSwapMinusLimit() throws {
    let (manager, fs) = v2Manager(files: ["\(v2Dir)/memory.swap.max": "max"])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: 1 << 30, reservation: 1 << 28, swap: 3 << 29)
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == ["memory.swap.max=536870912", "memory.max=1073741824", "memory.low=268435456"])
  }

  @Test(arguments: [(Int64(-1), Int64?.none, "max", "max"), (Int64(100), Int64(-1), "max", "100")])
  func unlimitedValues(limit: Int64, swap: Int64?, swapValue: String, maxValue: String) throws {
    let (manager, fs) = v2Manager(files: ["\(v2Dir)/memory.swap.max": "0"])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: limit, swap: swap)
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == ["memory.swap.max=\(swapValue)", "memory.max=\(maxValue)"])
  }

  @Test func swapBelowLimitIsInvalid() {
    let (manager, _) = v2Manager(files: ["\(v2Dir)/memory.swap.max": "0"])
    var resources = Resources()
    resources.memory = Resources.Memory(limit: 200, swap: 100)
    #expect { try manager.apply(resources) } throws: { ($0 as? BerthError)?.code == .invalidArgument }
  }

  @Test func cpuWeightMaxAndCpuset() throws {
    let (manager, fs) = v2Manager()
    var cpu = Resources.CPU(shares: 1024, quota: 20_000, period: 50_000, cpus: "1", mems: "0")
    cpu.idle = 0
    var resources = Resources()
    resources.cpu = cpu
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == [
      "cpu.weight=39", "cpu.max=20000 50000", "cpu.idle=0", "cpuset.cpus=1", "cpuset.mems=0",
    ])
  }

  @Test(arguments: [
    (Int64?(-1), UInt64?.none, "150000 100000", "max 100000"),
    (nil, 20_000, "150000 100000", "150000 20000"),
    (5000, nil, "max 100000", "5000 100000"),
  ])
  func cpuMaxKeepsTheOtherHalf(quota: Int64?, period: UInt64?, current: String, expected: String) throws {
    let (manager, fs) = v2Manager(files: ["\(v2Dir)/cpu.max": current])
    var resources = Resources()
    resources.cpu = Resources.CPU(quota: quota, period: period)
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == ["cpu.max=\(expected)"])
  }

  @Test func realtimeIsUnsupported() {
    let (manager, _) = v2Manager()
    var cpu = Resources.CPU()
    cpu.realtimeRuntime = 1000
    var resources = Resources()
    resources.cpu = cpu
    #expect { try manager.apply(resources) } throws: { ($0 as? BerthError)?.code == .unsupported }
  }

  @Test func ioWeightAndMax() throws {
    let (manager, fs) = v2Manager()
    var io = Resources.BlockIO()
    io.weight = 500
    io.throttleReadBpsDevice = [.init(major: 8, minor: 0, rate: 1000)]
    io.throttleWriteBpsDevice = [.init(major: 8, minor: 16, rate: 2000)]
    io.throttleReadIOPSDevice = [.init(major: 8, minor: 0, rate: 30)]
    io.throttleWriteIOPSDevice = [.init(major: 8, minor: 0, rate: 40)]
    var resources = Resources()
    resources.blockIO = io
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == [
      "io.weight=4950", "io.max=8:0 rbps=1000 riops=30 wiops=40", "io.max=8:16 wbps=2000",
    ])
  }

  @Test func bfqWeightUsesBlkioScale() throws {
    let (manager, fs) = v2Manager(files: ["\(v2Dir)/io.bfq.weight": "default 100"])
    var io = Resources.BlockIO()
    io.weight = 500
    var resources = Resources()
    resources.blockIO = io
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == ["io.bfq.weight=500"])
  }

  @Test func pidsHugetlbAndUnifiedLast() throws {
    let (manager, fs) = v2Manager()
    var resources = Resources()
    resources.pids = Resources.Pids(limit: -1)
    resources.hugepageLimits = [.init(pageSize: "1GB", limit: 1 << 30)]
    resources.unified = ["memory.oom.group": "1", "memory.high": "500000"]
    try manager.apply(resources)
    #expect(fs.writes(in: v2Dir) == [
      "pids.max=max", "hugetlb.1GB.max=1073741824", "memory.high=500000", "memory.oom.group=1",
    ])
  }

  @Test(arguments: ["../cgroup.procs", "a/b", "", ".."])
  func unifiedKeysMustBePlainFileNames(key: String) {
    let (manager, fs) = v2Manager()
    var resources = Resources()
    resources.unified = [key: "1"]
    #expect { try manager.apply(resources) } throws: { ($0 as? BerthError)?.code == .invalidArgument }
    #expect(fs.writes.isEmpty)
  }

  @Test func devicesGoThroughTheLoader() throws {
    let captured = CapturedProgram()
    let (manager, _) = v2Manager(loader: { program, path in captured.set(program, path) })
    var resources = Resources()
    resources.devices = [Resources.DeviceRule(allow: false, access: "rwm")]
    try manager.apply(resources)
    let (program, path) = captured.get()
    #expect(path == v2Dir)
    // Deny-all plus the defaults: /dev/null is allowed, a block device is not.
    #expect(runDeviceProgram(program, type: 2, access: 6, major: 1, minor: 3) == 1)
    #expect(runDeviceProgram(program, type: 1, access: 2, major: 8, minor: 0) == 0)
  }

  @Test func createEnablesControllersInEveryParent() throws {
    let fs = FakeCgroupFS(files: [
      "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc",
      "/sys/fs/cgroup/cgroup.subtree_control": "memory",
    ])
    let manager = CgroupV2Manager(path: "/sys/fs/cgroup/a/b", root: "/sys/fs/cgroup", fs: fs)
    try manager.create()
    // The fake has no kernel to propagate controllers, so "a" offers none and gets no write.
    #expect(fs.writes.map(\.description) == ["/sys/fs/cgroup/cgroup.subtree_control=+cpu +pids +io +cpuset +hugetlb"])
    #expect(fs.hasDirectory("/sys/fs/cgroup/a/b"))
  }

  @Test func refusedControllerIsSkippedAlone() throws {
    let fs = FakeCgroupFS(files: ["/sys/fs/cgroup/cgroup.controllers": "cpu memory"])
    fs.failWrites(to: "/sys/fs/cgroup/cgroup.subtree_control", errno: 16)
    let manager = CgroupV2Manager(path: "/sys/fs/cgroup/x", root: "/sys/fs/cgroup", fs: fs)
    try manager.create()
    #expect(fs.hasDirectory("/sys/fs/cgroup/x"))
  }
}

/// A lock-protected box for what the device loader received.
final class CapturedProgram: Sendable {
  private let value = Mutex<([BPFInstruction], String)>(([], ""))
  func set(_ program: [BPFInstruction], _ path: String) { value.withLock { $0 = (program, path) } }
  func get() -> ([BPFInstruction], String) { value.withLock { $0 } }
}
