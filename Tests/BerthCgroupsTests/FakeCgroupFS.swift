import BerthCgroups
import BerthError
import Glibc
import Synchronization

/// An in-memory cgroup filesystem that records every write and rmdir in order.
final class FakeCgroupFS: CgroupFS {
  struct State {
    var files: [String: String] = [:]
    var dirs: Set<String> = ["/"]
    var writes: [Write] = []
    var removed: [String] = []
    /// Path to the errno its writes fail with.
    var failingWrites: [String: Int32] = [:]
    /// Directory to how many more rmdir calls fail with EBUSY.
    var busy: [String: Int] = [:]
  }

  struct Write: Equatable, CustomStringConvertible {
    var path: String
    var value: String
    var description: String { "\(path)=\(value)" }
  }

  typealias Hook = @Sendable (_ path: String, _ value: String, _ state: inout State) -> Void

  let state: Mutex<State>
  let onWrite: Hook?

  init(files: [String: String] = [:], dirs: [String] = [], onWrite: Hook? = nil) {
    var initial = State()
    for dir in dirs { Self.addDirectory(dir, to: &initial) }
    for (path, text) in files {
      initial.files[path] = text
      Self.addDirectory(Self.parent(path), to: &initial)
    }
    state = Mutex(initial)
    self.onWrite = onWrite
  }

  static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }

  static func addDirectory(_ path: String, to state: inout State) {
    var current = path
    while current != "/" && !current.isEmpty {
      state.dirs.insert(current)
      current = parent(current)
    }
  }

  private func failure(_ op: String, _ path: String, _ err: Int32) -> BerthError {
    BerthError(.io, "\(op) \(path): \(String(cString: strerror(err)))", errno: err)
  }

  func read(_ path: String) throws -> String {
    guard let text = state.withLock({ $0.files[path] }) else { throw failure("read", path, ENOENT) }
    return text
  }

  func write(_ path: String, _ value: String) throws {
    try state.withLock { state in
      if let err = state.failingWrites[path] { throw failure("write", path, err) }
      guard state.dirs.contains(Self.parent(path)) else { throw failure("write", path, ENOENT) }
      state.writes.append(Write(path: path, value: value))
      state.files[path] = value
      onWrite?(path, value, &state)
    }
  }

  func mkdirAll(_ path: String) throws {
    state.withLock { Self.addDirectory(path, to: &$0) }
  }

  func rmdir(_ path: String) throws {
    try state.withLock { state in
      guard state.dirs.contains(path) else { throw failure("rmdir", path, ENOENT) }
      if state.dirs.contains(where: { Self.parent($0) == path }) { throw failure("rmdir", path, EBUSY) }
      if let count = state.busy[path], count > 0 {
        state.busy[path] = count - 1
        throw failure("rmdir", path, EBUSY)
      }
      state.dirs.remove(path)
      state.files = state.files.filter { Self.parent($0.key) != path }
      state.removed.append(path)
    }
  }

  func exists(_ path: String) -> Bool {
    state.withLock { $0.dirs.contains(path) || $0.files[path] != nil }
  }

  func isDirectory(_ path: String) -> Bool {
    state.withLock { $0.dirs.contains(path) }
  }

  func list(_ path: String) throws -> [String] {
    try state.withLock { state in
      guard state.dirs.contains(path) else { throw failure("opendir", path, ENOENT) }
      let children = state.dirs.filter { Self.parent($0) == path } + state.files.keys.filter { Self.parent($0) == path }
      return children.map { String($0.dropFirst(path == "/" ? 1 : path.count + 1)) }.sorted()
    }
  }

  // MARK: Test accessors

  var writes: [Write] { state.withLock { $0.writes } }
  var removed: [String] { state.withLock { $0.removed } }
  func file(_ path: String) -> String? { state.withLock { $0.files[path] } }
  func hasDirectory(_ path: String) -> Bool { state.withLock { $0.dirs.contains(path) } }
  func failWrites(to path: String, errno err: Int32) { state.withLock { $0.failingWrites[path] = err } }
  func setBusy(_ path: String, times: Int) { state.withLock { $0.busy[path] = times } }
  func clearWrites() { state.withLock { $0.writes = [] } }

  /// The writes below `dir`, as "file=value" with the directory stripped.
  func writes(in dir: String) -> [String] {
    writes.filter { $0.path.hasPrefix(dir + "/") }.map { "\($0.path.dropFirst(dir.count + 1))=\($0.value)" }
  }
}

/// Sample host texts.
enum Samples {
  /// This development machine: v1 controllers, cpu and cpuacct mounted apart, cgroup2 at unified.
  static let hybridMountinfo = """
    22 1 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

    """

  /// A classic v1 host with co-mounted cpu,cpuacct and net_cls,net_prio and optional fields.
  static let v1Mountinfo = """
    25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
    26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
    29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
    30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
    31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
    32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
    33 25 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset,clone_children
    """

  /// A pure cgroup v2 host.
  static let v2Mountinfo = """
    24 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
    25 22 0:23 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw
    """

  static let v1ProcCgroup = """
    12:pids:/user.slice/session-1.scope
    5:cpu,cpuacct:/user.slice
    4:memory:/user.slice/session-1.scope
    3:net_cls,net_prio:/
    2:cpuset:/
    1:name=systemd:/user.slice/session-1.scope
    0::/user.slice/session-1.scope

    """
}
