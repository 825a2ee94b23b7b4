import ArgumentParser
import BerthRuntime

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Create and start a container, and wait for it unless detached.")
  @OptionGroup var globals: GlobalOptions
  @OptionGroup var flags: CreateFlags
  @Flag(name: [.short, .long], help: "Start the container and return.") var detach = false
  @Flag(help: "Keep the container after it exits (accepted for compatibility).") var keep = false
  @Argument(help: "Container id.") var id: String

  func run() throws {
    let status = try globals.perform { runtime in try runtime.run(id: id, options: flags.options, detach: detach) }
    if status != 0 { throw ExitCode(status) }
  }
}
