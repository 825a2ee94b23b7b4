#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys

/// A `cgroup` mount in the config: the container's own cgroups at /sys/fs/cgroup.
/// cgroup v2: a fresh cgroup2 mount when the container has a cgroup namespace (its root is the
/// container's cgroup), else a bind of the container's directory. cgroup v1: a tmpfs holding one
/// bind mount per hierarchy, of the container's directory in it, plus the usual symlinks for
/// co-mounted controllers ("cpu" → "cpu,cpuacct").
struct CgroupMounts {
  let config: InitConfig

  func mount(at target: String, options: MountOptions) throws {
    try Sys.mkdirAll(target)
    let flags = options.flags & ~(MountFlag.bind | MountFlag.rec)
    if let unified = config.cgroupPaths[""], config.cgroupPaths.count == 1 {
      if config.plan.creates(.cgroup) {
        try Mounts.mount("cgroup2", target, "cgroup2", flags, nil)
      } else {
        try Mounts.mount(unified, target, nil, MountFlag.bind | MountFlag.rec, nil)
        if flags != 0 { try Mounts.remount(target, flags: flags | MountFlag.bind) }
      }
      return
    }
    try Mounts.mount("tmpfs", target, "tmpfs", flags & ~MountFlag.rdonly, "mode=755")
    let hierarchies = Self.hierarchies()
    var done = Set<String>()
    for (controller, path) in config.cgroupPaths.sorted(by: { $0.key < $1.key }) where !controller.isEmpty {
      guard let root = hierarchies.first(where: { path == $0 || path.hasPrefix($0 + "/") }) else { continue }
      let name = String(root[root.index(after: root.lastIndex(of: "/")!)...])
      guard done.insert(name).inserted else { continue }
      let dir = target + "/" + name
      try Sys.mkdirAll(dir)
      try Mounts.mount(path, dir, nil, MountFlag.bind | MountFlag.rec, nil)
      try Mounts.remount(dir, flags: flags | MountFlag.bind | MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec)
      if name.contains(",") {
        for single in name.split(separator: ",") where !Sys.exists(target + "/" + single, follow: false) {
          _ = symlink(name, target + "/" + single)
        }
      }
    }
    if flags & MountFlag.rdonly != 0 { try Mounts.remount(target, flags: flags | MountFlag.rdonly) }
  }

  /// Mount points of the host's cgroup v1 hierarchies (and cgroup2), from mountinfo.
  static func hierarchies() -> [String] {
    let info = (try? Sys.readFile("/proc/self/mountinfo")) ?? ""
    var result: [String] = []
    for line in info.split(separator: "\n") {
      let halves = line.split(separator: " - ", maxSplits: 1)
      guard halves.count == 2 else { continue }
      let fstype = halves[1].split(separator: " ").first ?? ""
      guard fstype == "cgroup" || fstype == "cgroup2" else { continue }
      let fields = halves[0].split(separator: " ")
      if fields.count > 4 { result.append(String(fields[4])) }
    }
    return result
  }
}
