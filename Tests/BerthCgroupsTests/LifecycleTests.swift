import Foundation
import BerthError
import Glibc
import Testing

@testable import BerthCgroups

@Suite struct V1LifecycleTests {
  @Test func cpusetLevelsCopyTheirParent() throws {
    let fs = FakeCgroupFS(files: [
      "/sys/fs/cgroup/cpuset/cpuset.cpus": "0-3\n", "/sys/fs/cgroup/cpuset/cpuset.mems": "0\n",
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": "1",
    ])
    let manager = CgroupV1Manager(
      mode: .v1, paths: ["cpuset": "/sys/fs/cgroup/cpuset/a/b", "memory": "/sys/fs/cgroup/memory/a/b"], fs: fs)
    try manager.create()
    #expect(fs.writes.map(\.description) == [
      "/sys/fs/cgroup/cpuset/a/cpuset.cpus=0-3", "/sys/fs/cgroup/cpuset/a/cpuset.mems=0",
      "/sys/fs/cgroup/cpuset/a/b/cpuset.cpus=0-3", "/sys/fs/cgroup/cpuset/a/b/cpuset.mems=0",
    ])
    #expect(fs.hasDirectory("/sys/fs/cgroup/memory/a/b"))
  }

  @Test func populatedCpusetIsLeftAlone() throws {
    let fs = FakeCgroupFS(files: [
      "/sys/fs/cgroup/cpuset/cpuset.cpus": "0-3", "/sys/fs/cgroup/cpuset/cpuset.mems": "0",
      "/sys/fs/cgroup/cpuset/a/cpuset.cpus": "1", "/sys/fs/cgroup/cpuset/a/cpuset.mems": "0",
      "/sys/fs/cgroup/cpuset/a/b/cpuset.cpus": "", "/sys/fs/cgroup/cpuset/a/b/cpuset.mems": "0",
    ])
    try CgroupV1Manager(mode: .v1, paths: ["cpuset": "/sys/fs/cgroup/cpuset/a/b"], fs: fs).create()
    #expect(fs.writes.map(\.description) == ["/sys/fs/cgroup/cpuset/a/b/cpuset.cpus=1"])
  }

  @Test func addProcessJoinsEachHierarchyOnceIncludingUnified() throws {
    let paths = [
      "cpu": "/sys/fs/cgroup/cpu,cpuacct/c", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/c",
      "pids": "/sys/fs/cgroup/pids/c", "": "/sys/fs/cgroup/unified/c",
    ]
    let fs = FakeCgroupFS(dirs: Array(paths.values))
    try CgroupV1Manager(mode: .hybrid, paths: paths, fs: fs).addProcess(4242)
    #expect(fs.writes.map(\.description).sorted() == [
      "/sys/fs/cgroup/cpu,cpuacct/c/cgroup.procs=4242", "/sys/fs/cgroup/pids/c/cgroup.procs=4242",
      "/sys/fs/cgroup/unified/c/cgroup.procs=4242",
    ])
  }

  @Test func processesComeFromPidsHierarchyRecursively() throws {
    let fs = FakeCgroupFS(files: [
      "/sys/fs/cgroup/pids/c/cgroup.procs": "10\n11\n", "/sys/fs/cgroup/pids/c/sub/cgroup.procs": "12\n",
      "/sys/fs/cgroup/memory/c/cgroup.procs": "99\n",
    ])
    let manager = CgroupV1Manager(
      mode: .v1, paths: ["pids": "/sys/fs/cgroup/pids/c", "memory": "/sys/fs/cgroup/memory/c"], fs: fs)
    #expect(try manager.processes() == [10, 11, 12])
  }

  @Test func destroyRemovesChildrenFirstAndRetriesBusy() throws {
    let fs = FakeCgroupFS(
      files: ["/sys/fs/cgroup/pids/c/cgroup.procs": "", "/sys/fs/cgroup/pids/c/x/y/cgroup.procs": ""],
      dirs: ["/sys/fs/cgroup/memory/c", "/sys/fs/cgroup/pids/c/w"])
    fs.setBusy("/sys/fs/cgroup/pids/c", times: 2)
    let manager = CgroupV1Manager(
      mode: .v1,
      paths: ["pids": "/sys/fs/cgroup/pids/c", "memory": "/sys/fs/cgroup/memory/c", "freezer": "/sys/fs/cgroup/freezer/gone"],
      fs: fs)
    try manager.destroy()
    #expect(fs.removed == [
      "/sys/fs/cgroup/memory/c", "/sys/fs/cgroup/pids/c/w", "/sys/fs/cgroup/pids/c/x/y", "/sys/fs/cgroup/pids/c/x",
      "/sys/fs/cgroup/pids/c",
    ])
    #expect(fs.hasDirectory("/sys/fs/cgroup/pids"))
  }

  @Test func destroyGivesUpOnPersistentBusy() {
    let fs = FakeCgroupFS(dirs: ["/sys/fs/cgroup/pids/c"])
    fs.setBusy("/sys/fs/cgroup/pids/c", times: 100)
    let manager = CgroupV1Manager(mode: .v1, paths: ["pids": "/sys/fs/cgroup/pids/c"], fs: fs)
    #expect { try manager.destroy() } throws: { ($0 as? BerthError)?.errno == EBUSY }
  }

  @Test func freezeAndThawWriteFreezerState() throws {
    let dir = "/sys/fs/cgroup/freezer/c"
    let fs = FakeCgroupFS(files: ["\(dir)/freezer.state": "THAWED\n"])
    let manager = CgroupV1Manager(mode: .v1, paths: ["freezer": dir], fs: fs)
    #expect(try manager.isFrozen() == false)
    try manager.freeze()
    #expect(try manager.isFrozen())
    try manager.thaw()
    #expect(fs.writes(in: dir) == ["freezer.state=FROZEN", "freezer.state=THAWED"])
    #expect(try manager.isFrozen() == false)
  }

  @Test func freezeWaitsWhileFreezing() throws {
    let dir = "/sys/fs/cgroup/freezer/c"
    // The kernel reports FREEZING until, 20 ms later, the freeze completes. The "kernel" is a
    // plain thread: freeze() blocks its caller, and a Task could starve on a 2-core pool.
    let fs = FakeCgroupFS(files: ["\(dir)/freezer.state": "THAWED"]) { path, value, state in
      if value == "FROZEN" { state.files[path] = "FREEZING" }
    }
    let manager = CgroupV1Manager(mode: .v1, paths: ["freezer": dir], fs: fs)
    let settled = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      usleep(20_000)
      fs.state.withLock { $0.files["\(dir)/freezer.state"] = "FROZEN" }
      settled.signal()
    }
    try manager.freeze()
    settled.wait()
    #expect(try manager.isFrozen())
  }

  @Test func freezeWithoutFreezerIsUnsupported() {
    let manager = CgroupV1Manager(mode: .v1, paths: ["memory": "/m"], fs: FakeCgroupFS())
    #expect { try manager.freeze() } throws: { ($0 as? BerthError)?.code == .unsupported }
  }

  @Test func oomKillCountFromOomControl() {
    let fs = FakeCgroupFS(files: ["/m/c/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"])
    #expect(CgroupV1Manager(mode: .v1, paths: ["memory": "/m/c"], fs: fs).oomKillCount() == 3)
    #expect(CgroupV1Manager(mode: .v1, paths: [:], fs: fs).oomKillCount() == 0)
  }
}

