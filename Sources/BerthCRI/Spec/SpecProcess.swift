import BerthCRIProto
import BerthError
import BerthOCI

/// The `process` pieces shared by containers and sandboxes: arguments, environment, working
/// directory and user.
enum SpecProcess {
  /// The PATH a process gets when neither the image nor the request sets one.
  static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

  /// The command line, by containerd's (and Docker's) rules: a request `command` replaces the
  /// image's Entrypoint and drops its Cmd; otherwise the Entrypoint (unless it is `[""]`) is
  /// followed by the request `args`, or by the image's Cmd when there are none.
  /// - Throws: `.invalidArgument` when the result is empty
  static func arguments(command: [String], args: [String], image: ImageConfig.Config?) throws -> [String] {
    var command = command
    var args = args
    if command.isEmpty {
      if args.isEmpty { args = image?.cmd ?? [] }
      let entrypoint = image?.entrypoint ?? []
      if !(entrypoint.count == 1 && entrypoint[0].isEmpty) { command = entrypoint }
    }
    guard !command.isEmpty || !args.isEmpty else {
      throw BerthError.invalid("command: none given, and the image has neither Entrypoint nor Cmd")
    }
    return command + args
  }

  /// The environment: the default PATH, then `HOSTNAME` (when known), then the image's Env, then
  /// the request's envs. A later entry with the same name replaces the earlier one in place.
  /// Image entries without `=` are skipped.
  /// - Throws: `.invalidArgument` for a request env with an empty name, a name containing `=`
  ///   or a value containing NUL (values are bytes in this CRI; they are decoded as UTF-8)
  static func environment(image: [String], request: [Runtime_V1_KeyValue], hostname: String) throws -> [String] {
    var order: [String] = []
    var values: [String: String] = [:]
    func set(_ entry: String) {
      guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else { return }
      let name = String(entry[..<equals])
      if values[name] == nil { order.append(name) }
      values[name] = entry
    }
    set(defaultPath)
    if !hostname.isEmpty { set("HOSTNAME=" + hostname) }
    image.forEach(set)
    for (index, env) in request.enumerated() {
      guard !env.key.isEmpty, !env.key.contains("=") else {
        throw BerthError.invalid("envs[\(index)]: \"\(env.key)\" is not a variable name")
      }
      guard !env.value.contains(0) else {
        throw BerthError.invalid("envs[\(index)]: the value of \(env.key) contains a NUL byte")
      }
      set(env.key + "=" + String(decoding: env.value, as: UTF8.self))
    }
    return order.compactMap { values[$0] }
  }

  /// The working directory: the request's, else the image's (made absolute), else `/`.
  /// - Throws: `.invalidArgument` for a relative `working_dir`
  static func workingDirectory(request: String, image: String?) throws -> String {
    if !request.isEmpty {
      guard request.hasPrefix("/") else {
        throw BerthError.invalid("working_dir \"\(request)\" must be an absolute path")
      }
      return request
    }
    guard let image, !image.isEmpty else { return "/" }
    return image.hasPrefix("/") ? image : "/" + image
  }

  /// The user string the security context asks for, as containerd builds it: `run_as_username`
  /// (or `run_as_user`), then `:run_as_group`; empty when neither user field is set.
  /// - Throws: `.invalidArgument` for a group without a user or an out-of-range ID
  static func requestedUser(
    username: String, uid: Runtime_V1_Int64Value?, gid: Runtime_V1_Int64Value?, field: String
  ) throws -> String {
    var user = username
    if user.isEmpty, let uid { user = String(try id(uid.value, field: field + ".run_as_user")) }
    guard let gid else { return user }
    guard !user.isEmpty else {
      throw BerthError.invalid("\(field).run_as_group needs run_as_user or run_as_username")
    }
    return user + ":" + String(try id(gid.value, field: field + ".run_as_group"))
  }

  /// The process user: the requested user (else the image's USER) resolved in the rootfs, with
  /// its groups. `Merge` (the default) adds the groups `/etc/group` gives the user; `Strict` only
  /// the requested supplemental groups. The primary group is always listed too, so it stays
  /// a supplementary group whatever the runtime's setgroups does.
  static func user(
    requested: String, image: String?, supplemental: [Int64], policy: Runtime_V1_SupplementalGroupsPolicy,
    readFile: (String) -> String?, field: String
  ) throws -> Spec.User {
    let userString = requested.isEmpty ? (image ?? "") : requested
    let resolved = try UserResolver.resolve(
      user: userString, passwd: readFile("/etc/passwd"), group: readFile("/etc/group"))
    var gids: Set<UInt32> = [resolved.gid]
    switch policy {
    case .merge: gids.formUnion(resolved.additionalGids)
    case .strict: break
    case .UNRECOGNIZED(let value):
      throw BerthError.invalid("\(field).supplemental_groups_policy: unknown value \(value)")
    }
    for (index, group) in supplemental.enumerated() {
      gids.insert(try id(group, field: "\(field).supplemental_groups[\(index)]"))
    }
    return Spec.User(uid: resolved.uid, gid: resolved.gid, additionalGids: gids.sorted())
  }

  /// An ID in 0...UInt32.max.
  static func id(_ value: Int64, field: String) throws -> UInt32 {
    guard let id = UInt32(exactly: value) else {
      throw BerthError.invalid("\(field): \(value) is not a valid ID")
    }
    return id
  }

  /// The `oomScoreAdj` to give: the request raised to `floor` (the daemon's own; lowering below
  /// it needs CAP_SYS_RESOURCE, as containerd's restrict_oom_score_adj assumes).
  /// - Throws: `.invalidArgument` outside -1000...1000
  static func oomScoreAdj(_ requested: Int64, floor: Int, field: String) throws -> Int {
    guard (-1000...1000).contains(requested) else {
      throw BerthError.invalid("\(field): \(requested) is outside -1000...1000")
    }
    return max(Int(requested), min(floor, 1000))
  }
}
