import BerthCRIProto
import Synchronization
import Testing

@testable import BerthCRI

/// A faked `/sys/fs/cgroup`: files by path, and the writes made to them.
final class FakeCgroupTree: Sendable {
  let files: Mutex<[String: String]>
  let writes = Mutex<[(String, String)]>([])

  init(_ files: [String: String]) { self.files = Mutex(files) }

  /// The seam over this tree.
  func cgroups(_ layout: CgroupFiles.Layout) -> CgroupFiles {
    CgroupFiles(
      root: "/sys/fs/cgroup", layout: layout, read: { path in self.files.withLock { $0[path] } },
      write: { path, value in
        self.writes.withLock { $0.append((path, value)) }
        self.files.withLock { $0[path] = value }
      })
  }

  var written: [String] { writes.withLock { $0.map { "\($0.0)=\($0.1)" } } }
}

@Suite("Stats: cgroup v1 and v2 files, net/dev, CPU rates")
struct CgroupStatsTests {
  static let v1Stat = """
    cache 4096
    rss 1000
    pgfault 7
    total_cache 8192
    total_rss 5000
    total_pgfault 120
    total_pgmajfault 3
    total_inactive_file 3000
    total_active_file 2000
    """

  static let v1: [String: String] = [
    "/sys/fs/cgroup/cpuacct/berth/pod/ctr/cpuacct.usage": "123456789\n",
    "/sys/fs/cgroup/memory/berth/pod/ctr/memory.usage_in_bytes": "10000\n",
    "/sys/fs/cgroup/memory/berth/pod/ctr/memory.limit_in_bytes": "9223372036854771712\n",
    "/sys/fs/cgroup/memory/berth/pod/ctr/memory.stat": v1Stat,
    "/sys/fs/cgroup/pids/berth/pod/ctr/pids.current": "4\n",
  ]

  static let v2: [String: String] = [
    "/sys/fs/cgroup/berth/pod/ctr/cpu.stat": "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 0\n",
    "/sys/fs/cgroup/berth/pod/ctr/memory.current": "65536\n",
    "/sys/fs/cgroup/berth/pod/ctr/memory.max": "1048576\n",
    "/sys/fs/cgroup/berth/pod/ctr/memory.stat": "anon 20480\nfile 40960\ninactive_file 16384\npgfault 99\npgmajfault 2\n",
    "/sys/fs/cgroup/berth/pod/ctr/pids.current": "2\n",
  ]

  @Test("v1: cpuacct.usage, usage minus total_inactive_file, total_ figures, pids; no limit")
  func v1Usage() throws {
    let usage = try #require(FakeCgroupTree(Self.v1).cgroups(.v1).usage(of: "/berth/pod/ctr"))
    #expect(usage.cpuNanoseconds == 123_456_789)
    #expect(usage.memoryBytes == 10_000)
    #expect(usage.workingSetBytes == 7_000)
    #expect(usage.rssBytes == 5_000)
    #expect(usage.pageFaults == 120)
    #expect(usage.majorPageFaults == 3)
    #expect(usage.processes == 4)
    #expect(usage.memoryLimitBytes == nil)
    #expect(usage.availableBytes == nil)
  }

  @Test("v1: cpuacct joined with cpu as cpu,cpuacct is found too")
  func v1JoinedCPU() throws {
    var files = Self.v1
    files["/sys/fs/cgroup/cpuacct/berth/pod/ctr/cpuacct.usage"] = nil
    files["/sys/fs/cgroup/cpu,cpuacct/berth/pod/ctr/cpuacct.usage"] = "42\n"
    #expect(FakeCgroupTree(files).cgroups(.v1).usage(of: "/berth/pod/ctr")?.cpuNanoseconds == 42)
  }

  @Test("v1: the working set never goes below zero")
  func v1WorkingSetFloor() throws {
    var files = Self.v1
    files["/sys/fs/cgroup/memory/berth/pod/ctr/memory.usage_in_bytes"] = "100"
    #expect(FakeCgroupTree(files).cgroups(.v1).usage(of: "/berth/pod/ctr")?.workingSetBytes == 0)
  }

  @Test("v2: cpu.stat usage_usec in ns, memory.current minus inactive_file, anon as rss, memory.max")
  func v2Usage() throws {
    let usage = try #require(FakeCgroupTree(Self.v2).cgroups(.v2).usage(of: "/berth/pod/ctr"))
    #expect(usage.cpuNanoseconds == 2_500_000)
    #expect(usage.memoryBytes == 65_536)
    #expect(usage.workingSetBytes == 49_152)
    #expect(usage.rssBytes == 20_480)
    #expect(usage.pageFaults == 99)
    #expect(usage.majorPageFaults == 2)
    #expect(usage.processes == 2)
    #expect(usage.memoryLimitBytes == 1_048_576)
    #expect(usage.availableBytes == 1_048_576 - 49_152)
  }