@Suite struct V2LifecycleTests {
  /// A fake whose cgroup.freeze writes settle cgroup.events immediately, as the kernel does for an
  /// empty cgroup.
  func freezableFS() -> FakeCgroupFS {
    FakeCgroupFS(files: [
      "\(v2Dir)/cgroup.freeze": "0", "\(v2Dir)/cgroup.events": "populated 1\nfrozen 0\n",
    ]) { path, value, state in
      if path.hasSuffix("/cgroup.freeze") {
        state.files[FakeCgroupFS.parent(path) + "/cgroup.events"] = "populated 1\nfrozen \(value)\n"
      }
    }
  }

  @Test func freezeAndThawWaitForEvents() throws {
    let fs = freezableFS()
    let manager = CgroupV2Manager(path: v2Dir, root: "/sys/fs/cgroup", fs: fs)
    try manager.freeze()
    #expect(try manager.isFrozen())
    try manager.thaw()
    #expect(try manager.isFrozen() == false)
    #expect(fs.writes(in: v2Dir) == ["cgroup.freeze=1", "cgroup.freeze=0"])
  }

  @Test func processesAddAndDestroy() throws {
    let fs = FakeCgroupFS(files: ["\(v2Dir)/cgroup.procs": "7\n", "\(v2Dir)/init/cgroup.procs": "8\n9\n"])
    let manager = CgroupV2Manager(path: v2Dir, root: "/sys/fs/cgroup", fs: fs)
    try manager.addProcess(7)
    #expect(fs.writes(in: v2Dir) == ["cgroup.procs=7"])
    #expect(try manager.processes() == [7, 8, 9])
    try manager.destroy()
    #expect(fs.removed == ["\(v2Dir)/init", v2Dir])
    try manager.destroy()  // already gone
  }

  @Test func oomKillCountFromMemoryEvents() {
    let fs = FakeCgroupFS(files: ["\(v2Dir)/memory.events": "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n"])
    #expect(CgroupV2Manager(path: v2Dir, root: "/sys/fs/cgroup", fs: fs).oomKillCount() == 2)
  }
}

