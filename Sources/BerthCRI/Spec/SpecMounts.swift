import BerthCRIProto
import BerthError
import BerthOCI

/// The `mounts` of containers and sandboxes.
enum SpecMounts {
  /// The filesystems every container gets: proc, a tmpfs `/dev` with devpts, shm and mqueue,
  /// sysfs and the cgroup hierarchy (read-only unless privileged, as the CRI asks).
  static func defaults(privileged: Bool) -> [Spec.Mount] {
    let mode = privileged ? "rw" : "ro"
    return [
      Spec.Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
      Spec.Mount(
        destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
      Spec.Mount(
        destination: "/dev/pts", type: "devpts", source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
      Spec.Mount(
        destination: "/dev/shm", type: "tmpfs", source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
      Spec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
      Spec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", mode]),
      Spec.Mount(
        destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", mode]),
    ]
  }

  /// A bind of a file or directory the pod provides (`/etc/hosts`, `/dev/shm`, ...).
  static func podBind(_ source: String, at destination: String, readonly: Bool) -> Spec.Mount {
    Spec.Mount(
      destination: destination, type: "bind", source: source,
      options: ["rbind", "rprivate", "nosuid", "nodev", "noexec", readonly ? "ro" : "rw"])
  }

  /// The pod files a container gets unless its own mounts cover them: `/etc/hostname`,
  /// `/etc/hosts` and `/etc/resolv.conf` (read-only with a read-only rootfs) and the pod's
  /// `/dev/shm` (the host's with host IPC).
  static func podFiles(_ environment: SandboxEnvironment, readonly: Bool) -> [Spec.Mount] {
    var mounts: [Spec.Mount] = []
    if let path = environment.hostnamePath { mounts.append(podBind(path, at: "/etc/hostname", readonly: readonly)) }
    if let path = environment.hostsPath { mounts.append(podBind(path, at: "/etc/hosts", readonly: readonly)) }
    if let path = environment.resolvConfPath { mounts.append(podBind(path, at: "/etc/resolv.conf", readonly: readonly)) }
    if let path = environment.shmPath ?? (environment.hostIPC ? "/dev/shm" : nil) {
      mounts.append(podBind(path, at: "/dev/shm", readonly: false))
    }
    return mounts
  }

  /// One CRI mount as a bind: `rbind`, the propagation (`rprivate`, `rslave` or `rshared`) and
  /// `ro`, `rro` (recursive read-only) or `rw`. A slave or shared mount makes the rootfs
  /// propagation at least as open, or the host's events never reach the mount.
  ///
  /// `selinux_relabel` is ignored (no SELinux here, as containerd does when it is disabled).
  /// - Throws: `.invalidArgument` for a relative container or host path, a missing host path, or a
  ///   recursive read-only mount that is not read-only and private; `.unsupported` for image
  ///   volumes and ID-mapped mounts
  static func criMount(_ mount: Runtime_V1_Mount, index: Int, rootfsPropagation: inout String?) throws -> Spec.Mount {
    let field = "mounts[\(index)]"
    guard mount.containerPath.hasPrefix("/") else {
      throw BerthError.invalid("\(field).container_path \"\(mount.containerPath)\" must be an absolute path")
    }
    if mount.hasImage, !mount.image.image.isEmpty {
      throw BerthError(.unsupported, "\(field): image volumes (mount.image) are not supported by berthd")
    }
    guard !mount.hostPath.isEmpty else { throw BerthError.invalid("\(field).host_path must be set") }
    guard mount.hostPath.hasPrefix("/") else {
      throw BerthError.invalid("\(field).host_path \"\(mount.hostPath)\" must be an absolute path")
    }
    guard mount.uidMappings.isEmpty, mount.gidMappings.isEmpty else {
      throw BerthError(.unsupported, "\(field): ID-mapped mounts need user namespaces, which berthd does not support")
    }
    var options = ["rbind"]
    switch mount.propagation {
    case .propagationPrivate:
      options.append("rprivate")
    case .propagationHostToContainer:
      options.append("rslave")
      if rootfsPropagation != "rshared" { rootfsPropagation = "rslave" }
    case .propagationBidirectional:
      options.append("rshared")
      rootfsPropagation = "rshared"
    case .UNRECOGNIZED(let value):
      throw BerthError.invalid("\(field).propagation: unknown value \(value)")
    }
    if mount.recursiveReadOnly {
      guard mount.readonly else {
        throw BerthError.invalid("\(field): recursive_read_only needs readonly")
      }
      guard mount.propagation == .propagationPrivate else {
        throw BerthError.invalid("\(field): recursive_read_only needs propagation PROPAGATION_PRIVATE")
      }
      options.append("rro")
    } else {
      options.append(mount.readonly ? "ro" : "rw")
    }
    return Spec.Mount(destination: mount.containerPath, type: "bind", source: mount.hostPath, options: options)
  }

  /// The final list: the defaults not covered by a supplied mount (nothing under `/dev` when
  /// `/dev` itself is supplied), then the supplied mounts, shallowest destination first so a
  /// mount never hides a deeper one (stable for equal depths).
  static func merge(defaults: [Spec.Mount], supplied: [Spec.Mount]) -> [Spec.Mount] {
    let destinations = Set(supplied.map { clean($0.destination) })
    let kept = defaults.filter { mount in
      let destination = clean(mount.destination)
      if destinations.contains(destination) { return false }
      return !(destinations.contains("/dev") && destination.hasPrefix("/dev/"))
    }
    let ordered = supplied.enumerated().sorted { lhs, rhs in
      let (left, right) = (depth(lhs.element.destination), depth(rhs.element.destination))
      return left != right ? left < right : lhs.offset < rhs.offset
    }.map(\.element)
    return kept + ordered
  }

  /// The number of components of a cleaned path (`/` is 0).
  static func depth(_ path: String) -> Int { clean(path).split(separator: "/").count }

  /// A path without empty, `.` and `..` components, always absolute (lexical only, like
  /// `filepath.Clean` on an absolute path).
  static func clean(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      if part == "." { continue }
      if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }
}
