import ArgumentParser
import BerthError
import BerthOCI
import BerthSys

#if canImport(Glibc)
import Glibc
#endif

struct SpecCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a template config.json.")
  @Option(name: [.short, .long], help: "Directory to write config.json in.") var bundle: String = "."
  @Flag(help: "A config for an unprivileged user (user namespace, no network namespace).") var rootless = false

  func run() throws {
    let path = bundle + "/config.json"
    if Sys.exists(path) {
      printError("\(path) already exists; remove it first")
      throw ExitCode.failure
    }
    let spec = Spec.template(rootless: rootless, uid: getuid(), gid: getgid())
    do {
      try Sys.writeFile(path, try JSON.pretty(spec) + "\n", mode: 0o644)
    } catch {
      printError("\(error)")
      throw ExitCode.failure
    }
  }
}

func printError(_ message: String) {
  _ = try? Sys.writeAll(fd: 2, Array((message + "\n").utf8), what: "stderr")
}
