#if canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys
import CLinuxSys

/// `pin-namespaces`: makes new network, IPC and/or UTS namespaces that outlive any process, by
/// bind-mounting them onto files (CRI-O's `pinns` idea). berthd gives a pod its namespaces this
/// way instead of keeping a pause process alive; containers join them by path. Not a runc verb:
/// berthd runs it from berth-runtime whatever runtime handler the pod uses.
///
/// `berth-runtime pin-namespaces --dir D --net --ipc --uts [--hostname H] [--sysctl k=v]...`
/// creates `D/net`, `D/ipc`, `D/uts`; the hostname and sysctls are set inside the new
/// namespaces (a net.* sysctl in the network namespace, kernel.shm*/msg*/sem and fs.mqueue.* in
/// the IPC one); a new network namespace gets its `lo` up. On any failure nothing stays
/// mounted or created. `--remove --dir D` undoes it.
enum PinNamespaces: Verb {
  static let name = "pin-namespaces"
  static let summary = "pin new net/ipc/uts namespaces to files (for pods; not a runc verb)"
  static let usage = ""
  static let options: [OptionSpec] = [
    .value("dir", nil, "directory for the namespace files (created)"),
    .flag("net", nil, "a new network namespace, pinned at <dir>/net"),
    .flag("ipc", nil, "a new IPC namespace, pinned at <dir>/ipc"),
    .flag("uts", nil, "a new UTS namespace, pinned at <dir>/uts"),
    .value("hostname", nil, "the hostname in the new UTS namespace"),
    .value("sysctl", nil, "key=value to set inside the new namespaces (repeatable)"),
    .flag("remove", nil, "unmount and remove the namespace files of <dir>"),
  ]

  /// (flag, clone flag, file name) for each namespace kind.
  static let kinds: [(String, Int32, String)] = [
    ("net", 0x4000_0000, "net"), ("ipc", 0x0800_0000, "ipc"), ("uts", 0x0400_0000, "uts"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    guard let dir = arguments.value("dir"), dir.hasPrefix("/") else {
      throw BerthError.invalid("pin-namespaces needs --dir with an absolute path")
    }
    if arguments.flag("remove") {
      try remove(dir: dir)
      return 0
    }
    let chosen = kinds.filter { arguments.flag($0.0) }
    guard !chosen.isEmpty else { throw BerthError.invalid("pin-namespaces: choose at least one of --net, --ipc, --uts") }
    let sysctls = try arguments.all("sysctl").map { entry -> (String, String) in
      guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
        throw BerthError.invalid("pin-namespaces: sysctl \"\(entry)\" is not key=value")
      }
      return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
    }
    try Sys.mkdirAll(dir, mode: 0o755)
    do {
      for (_, _, file) in chosen {
        let fd = open(dir + "/" + file, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0o444)
        if fd < 0 { throw Sys.error("create \(dir)/\(file)") }
        close(fd)
      }
      try Sys.check(berth_unshare(chosen.reduce(0) { $0 | $1.1 }), "unshare")
      // A new network namespace has only `lo`, down; the pod wants it up (what CNI's loopback
      // plugin would do, without running it).
      if chosen.contains(where: { $0.0 == "net" }) { try Sys.check(berth_loopback_up(), "set lo up in the new network namespace") }
      if let hostname = arguments.value("hostname") {
        guard chosen.contains(where: { $0.0 == "uts" }) else {
          throw BerthError.invalid("pin-namespaces: --hostname needs --uts")
        }
        try Sys.check(sethostname(hostname, hostname.utf8.count), "sethostname \(hostname)")
      }
      for (key, value) in sysctls {
        let path = "/proc/sys/" + key.replacing(".", with: "/")
        guard !key.contains("/"), !key.contains("..") else { throw BerthError.invalid("pin-namespaces: bad sysctl \(key)") }
        do { try Sys.writeFile(path, value, create: false) } catch {
          throw BerthError.invalid("sysctl \(key)=\(value): \(error)")
        }
      }
      for (_, _, file) in chosen {
        let target = dir + "/" + file
        if mount("/proc/self/ns/" + file, target, nil, UInt(MS_BIND), nil) != 0 {
          throw Sys.error("bind /proc/self/ns/\(file) to \(target)")
        }
      }
    } catch {
      try? remove(dir: dir)
      throw error
    }
    return 0
  }

  /// Unmounts and removes every namespace file of `dir`, then `dir` itself if it is empty.
  static func remove(dir: String) throws {
    for (_, _, file) in kinds {
      let target = dir + "/" + file
      guard Sys.exists(target, follow: false) else { continue }
      if umount2(target, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
        throw Sys.error("unmount \(target)")
      }
      if unlink(target) != 0 && errno != ENOENT { throw Sys.error("remove \(target)") }
    }
    rmdir(dir)
  }
}
