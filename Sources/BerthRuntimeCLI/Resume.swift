import ArgumentParser
import BerthRuntime

struct Resume: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Thaw a paused container.")
  @OptionGroup var globals: GlobalOptions
  @Argument(help: "Container id.") var id: String
  func run() throws { try globals.perform { try $0.resume(id: id) } }
}
