import BerthCRIProto
import BerthError
import BerthOCI

/// The capability sets of a container's process, from the CRI security context.
public enum SpecCapabilities {
  /// What an unprivileged container gets without add or drop (the set Docker, containerd and
  /// CRI-O share).
  public static let defaults = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
  ]

  /// Every capability this build knows, for privileged containers and `ALL`.
  public static var all: [String] { Capability.names }

  /// Every capability a process on this node can hold: `all` within the node's bounding set
  /// (nil: no limit). A process cannot gain one outside it; asking fails in capset(2).
  public static func all(within bounding: Set<String>?) -> [String] {
    bounding.map { set in all.filter { set.contains($0) } } ?? all
  }

  /// The process capabilities for a security context.
  ///
  /// Privileged: every capability. Otherwise the defaults, then `add_capabilities: ALL`, then
  /// `drop_capabilities: ALL`, then the named additions, then the named drops (so `drop: ALL`
  /// with `add: NET_ADMIN` leaves NET_ADMIN, and a capability both added and dropped is
  /// dropped). Names may have the `CAP_` prefix or not, in any case.
  ///
  /// Then everything is cut to the node's bounding set (`bounding`, nil: no limit), so the
  /// seccomp profile built from the result allows only what the process can really hold.
  ///
  /// Bounding, effective and permitted get the result. `add_ambient_capabilities` go into every
  /// set, ambient and inheritable included (the kernel raises an ambient capability only if it is
  /// permitted and inheritable); other capabilities are not inheritable, so a non-root process
  /// keeps only its ambient ones across execve.
  /// - Throws: `.invalidArgument` naming an unknown capability
  public static func sets(
    for context: Runtime_V1_LinuxContainerSecurityContext, within bounding: Set<String>? = nil
  ) throws -> Spec.Capabilities {
    let request = context.capabilities
    let add = try request.addCapabilities.map { try normalize($0, field: "add_capabilities") }
    let drop = try request.dropCapabilities.map { try normalize($0, field: "drop_capabilities") }
    let ambient = try request.addAmbientCapabilities.map { try normalize($0, field: "add_ambient_capabilities") }
      .filter { $0 != "ALL" }

    var set: [String]
    if context.privileged {
      set = all
    } else {
      set = defaults
      if add.contains("ALL") { set = all }
      if drop.contains("ALL") { set = [] }
      for name in add + ambient where name != "ALL" && !set.contains(name) { set.append(name) }
      set.removeAll { drop.contains($0) }
    }
    var ambientSet = context.privileged ? ambient : ambient.filter { !drop.contains($0) }
    if let bounding {
      set.removeAll { !bounding.contains($0) }
      ambientSet.removeAll { !bounding.contains($0) }
    }
    let ordered = sorted(set)
    let ambientOrdered = sorted(ambientSet)
    return Spec.Capabilities(
      bounding: ordered, effective: ordered, inheritable: ambientOrdered, permitted: ordered, ambient: ambientOrdered)
  }

  /// `CAP_NAME` for `name`, `NAME` or `cap_name`; `ALL` stays `ALL`.
  static func normalize(_ name: String, field: String) throws -> String {
    let upper = name.uppercased()
    if upper == "ALL" || upper == "CAP_ALL" { return "ALL" }
    guard let number = Capability.number(of: upper), let canonical = Capability.name(of: number) else {
      throw BerthError.invalid("linux.security_context.capabilities.\(field): unknown capability \"\(name)\"")
    }
    return canonical
  }

  /// Capability names in kernel number order, without duplicates.
  static func sorted(_ names: [String]) -> [String] {
    Array(Set(names)).sorted { (Capability.number(of: $0) ?? 0) < (Capability.number(of: $1) ?? 0) }
  }
}
