import ArgumentParser
import BerthError
import BerthRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `berth-runtime`: the OCI runtime command line, in runc's grammar so that containerd, Podman
/// and CRI-O can call it as they call runc or crun.
public struct RuntimeCommand: ParsableCommand {
  public static let version = "0.1.0"

  public static let configuration = CommandConfiguration(
    commandName: "berth-runtime",
    abstract: "An OCI container runtime (runc-compatible command line).",
    version: "berth-runtime version \(version)\nspec: \(specVersion)",
    subcommands: [
      Create.self, Start.self, StateCommand.self, Kill.self, Delete.self, Run.self, Exec.self, Ps.self, List.self,
      Pause.self, Resume.self, Events.self, Update.self, FeaturesCommand.self, SpecCommand.self,
    ])

  static var specVersion: String { "1.2.0" }

  public init() {}

  /// Parses runc-style arguments (global options before the verb) and runs the verb.
  public static func runMain() {
    main(GlobalArguments.reorder(Array(CommandLine.arguments.dropFirst())))
  }
}

/// The options runc takes before the verb; every verb accepts them.
struct GlobalOptions: ParsableArguments {
  @Option(help: "Root directory for container state.")
  var root: String = "/run/berth-runtime"

  @Option(help: "Log file for errors and warnings (default: stderr only).")
  var log: String?

  @Option(help: "Log format: text or json.")
  var logFormat: String = "text"

  @Flag(help: "Log debug messages.")
  var debug = false

  @Flag(help: "Use the systemd cgroup driver (not supported: cgroupfs only).")
  var systemdCgroup = false

  @Option(help: ArgumentHelp("Rootless mode (accepted for compatibility).", visibility: .hidden))
  var rootless: String?

  func makeLog() -> Log {
    Log(path: log, format: logFormat == "json" ? .json : .text, debug: debug)
  }

  /// Runs `body` with a runtime; a failure is logged in runc's way and exits with status 1.
  func perform<T>(_ body: (Runtime) throws -> T) throws -> T {
    let log = makeLog()
    do {
      guard logFormat == "text" || logFormat == "json" else {
        throw BerthError.invalid("invalid --log-format \(logFormat): use text or json")
      }
      if systemdCgroup {
        throw BerthError(.unsupported, "the systemd cgroup driver is not supported; use the cgroupfs driver (no --systemd-cgroup)")
      }
      return try body(try Runtime(root: root, log: log))
    } catch let error as BerthError {
      log.error(error.description)
      throw ExitCode.failure
    } catch let error as ExitCode {
      throw error
    } catch {
      log.error("\(error)")
      throw ExitCode.failure
    }
  }
}
