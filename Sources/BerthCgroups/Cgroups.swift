import BerthError
import BerthOCI

/// Builds the cgroup manager that fits the host.
public enum Cgroups {
  /// The v1 controllers Berth knows; other names in a cgroup mount's options are mount options.
  static let knownControllers: Set<String> = [
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
    "perf_event", "hugetlb", "pids", "rdma", "misc",
  ]

  /// Detects the host mode from /proc/self/mountinfo.
  /// - Parameter fs: the filesystem to read mountinfo through
  /// - Returns: `.v2` when only cgroup2 is mounted, `.hybrid` when v1 controllers and cgroup2 are
  ///   both mounted, `.v1` when only v1 controllers are
  public static func detectMode(fs: some CgroupFS) throws -> CgroupMode {
    try detectMode(mounts: parseMountinfo(fs.read("/proc/self/mountinfo")))
  }

  /// Detects the host mode, builds the manager and resolves this container's cgroup paths.
  /// - Parameters:
  ///   - cgroupsPath: `linux.cgroupsPath`; absolute paths are relative to each hierarchy root,
  ///     relative ones to this process's own cgroup, nil or empty means "/" + `id`
  ///   - id: the container id
  ///   - fs: the filesystem seam
  /// - Throws: `BerthError.invalid` for a path that escapes the hierarchy root
  public static func manager(
    cgroupsPath: String?, id: String, fs: some CgroupFS = RealCgroupFS()
  ) throws -> any CgroupManager {
    try manager(cgroupsPath: cgroupsPath, id: id, fs: fs, deviceProgramLoader: nil)
  }

  /// Like ``manager(cgroupsPath:id:fs:)``, with the function that loads and attaches the cgroup v2
  /// device eBPF program. Without a loader, device rules are not enforced on cgroup v2.
  /// - Parameters:
  ///   - cgroupsPath: `linux.cgroupsPath`
  ///   - id: the container id
  ///   - fs: the filesystem seam
  ///   - deviceProgramLoader: loads the device program into a cgroup v2 directory
  public static func manager(
    cgroupsPath: String?, id: String, fs: some CgroupFS, deviceProgramLoader: DeviceProgramLoader?
  ) throws -> any CgroupManager {
    let mounts = parseMountinfo(try fs.read("/proc/self/mountinfo"))
    let mode = try detectMode(mounts: mounts)
    let own = parseProcCgroup(try fs.read("/proc/self/cgroup"))
    let requested = (cgroupsPath ?? "").isEmpty ? "/" + id : cgroupsPath ?? ""
    if requested == "/" { throw BerthError.invalid("cgroups path for container \(id) is empty") }
    var paths: [String: String] = [:]
    if mode != .v1, let unified = unifiedMount(mounts) {
      paths[""] = try resolve(requested, mount: unified, ownPath: own[""])
    }
    if mode != .v2 {
      for mount in mounts where mount.fsType == "cgroup" {
        for controller in mount.controllers {
          paths[controller] = try resolve(requested, mount: mount, ownPath: own[controller])
        }
      }
    }
    if mode == .v2, let unified = unifiedMount(mounts) {
      return CgroupV2Manager(
        path: paths[""] ?? "", root: unified.mountPoint, fs: fs, deviceProgramLoader: deviceProgramLoader)
    }
    return manager(mode: mode, paths: paths, fs: fs, deviceProgramLoader: deviceProgramLoader)
  }

  /// Rebuilds the manager of an existing cgroup from saved `paths` (as ``CgroupManager/paths``
  /// returned them), without reading the host's mounts.
  /// - Parameters:
  ///   - mode: the host mode the paths were made for
  ///   - paths: controller ("" for unified) to cgroup directory
  ///   - fs: the filesystem seam
  ///   - deviceProgramLoader: loads the cgroup v2 device program, if available
  public static func manager(
    mode: CgroupMode, paths: [String: String], fs: some CgroupFS = RealCgroupFS(),
    deviceProgramLoader: DeviceProgramLoader? = nil
  ) -> any CgroupManager {
    switch mode {
    case .v2:
      return CgroupV2Manager(path: paths[""] ?? "", fs: fs, deviceProgramLoader: deviceProgramLoader)
    case .v1, .hybrid:
      return CgroupV1Manager(mode: mode, paths: paths, fs: fs)
    }
  }

