import BerthError

/// A process identity resolved against an image's `/etc/passwd` and `/etc/group`.
public struct ResolvedUser: Sendable, Equatable {
  /// The user ID.
  public var uid: UInt32
  /// The primary group ID.
  public var gid: UInt32
  /// The groups `/etc/group` lists the user as a member of, sorted, without the primary group
  /// (empty when the user has no passwd entry).
  public var additionalGids: [UInt32]
  /// The user's name from `/etc/passwd`, if it has an entry.
  public var username: String?

  /// Creates a resolved user.
  public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32] = [], username: String? = nil) {
    self.uid = uid
    self.gid = gid
    self.additionalGids = additionalGids
    self.username = username
  }
}

/// Resolves user strings as the OCI image spec defines them (`config.User`): `uid`, `name`,
/// `uid:gid`, `uid:group`, `name:gid` or `name:group`.
///
/// - A numeric uid needs no passwd entry: without one the primary group is 0 and there are no
///   member groups (as runc and containerd do).
/// - A user name must have a passwd entry, and a group name a group entry.
/// - An explicit group replaces the passwd entry's primary group.
/// - Member groups are the `/etc/group` entries listing the user's name.
public enum UserResolver {
  /// Resolves a user string.
  /// - Parameters:
  ///   - user: the user string; empty means root
  ///   - passwd: the image's `/etc/passwd`, nil if it has none
  ///   - group: the image's `/etc/group`, nil if it has none
  /// - Throws: `.invalidArgument` naming the user or group that cannot be resolved
  public static func resolve(user: String, passwd: String?, group: String?) throws -> ResolvedUser {
    let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let userPart = parts.first ?? ""
    let groupPart = parts.count > 1 ? parts[1] : nil
    let users = PasswdEntry.parse(passwd ?? "")
    let groups = GroupEntry.parse(group ?? "")

    var resolved: ResolvedUser
    if userPart.isEmpty {
      guard groupPart == nil || !(groupPart ?? "").isEmpty else {
        throw BerthError.invalid("user \"\(user)\" names no user")
      }
      let root = users.first { $0.uid == 0 }
      resolved = ResolvedUser(uid: 0, gid: root?.gid ?? 0, username: root?.name)
    } else if let uid = numericID(userPart) {
      let entry = users.first { $0.uid == uid }
      resolved = ResolvedUser(uid: uid, gid: entry?.gid ?? 0, username: entry?.name)
    } else {
      guard passwd != nil else {
        throw BerthError.invalid("user \"\(userPart)\" cannot be resolved: the image has no /etc/passwd")
      }
      guard let entry = users.first(where: { $0.name == userPart }) else {
        throw BerthError.invalid("user \"\(userPart)\" is not in the image's /etc/passwd")
      }
      resolved = ResolvedUser(uid: entry.uid, gid: entry.gid, username: entry.name)
    }

    if let groupPart {
      if groupPart.isEmpty {
        throw BerthError.invalid("user \"\(user)\" has an empty group")
      } else if let gid = numericID(groupPart) {
        resolved.gid = gid
      } else {
        guard group != nil else {
          throw BerthError.invalid("group \"\(groupPart)\" cannot be resolved: the image has no /etc/group")
        }
        guard let entry = groups.first(where: { $0.name == groupPart }) else {
          throw BerthError.invalid("group \"\(groupPart)\" is not in the image's /etc/group")
        }
        resolved.gid = entry.gid
      }
    }

    if let name = resolved.username {
      let member = groups.filter { $0.members.contains(name) }.map(\.gid)
      resolved.additionalGids = Array(Set(member)).sorted()
    }
    return resolved
  }

  /// A decimal ID in 0...UInt32.max, or nil when the text is a name.
  static func numericID(_ text: String) -> UInt32? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return UInt32(text)
  }
}

extension UserResolver {
  /// One line of `/etc/passwd`: `name:password:uid:gid:gecos:home:shell`.
  struct PasswdEntry: Equatable {
    var name: String
    var uid: UInt32
    var gid: UInt32

    /// The well-formed entries of a passwd file; comments, blank, NIS (`+`/`-`) and malformed
    /// lines are skipped.
    static func parse(_ text: String) -> [PasswdEntry] {
      specLines(text).compactMap { line in
        let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4, let name = fields.first, !name.isEmpty, !name.hasPrefix("#"),
          !name.hasPrefix("+"), !name.hasPrefix("-"),
          let uid = UInt32(fields[2]), let gid = UInt32(fields[3])
        else { return nil }
        return PasswdEntry(name: name, uid: uid, gid: gid)
      }
    }
  }

  /// One line of `/etc/group`: `name:password:gid:member,member`.
  struct GroupEntry: Equatable {
    var name: String
    var gid: UInt32
    var members: [String]

    /// The well-formed entries of a group file.
    static func parse(_ text: String) -> [GroupEntry] {
      specLines(text).compactMap { line in
        let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 3, let name = fields.first, !name.isEmpty, !name.hasPrefix("#"),
          !name.hasPrefix("+"), !name.hasPrefix("-"), let gid = UInt32(fields[2])
        else { return nil }
        let list = fields.count > 3 ? fields[3].split(separator: ",") : []
        let members = list.map { String($0).filter { $0 != " " && $0 != "\t" } }
        return GroupEntry(name: name, gid: gid, members: members.filter { !$0.isEmpty })
      }
    }
  }
}

/// The lines of a passwd or group file, without carriage returns.
private func specLines(_ text: String) -> [String] {
  text.split(separator: "\n").map { line in String(line.filter { $0 != "\r" }) }
}