  @Test("v2: memory.max of \"max\" is no limit")
  func v2NoLimit() throws {
    var files = Self.v2
    files["/sys/fs/cgroup/berth/pod/ctr/memory.max"] = "max\n"
    #expect(FakeCgroupTree(files).cgroups(.v2).usage(of: "/berth/pod/ctr")?.memoryLimitBytes == nil)
  }

  @Test("a cgroup that does not exist has no usage", arguments: [CgroupFiles.Layout.v1, .v2])
  func missing(_ layout: CgroupFiles.Layout) {
    let tree = FakeCgroupTree(layout == .v1 ? Self.v1 : Self.v2)
    #expect(tree.cgroups(layout).usage(of: "/berth/pod/other") == nil)
  }

  @Test("the wrong layout finds nothing: v1 files are not read as v2 and back")
  func wrongLayout() {
    #expect(FakeCgroupTree(Self.v1).cgroups(.v2).usage(of: "/berth/pod/ctr") == nil)
    #expect(FakeCgroupTree(Self.v2).cgroups(.v1).usage(of: "/berth/pod/ctr") == nil)
  }

  @Test("flat-keyed files: malformed lines are skipped")
  func keyedValues() {
    let values = CgroupFiles.keyedValues("a 1\nb two\n\nc 3 4\n  d   5\n")
    #expect(values == ["a": 1, "d": 5])
  }

  @Test("stats messages carry what the cgroup gave and leave the rest unset")
  func memoryMessage() throws {
    var usage = CgroupUsage()
    usage.memoryBytes = 10
    usage.workingSetBytes = 4
    let memory = StatsMessages.memory(usage, time: 77)
    #expect(memory.timestamp == 77)
    #expect(memory.usageBytes.value == 10)
    #expect(memory.workingSetBytes.value == 4)
    #expect(!memory.hasRssBytes)
    #expect(!memory.hasAvailableBytes)
  }

  @Test("net/dev: counters per interface, loopback and headers skipped, eth0 is the default")
  func netDev() throws {
    let text = """
      Inter-|   Receive                                                |  Transmit
       face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
          lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
        net1:     500       5    1    0    0     0          0         0      600       6    2    0    0     0       0          0
        eth0:    1500      15    3    0    0     0          0         0     2500      25    4    0    0     0       0          0
      """
    let interfaces = NetworkStats.parse(text)
    #expect(interfaces.map(\.name) == ["net1", "eth0"])
    #expect(interfaces[1] == InterfaceCounters(name: "eth0", rxBytes: 1500, rxErrors: 3, txBytes: 2500, txErrors: 4))
    #expect(NetworkStats.defaultInterface(interfaces)?.name == "eth0")
    #expect(NetworkStats.defaultInterface([]) == nil)
  }

  @Test("CPU rate: none for a first sample, nanocores after, the kept sample replaced only after a second")
  func rates() {
    let rates = UsageRates()
    #expect(rates.rate("c", .init(time: 1_000_000_000, usage: 0)) == nil)
    // Half a CPU over two seconds.
    #expect(rates.rate("c", .init(time: 3_000_000_000, usage: 1_000_000_000)) == 500_000_000)
    // 10 ms later: measured against the sample kept at 3 s, which stays.
    #expect(rates.rate("c", .init(time: 3_010_000_000, usage: 1_010_000_000)) == 1_000_000_000)
    #expect(rates.rate("c", .init(time: 4_000_000_000, usage: 1_250_000_000)) == 250_000_000)
    // A counter that went backwards gives no rate and restarts the series.
    #expect(rates.rate("c", .init(time: 5_000_000_000, usage: 10)) == nil)
    #expect(rates.rate("c", .init(time: 7_000_000_000, usage: 2_000_000_010)) == 1_000_000_000)
    #expect(rates.rate("other", .init(time: 7_000_000_000, usage: 5)) == nil)
  }

  @Test("metrics: one per figure the cgroup gave, labelled as the descriptors say")
  func metrics() {
    var usage = CgroupUsage()
    usage.cpuNanoseconds = 3_500_000_000
    usage.workingSetBytes = 4096
    let metrics = PodMetrics.metrics(usage, labels: ["app", "id", "img", "ns", "pod"], time: 9)
    #expect(metrics.map(\.name) == ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"])
    #expect(metrics.map(\.value.value) == [3, 4096])
    #expect(metrics.map(\.metricType) == [.counter, .gauge])
    #expect(metrics.allSatisfy { $0.labelValues.count == PodMetrics.labelKeys.count && $0.timestamp == 9 })
    #expect(PodMetrics.descriptors.map(\.name) == PodMetrics.definitions.map(\.name))
    #expect(PodMetrics.descriptors.allSatisfy { $0.labelKeys == PodMetrics.labelKeys })
  }
}
