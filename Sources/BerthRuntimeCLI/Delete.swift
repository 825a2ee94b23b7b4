import ArgumentParser
import BerthRuntime

struct Delete: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Delete a container and what it holds.")
  @OptionGroup var globals: GlobalOptions
  @Flag(name: [.short, .long], help: "Kill the container first if it is still running.") var force = false
  @Argument(help: "Container id.") var id: String

  func run() throws {
    try globals.perform { try $0.delete(id: id, force: force) }
  }
}
