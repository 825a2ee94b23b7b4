import ArgumentParser
import BerthRuntime

struct Start: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Start a created container.")
  @OptionGroup var globals: GlobalOptions
  @Argument(help: "Container id.") var id: String

  func run() throws {
    try globals.perform { runtime in try runtime.start(id: id) }
  }
}
