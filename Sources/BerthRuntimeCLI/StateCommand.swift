import ArgumentParser
import BerthRuntime

struct StateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "state", abstract: "Print the state of a container as JSON.")
  @OptionGroup var globals: GlobalOptions
  @Argument(help: "Container id.") var id: String

  func run() throws {
    let state = try globals.perform { try $0.state(id: id) }
    print(try JSON.pretty(state))
  }
}