  static func detectMode(mounts: [CgroupMount]) throws -> CgroupMode {
    let hasV1 = mounts.contains { $0.fsType == "cgroup" && !$0.controllers.isEmpty }
    let hasV2 = mounts.contains { $0.fsType == "cgroup2" }
    switch (hasV1, hasV2) {
    case (true, true): return .hybrid
    case (true, false): return .v1
    case (false, true): return .v2
    case (false, false): throw BerthError(.unsupported, "no cgroup hierarchy is mounted (/proc/self/mountinfo)")
    }
  }

  /// The cgroup2 mount, preferring /sys/fs/cgroup and then /sys/fs/cgroup/unified.
  static func unifiedMount(_ mounts: [CgroupMount]) -> CgroupMount? {
    let v2 = mounts.filter { $0.fsType == "cgroup2" }
    return v2.first { $0.mountPoint == "/sys/fs/cgroup" }
      ?? v2.first { $0.mountPoint == "/sys/fs/cgroup/unified" } ?? v2.first
  }
}

/// A cgroup or cgroup2 mount from /proc/self/mountinfo.
struct CgroupMount: Equatable, Sendable {
  /// Where it is mounted.
  var mountPoint: String
  /// The cgroup the mount shows as its root ("/" unless mounted from inside a cgroup namespace).
  var root: String
  /// "cgroup" or "cgroup2".
  var fsType: String
  /// The v1 controllers of the hierarchy; empty for cgroup2 and named hierarchies.
  var controllers: [String]
}

extension Cgroups {
  /// The cgroup mounts of a mountinfo text: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS] - TYPE SRC SUPER".
  static func parseMountinfo(_ text: String) -> [CgroupMount] {
    var mounts: [CgroupMount] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 4 else { continue }
      let fsType = String(fields[dash + 1])
      guard fsType == "cgroup" || fsType == "cgroup2" else { continue }
      let controllers = fields[dash + 3].split(separator: ",").map(String.init).filter {
        knownControllers.contains($0)
      }
      if fsType == "cgroup" && controllers.isEmpty { continue }  // name=systemd and the like
      mounts.append(
        CgroupMount(
          mountPoint: unescapeOctal(String(fields[4])), root: unescapeOctal(String(fields[3])),
          fsType: fsType, controllers: fsType == "cgroup" ? controllers : []))
    }
    return mounts
  }

  /// Controller ("" for the unified line "0::/path") to this process's cgroup path, from
  /// /proc/self/cgroup lines "N:ctrl1,ctrl2:/path".
  static func parseProcCgroup(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      let path = String(parts[2])
      if parts[1].isEmpty {
        result[""] = path
      } else {
        for controller in parts[1].split(separator: ",") { result[String(controller)] = path }
      }
    }
    return result
  }

  /// The directory of `cgroupsPath` in the hierarchy mounted by `mount`.
  static func resolve(_ cgroupsPath: String, mount: CgroupMount, ownPath: String?) throws -> String {
    var path = cgroupsPath
    if !path.hasPrefix("/") {
      var own = ownPath ?? "/"
      // Our own path is shown from the real root; the mount may expose only a subtree of it.
      if mount.root != "/", own.hasPrefix(mount.root) { own = String(own.dropFirst(mount.root.count)) }
      path = own + "/" + path
    }
    let clean = try cleanPath(path, original: cgroupsPath)
    if clean == "/" { throw BerthError.invalid("cgroups path \(cgroupsPath) resolves to the root cgroup") }
    return mount.mountPoint == "/" ? clean : mount.mountPoint + clean
  }

  /// `path` made absolute with "." and ".." removed; throws if ".." climbs above the root.
  static func cleanPath(_ path: String, original: String) throws -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      switch part {
      case ".": continue
      case "..":
        if parts.isEmpty { throw BerthError.invalid("cgroups path \(original) escapes the cgroup root") }
        parts.removeLast()
      default: parts.append(part)
      }
    }
    return "/" + parts.joined(separator: "/")
  }

  /// Decodes mountinfo's "\040"-style octal escapes.
  static func unescapeOctal(_ text: String) -> String {
    guard text.contains("\\") else { return text }
    var bytes: [UInt8] = []
    let utf8 = Array(text.utf8)
    var i = 0
    while i < utf8.count {
      if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
        let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        i += 4
      } else {
        bytes.append(utf8[i])
        i += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
