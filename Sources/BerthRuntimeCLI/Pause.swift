import ArgumentParser
import BerthRuntime

struct Pause: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Freeze every process of a container.")
  @OptionGroup var globals: GlobalOptions
  @Argument(help: "Container id.") var id: String
  func run() throws { try globals.perform { try $0.pause(id: id) } }
}
