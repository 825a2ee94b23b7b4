import BerthError
import Testing

@testable import BerthCgroups

@Suite struct ModeDetectionTests {
  @Test(arguments: [
    (Samples.v1Mountinfo, CgroupMode.v1),
    (Samples.hybridMountinfo, CgroupMode.hybrid),
    (Samples.v2Mountinfo, CgroupMode.v2),
  ])
  func detectsMode(mountinfo: String, expected: CgroupMode) throws {
    let fs = FakeCgroupFS(files: ["/proc/self/mountinfo": mountinfo])
    #expect(try Cgroups.detectMode(fs: fs) == expected)
  }

  @Test func noCgroupMountIsUnsupported() {
    let fs = FakeCgroupFS(files: ["/proc/self/mountinfo": "22 1 0:20 / /sys rw - sysfs sysfs rw\n"])
    #expect { try Cgroups.detectMode(fs: fs) } throws: { ($0 as? BerthError)?.code == .unsupported }
  }

  @Test func parsesControllersAndSkipsNamedHierarchies() {
    let mounts = Cgroups.parseMountinfo(Samples.v1Mountinfo)
    #expect(mounts.map(\.mountPoint) == [
      "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/net_cls,net_prio",
      "/sys/fs/cgroup/pids", "/sys/fs/cgroup/cpuset",
    ])
    #expect(mounts[0].controllers == ["cpu", "cpuacct"])
    // clone_children is a mount option, not a controller.
    #expect(mounts[4].controllers == ["cpuset"])
  }

  @Test func unescapesMountPoints() {
    let text = "40 31 0:37 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory\n"
    #expect(Cgroups.parseMountinfo(text).first?.mountPoint == "/mnt/my cgroups")
  }
}

@Suite struct PathResolutionTests {
  func fakeHost(_ mountinfo: String) -> FakeCgroupFS {
    FakeCgroupFS(files: ["/proc/self/mountinfo": mountinfo, "/proc/self/cgroup": Samples.v1ProcCgroup])
  }

  @Test func absolutePathIsBelowEachHierarchyRoot() throws {
    let manager = try Cgroups.manager(cgroupsPath: "/berth/c1", id: "c1", fs: fakeHost(Samples.v1Mountinfo))
    #expect(manager.mode == .v1)
    #expect(manager.paths == [
      "cpu": "/sys/fs/cgroup/cpu,cpuacct/berth/c1", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/berth/c1",
      "memory": "/sys/fs/cgroup/memory/berth/c1", "net_cls": "/sys/fs/cgroup/net_cls,net_prio/berth/c1",
      "net_prio": "/sys/fs/cgroup/net_cls,net_prio/berth/c1", "pids": "/sys/fs/cgroup/pids/berth/c1",
      "cpuset": "/sys/fs/cgroup/cpuset/berth/c1",
    ])
  }

  @Test func relativePathIsBelowOwnCgroupPerController() throws {
    let manager = try Cgroups.manager(cgroupsPath: "berth/c1", id: "c1", fs: fakeHost(Samples.v1Mountinfo))
    #expect(manager.paths["pids"] == "/sys/fs/cgroup/pids/user.slice/session-1.scope/berth/c1")
    #expect(manager.paths["cpu"] == "/sys/fs/cgroup/cpu,cpuacct/user.slice/berth/c1")
    #expect(manager.paths["cpuset"] == "/sys/fs/cgroup/cpuset/berth/c1")
  }

  @Test(arguments: [nil, ""] as [String?])
  func defaultPathIsSlashID(path: String?) throws {
    let manager = try Cgroups.manager(cgroupsPath: path, id: "abc", fs: fakeHost(Samples.v2Mountinfo))
    #expect(manager.mode == .v2)
    #expect(manager.paths == ["": "/sys/fs/cgroup/abc"])
  }

  @Test func hybridAddsUnifiedPath() throws {
    let manager = try Cgroups.manager(cgroupsPath: "/x", id: "x", fs: fakeHost(Samples.hybridMountinfo))
    #expect(manager.mode == .hybrid)
    #expect(manager.paths[""] == "/sys/fs/cgroup/unified/x")
    #expect(manager.paths["memory"] == "/sys/fs/cgroup/memory/x")
    #expect(manager.paths["name=systemd"] == nil)
    #expect(manager.paths.count == 9)
  }

  @Test func dotsInsideTheHierarchyAreCleaned() throws {
    let manager = try Cgroups.manager(cgroupsPath: "/a/./b/../c", id: "c", fs: fakeHost(Samples.v2Mountinfo))
    #expect(manager.paths[""] == "/sys/fs/cgroup/a/c")
    let relative = try Cgroups.manager(cgroupsPath: "../c", id: "c", fs: fakeHost(Samples.v2Mountinfo))
    #expect(relative.paths[""] == "/sys/fs/cgroup/user.slice/c")
  }

  @Test(arguments: ["/../etc", "/a/../../b", "../../../x", "/..", "/"])
  func escapingOrRootPathsAreRejected(path: String) {
    let host = fakeHost(Samples.v2Mountinfo)
    #expect { try Cgroups.manager(cgroupsPath: path, id: "c", fs: host) } throws: {
      ($0 as? BerthError)?.code == .invalidArgument
    }
  }

  @Test func mountRootIsStrippedFromOwnPath() throws {
    let mount = CgroupMount(mountPoint: "/sys/fs/cgroup/memory", root: "/docker/abc", fsType: "cgroup", controllers: ["memory"])
    let dir = try Cgroups.resolve("child", mount: mount, ownPath: "/docker/abc/inner")
    #expect(dir == "/sys/fs/cgroup/memory/inner/child")
  }

  @Test func parsesProcCgroup() {
    let own = Cgroups.parseProcCgroup(Samples.v1ProcCgroup)
    #expect(own["cpu"] == "/user.slice")
    #expect(own["cpuacct"] == "/user.slice")
    #expect(own[""] == "/user.slice/session-1.scope")
    #expect(own["name=systemd"] == "/user.slice/session-1.scope")
  }

  @Test func rebuildsFromSavedPaths() {
    let fs = FakeCgroupFS(files: ["/sys/fs/cgroup/cgroup.controllers": "cpu memory"])
    let manager = Cgroups.manager(mode: .v2, paths: ["": "/sys/fs/cgroup/a/b"], fs: fs)
    #expect((manager as? CgroupV2Manager)?.root == "/sys/fs/cgroup")
    #expect(manager.paths == ["": "/sys/fs/cgroup/a/b"])
  }
}
