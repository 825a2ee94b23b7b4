import BerthError
import BerthRuntime
import BerthSys

#if canImport(Glibc)
import Glibc
#endif

/// One verb of the command line (`create`, `start`, ...), one per file.
protocol Verb: Sendable {
  static var name: String { get }
  static var summary: String { get }
  /// The positional arguments, for help ("<container-id> [signal]").
  static var usage: String { get }
  static var options: [OptionSpec] { get }
  /// Whether options end at the first positional argument (Go's flag package does).
  static var stopAtPositional: Bool { get }
  /// Runs the verb; the result is the process exit status.
  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32
}

extension Verb {
  static var usage: String { "<container-id>" }
  static var stopAtPositional: Bool { true }
}

/// What every verb gets: the global options.
struct Context {
  var root = "/run/berth-runtime"
  var log = Log()

  func runtime() throws -> Runtime { try Runtime(root: root, log: log) }
}

/// `berth-runtime`: an OCI runtime with runc's command line, so containerd, Podman and CRI-O
/// can call it as they call runc or crun. Argument parsing is a small table instead of
/// swift-argument-parser: this binary runs several times per container, and the reflection the
/// library relies on cost about 4 ms of a 8 ms `state` (measured; see README).
public enum RuntimeCommand {
  public static let version = "0.1.0"

  static let verbs: [any Verb.Type] = [
    Create.self, Start.self, StateVerb.self, Kill.self, Delete.self, Run.self, Exec.self, Ps.self, List.self,
    Pause.self, Resume.self, Events.self, Update.self, FeaturesVerb.self, SpecVerb.self, PinNamespaces.self,
  ]

  static let globalOptions: [OptionSpec] = [
    .value("root", nil, "root directory for container state (default /run/berth-runtime)"),
    .value("log", nil, "log file for errors and warnings (default: stderr only)"),
    .value("log-format", nil, "log format: text (default) or json"),
    .flag("debug", nil, "log debug messages"),
    .flag("systemd-cgroup", nil, "use the systemd cgroup driver (not supported)"),
    .value("rootless", nil, "rootless mode (accepted for compatibility)"),
    .value("criu", nil, "path to criu (accepted for compatibility)"),
    .flag("help", "h", "show help"),
    .flag("version", "v", "print the version"),
  ]

  /// Parses `arguments` (without the program name), runs the verb and exits.
  public static func main(_ arguments: [String]) -> Never {
    var context = Context()
    do {
      let globals = try Arguments(arguments[...], options: globalOptions)
      context.root = globals.value("root") ?? context.root
      let format = globals.value("log-format") ?? "text"
      context.log = Log(path: globals.value("log"), format: format == "json" ? .json : .text, debug: globals.flag("debug"))
      guard format == "text" || format == "json" else {
        throw BerthError.invalid("invalid --log-format \(format): use text or json")
      }
      if globals.flag("version") {
        print("berth-runtime version \(version)\nspec: 1.2.0")
        exit(0)
      }
      guard let verbName = globals.positional.first, !globals.flag("help") else {
        print(help())
        exit(globals.flag("help") ? 0 : 1)
      }
      guard let verb = verbs.first(where: { $0.name == verbName }) else {
        throw BerthError.invalid("unknown command \"\(verbName)\" (see --help)")
      }
      if globals.flag("systemd-cgroup") {
        throw BerthError(.unsupported, "the systemd cgroup driver is not supported; use the cgroupfs driver (no --systemd-cgroup)")
      }
      let rest = globals.positional.dropFirst()
      if rest.first == "--help" || rest.first == "-h" {
        print(help(for: verb))
        exit(0)
      }
      let parsed = try Arguments(rest, options: verb.options, stopAtPositional: verb.stopAtPositional)
      let status = try verb.run(parsed, context)
      fflush(nil)
      exit(status)
    } catch {
      context.log.error("\(error)")
      exit(1)
    }
  }

  static func help() -> String {
    var text = "berth-runtime \(version): an OCI container runtime (runc-compatible command line)\n\n"
    text += "usage: berth-runtime [global options] command [command options] [arguments...]\n\ncommands:\n"
    for verb in verbs { text += "  " + verb.name.padding(10) + verb.summary + "\n" }
    text += "\nglobal options:\n" + describe(globalOptions)
    return text
  }

  static func help(for verb: any Verb.Type) -> String {
    "usage: berth-runtime \(verb.name) [options] \(verb.usage)\n\n\(verb.summary)\n\noptions:\n" + describe(verb.options)
  }

  static func describe(_ options: [OptionSpec]) -> String {
    options.map { option in
      var name = "--" + option.name
      if let short = option.short { name += ", -\(short)" }
      if option.takesValue { name += " value" }
      return "  " + name.padding(28) + option.help + "\n"
    }.joined()
  }
}

extension String {
  func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

/// Writes a line to stdout without Foundation.
func output(_ text: String) {
  _ = try? Sys.writeAll(fd: 1, Array((text + "\n").utf8), what: "stdout")
}
