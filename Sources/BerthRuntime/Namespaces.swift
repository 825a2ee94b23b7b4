import BerthOCI

/// The namespace types of the spec and their clone flags and /proc/PID/ns names.
enum NamespaceKind: String, CaseIterable {
  case pid, network, mount, ipc, uts, user, cgroup, time

  /// The CLONE_NEW* flag.
  var flag: Int32 {
    switch self {
    case .pid: 0x2000_0000
    case .network: 0x4000_0000
    case .mount: 0x0002_0000
    case .ipc: 0x0800_0000
    case .uts: 0x0400_0000
    case .user: 0x1000_0000
    case .cgroup: 0x0200_0000
    case .time: 0x0000_0080
    }
  }

  /// The name under /proc/PID/ns/.
  var procName: String {
    switch self {
    case .network: "net"
    case .mount: "mnt"
    default: rawValue
    }
  }

  /// The order in which existing namespaces are joined: the user namespace first (it owns the
  /// others, and after it we hold capabilities only there), the mount namespace last (it changes
  /// our root, so paths of the others must be opened before; they are, as fds).
  static let joinOrder: [NamespaceKind] = [.user, .ipc, .uts, .network, .cgroup, .pid, .time, .mount]
}

/// What the config asks of namespaces: which to create and which to join by path.
struct NamespacePlan {
  var create: [NamespaceKind] = []
  var join: [(kind: NamespaceKind, path: String)] = []

  init(_ linux: Spec.Linux?) {
    for ns in linux?.namespaces ?? [] {
      guard let kind = NamespaceKind(rawValue: ns.type) else { continue }
      if let path = ns.path, !path.isEmpty { join.append((kind, path)) } else { create.append(kind) }
    }
    join.sort { a, b in
      NamespaceKind.joinOrder.firstIndex(of: a.kind)! < NamespaceKind.joinOrder.firstIndex(of: b.kind)!
    }
  }

  func creates(_ kind: NamespaceKind) -> Bool { create.contains(kind) }
  func joins(_ kind: NamespaceKind) -> Bool { join.contains { $0.kind == kind } }
  /// True if the container's init is pid 1 of a namespace of its own: when it exits, the kernel
  /// kills every other process of the container. A joined namespace (a pod's) or the host's
  /// keeps the init's children alive, and `delete` must kill them.
  var ownsPidNamespace: Bool { creates(.pid) }

  /// One clone(2) with every new namespace is enough unless something must be joined first or
  /// a time namespace is asked for (CLONE_NEWTIME does not fit clone's flags; it needs unshare
  /// and then a fork). The cgroup namespace is always unshared later, once the process is in its
  /// cgroup, so that the container's cgroup becomes its root.
  var singleClone: Bool { join.isEmpty && !creates(.time) }

  /// The flags for the single clone of the fast path.
  var cloneFlags: UInt64 {
    create.filter { $0 != .cgroup && $0 != .time }.reduce(0) { $0 | UInt64($1.flag) }
  }
}
