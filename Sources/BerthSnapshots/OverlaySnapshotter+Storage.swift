#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthSys

/// Every snapshot of a root, read from the `info` files under the lock.
struct SnapshotIndex {
  var byKey: [String: SnapshotInfo] = [:]
  /// The highest directory number in use, debris included.
  var highestID = 0

  /// The snapshot named `key`, or a not-found error.
  func find(_ key: String) throws -> SnapshotInfo {
    guard let info = byKey[key] else { throw BerthError(.notFound, "snapshot \"\(key)\" does not exist") }
    return info
  }

  /// The fs directory numbers of `parent` and its ancestors, nearest first.
  func chain(from parent: String?) throws -> [Int] {
    var ids: [Int] = []
    var next = parent
    while let key = next {
      let info = try find(key)
      guard info.kind == .committed else {
        throw BerthError.state("parent snapshot \"\(key)\" is \(info.kind.rawValue), not committed")
      }
      ids.append(info.id)
      guard ids.count <= byKey.count else { throw BerthError.state("snapshot \"\(key)\" has a parent cycle") }
      next = info.parent
    }
    return ids
  }
}

extension OverlaySnapshotter {
  /// The directory of snapshot number `id`.
  func directory(_ id: Int) -> String { root + "/snapshots/" + String(id) }

  /// Runs `body` holding the root's lock, so other processes see each operation whole.
  func locked<T>(_ body: () throws -> T) throws -> T {
    let lock = try FileLock(path: root + "/metadata.lock")
    defer { _ = lock.fd }  // held until the end of this scope
    return try body()
  }

  /// Reads every `info` file. Call with the lock held.
  func loadIndex() throws -> SnapshotIndex {
    var index = SnapshotIndex()
    for name in try Sys.listDirectory(root + "/snapshots") {
      guard let id = Int(name), String(id) == name, id > 0 else { continue }
      index.highestID = max(index.highestID, id)
      let path = directory(id) + "/info"
      guard Sys.exists(path) else { continue }  // debris of a crash: see `cleanup`
      let info = try SnapshotInfo(decoding: try Sys.readFile(path), id: id, path: path)
      index.byKey[info.key] = info
    }
    return index
  }

  /// Replaces the `info` file of `info.id` atomically.
  func writeInfo(_ info: SnapshotInfo) throws {
    try Sys.writeFileAtomically(directory(info.id) + "/info", Array(info.encoded.utf8), mode: 0o600)
  }

  /// prepare and view: a new directory with `fs` and `work`, then its `info` last.
  func create(key: String, parent: String?, kind: SnapshotKind) throws -> [Mount] {
    try SnapshotInfo.validateKey(key, "snapshot key")
    if let parent { try SnapshotInfo.validateKey(parent, "parent key") }
    return try locked {
      let index = try loadIndex()
      if index.byKey[key] != nil { throw BerthError(.alreadyExists, "snapshot \"\(key)\" already exists") }
      let depth = try index.chain(from: parent).count
      guard depth < Self.maxLowerDirs else {
        throw BerthError(.unsupported, "parent chain of \"\(key)\" is \(depth) layers deep, more than \(Self.maxLowerDirs) overlay lower directories")
      }
      let info = SnapshotInfo(key: key, parent: parent, kind: kind, created: Clock.rfc3339Now(), id: index.highestID + 1)
      let dir = directory(info.id)
      do {
        try Sys.check(mkdir(dir, 0o700), "mkdir \(dir)")
        // fs is the container's root directory when mounted: 0755 like any rootfs.
        try Sys.check(mkdir(dir + "/fs", 0o755), "mkdir \(dir)/fs")
        try Sys.check(mkdir(dir + "/work", 0o700), "mkdir \(dir)/work")
        try writeInfo(info)
      } catch {
        try? Sys.removeAll(dir)
        throw error
      }
      var updated = index
      updated.byKey[key] = info
      return try mounts(for: info, index: updated)
    }
  }

  /// The mounts that assemble `info` from its own directory and its parents'.
  func mounts(for info: SnapshotInfo, index: SnapshotIndex) throws -> [Mount] {
    let own = directory(info.id)
    let lowers = try index.chain(from: info.parent).map { directory($0) + "/fs" }
    switch (info.kind, lowers.count) {
    case (.committed, _):
      throw BerthError.state("snapshot \"\(info.key)\" is committed: prepare or view a snapshot on top of it to mount it")
    case (.active, 0):
      return [Mount(type: "bind", source: own + "/fs", options: ["rbind", "rw"])]
    case (.view, 0):
      return [Mount(type: "bind", source: own + "/fs", options: ["rbind", "ro"])]
    case (.view, 1):
      // One read-only layer needs no overlay: bind it read-only (cheaper, and no overlay quirks).
      return [Mount(type: "bind", source: lowers[0], options: ["rbind", "ro"])]
    case (.view, _):
      // An overlay with only lower directories is read-only by construction.
      return [Mount(type: "overlay", source: "overlay", options: ["lowerdir=" + lowers.joined(separator: ":")])]
    case (.active, _):
      return [
        Mount(
          type: "overlay", source: "overlay",
          options: ["workdir=\(own)/work", "upperdir=\(own)/fs", "lowerdir=" + lowers.joined(separator: ":")])
      ]
    }
  }

  /// du of `path`: allocated bytes and inodes, each inode once, never crossing a mount.
  static func diskUsage(_ path: String) throws -> SnapshotUsage {
    guard let top = Sys.stat(path, follow: false) else { throw Sys.error("lstat \(path)", ENOENT) }
    var seen = Set<[UInt64]>()
    var usage = SnapshotUsage(bytes: 0, inodes: 0)
    var pending = [path]
    while let current = pending.popLast() {
      guard let st = Sys.stat(current, follow: false), st.st_dev == top.st_dev else { continue }
      guard seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { continue }
      usage.inodes += 1
      usage.bytes += Int64(st.st_blocks) * 512
      if st.st_mode & S_IFMT == S_IFDIR {
        pending += try Sys.listDirectory(current).map { current + "/" + $0 }
      }
    }
    return usage
  }
}
