import Foundation
import Testing

@testable import BerthCgroups

@Suite struct StatsTests {
  @Test func v1Stats() throws {
    let fs = FakeCgroupFS(files: [
      "/cg/cpuacct/c/cpuacct.usage": "5000000000\n",
      "/cg/cpuacct/c/cpuacct.usage_percpu": "3000000000 2000000000 \n",
      "/cg/cpuacct/c/cpuacct.stat": "user 300\nsystem 150\n",
      "/cg/cpu/c/cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 12345\n",
      "/cg/memory/c/memory.usage_in_bytes": "1048576\n",
      "/cg/memory/c/memory.max_usage_in_bytes": "2097152\n",
      "/cg/memory/c/memory.limit_in_bytes": "9223372036854771712\n",
      "/cg/memory/c/memory.failcnt": "1\n",
      "/cg/memory/c/memory.memsw.usage_in_bytes": "1148576\n",
      "/cg/memory/c/memory.stat": "cache 4096\nrss 8192\ntotal_cache 4096\n",
      "/cg/memory/c/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
      "/cg/pids/c/pids.current": "3\n", "/cg/pids/c/pids.max": "max\n",
      "/cg/blkio/c/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n",
      "/cg/blkio/c/blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\nTotal 3\n",
      "/cg/blkio/c/blkio.bfq.io_service_bytes_recursive": "Total 0\n",
      "/cg/hugetlb/c/hugetlb.2MB.limit_in_bytes": "9223372036854771712",
      "/cg/hugetlb/c/hugetlb.2MB.usage_in_bytes": "2097152",
      "/cg/hugetlb/c/hugetlb.2MB.max_usage_in_bytes": "4194304",
      "/cg/hugetlb/c/hugetlb.2MB.failcnt": "0",
      "/cg/hugetlb/c/hugetlb.2MB.rsvd.limit_in_bytes": "9223372036854771712",
    ])
    var paths: [String: String] = [:]
    for c in ["cpu", "cpuacct", "memory", "pids", "blkio", "hugetlb"] { paths[c] = "/cg/\(c)/c" }
    let stats = try CgroupV1Manager(mode: .v1, paths: paths, fs: fs).stats()
    #expect(stats.cpu.usage.total == 5_000_000_000)
    #expect(stats.cpu.usage.percpu == [3_000_000_000, 2_000_000_000])
    #expect(stats.cpu.usage.user == 3_000_000_000)
    #expect(stats.cpu.usage.kernel == 1_500_000_000)
    #expect(stats.cpu.throttling.throttledPeriods == 2)
    #expect(stats.cpu.throttling.throttledTime == 12345)
    #expect(stats.memory.usage.usage == 1_048_576)
    #expect(stats.memory.usage.max == 2_097_152)
    #expect(stats.memory.usage.limit == 9_223_372_036_854_771_712)
    #expect(stats.memory.usage.failcnt == 1)
    #expect(stats.memory.swap.usage == 1_148_576)
    #expect(stats.memory.cache == 4096)
    #expect(stats.memory.raw["rss"] == 8192)
    #expect(stats.memory.oomKillCount == 1)
    #expect(stats.pids.current == 3)
    #expect(stats.pids.limit == 0)
    #expect(stats.blkio.ioServiceBytesRecursive == [
      .init(major: 8, minor: 0, op: "Read", value: 4096), .init(major: 8, minor: 0, op: "Write", value: 8192),
      .init(major: 8, minor: 0, op: "Total", value: 12288),
    ])
    #expect(stats.blkio.ioServicedRecursive.count == 2)
    #expect(stats.hugetlb.keys.sorted() == ["2MB"])
    #expect(stats.hugetlb["2MB"]?.usage == 2_097_152)
    #expect(stats.hugetlb["2MB"]?.max == 4_194_304)
  }

  @Test func v2Stats() throws {
    let d = v2Dir
    let fs = FakeCgroupFS(files: [
      "\(d)/cpu.stat": "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 30\n",
      "\(d)/memory.current": "4096\n", "\(d)/memory.peak": "8192\n", "\(d)/memory.max": "max\n",
      "\(d)/memory.swap.current": "1024\n", "\(d)/memory.swap.max": "max\n",
      "\(d)/memory.events": "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n",
      "\(d)/memory.stat": "anon 1000\nfile 3000\n",
      "\(d)/pids.current": "2\n", "\(d)/pids.max": "100\n",
      "\(d)/io.stat": "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
      "\(d)/hugetlb.2MB.current": "0\n", "\(d)/hugetlb.2MB.events": "max 2\n", "\(d)/hugetlb.2MB.rsvd.current": "0\n",
    ])
    let stats = try CgroupV2Manager(path: d, root: "/sys/fs/cgroup", fs: fs).stats()
    #expect(stats.cpu.usage.total == 2_000_000)
    #expect(stats.cpu.usage.user == 1_500_000)
    #expect(stats.cpu.usage.kernel == 500_000)
    #expect(stats.cpu.usage.percpu.isEmpty)
    #expect(stats.cpu.throttling.throttledTime == 30_000)
    #expect(stats.memory.usage.usage == 4096)
    #expect(stats.memory.usage.max == 8192)
    #expect(stats.memory.usage.limit == UInt64.max)
    #expect(stats.memory.usage.failcnt == 5)
    #expect(stats.memory.swap.usage == 5120)
    #expect(stats.memory.swap.limit == UInt64.max)
    #expect(stats.memory.cache == 3000)
    #expect(stats.memory.oomKillCount == 1)
    #expect(stats.pids.current == 2)
    #expect(stats.pids.limit == 100)
    #expect(stats.blkio.ioServiceBytesRecursive == [
      .init(major: 8, minor: 0, op: "Read", value: 4096), .init(major: 8, minor: 0, op: "Write", value: 0),
      .init(major: 8, minor: 0, op: "Discard", value: 0),
    ])
    #expect(stats.blkio.ioServicedRecursive.first == .init(major: 8, minor: 0, op: "Read", value: 1))
    #expect(stats.hugetlb == ["2MB": { var h = CgroupStats.Hugetlb(); h.failcnt = 2; return h }()])
  }

  @Test func encodesRuncFieldNames() throws {
    var stats = CgroupStats()
    stats.cpu.usage.total = 10
    stats.cpu.usage.percpu = [4, 6]
    stats.cpu.throttling.throttledPeriods = 1
    stats.memory.usage.usage = 100
    stats.memory.usage.limit = 200
    stats.memory.cache = 5
    stats.memory.raw = ["rss": 7]
    stats.pids.current = 1
    stats.blkio.ioServiceBytesRecursive = [.init(major: 8, minor: 0, op: "Read", value: 9)]
    stats.hugetlb = ["2MB": CgroupStats.Hugetlb()]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(stats), as: UTF8.self)
    #expect(json == """
      {"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":9}]},\
      "cpu":{"throttling":{"throttledPeriods":1},"usage":{"kernel":0,"percpu":[4,6],"total":10,"user":0}},\
      "hugetlb":{"2MB":{"failcnt":0}},\
      "memory":{"cache":5,"kernel":{"failcnt":0,"limit":0},"kernelTCP":{"failcnt":0,"limit":0},\
      "raw":{"rss":7},"swap":{"failcnt":0,"limit":0},"usage":{"failcnt":0,"limit":200,"usage":100}},\
      "pids":{"current":1}}
      """)
    #expect(try JSONDecoder().decode(CgroupStats.self, from: Data(json.utf8)) == stats)
  }
}
