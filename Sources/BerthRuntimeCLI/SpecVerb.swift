import BerthError
import BerthOCI
import BerthSys

#if canImport(Glibc)
import Glibc
#endif

/// `spec`: writes a template config.json.
enum SpecVerb: Verb {
  static let name = "spec"
  static let summary = "write a template config.json"
  static let usage = ""
  static let options: [OptionSpec] = [
    .value("bundle", "b", "directory to write config.json in (default: current directory)"),
    .flag("rootless", nil, "a config for an unprivileged user (user namespace, no network namespace)"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let path = (arguments.value("bundle") ?? ".") + "/config.json"
    guard !Sys.exists(path) else { throw BerthError(.alreadyExists, "\(path) already exists; remove it first") }
    let spec = Spec.template(rootless: arguments.flag("rootless"), uid: getuid(), gid: getgid())
    try Sys.writeFile(path, try JSON.pretty(spec) + "\n", mode: 0o644)
    return 0
  }
}
