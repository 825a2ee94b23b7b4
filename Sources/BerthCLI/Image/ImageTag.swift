import ArgumentParser
import BerthImages

/// `berth tag SOURCE TARGET...`: more names for an image.
struct ImageTag: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "tag", abstract: "Add names to an image.")

  @OptionGroup var options: StoreOptions

  @Argument(help: "The image's name or id.")
  var source: String

  @Argument(help: "New names, such as registry.lab:5000/app:v2.")
  var targets: [String]

  func validate() throws {
    if targets.isEmpty { throw ValidationError("name at least one new name") }
  }

  func run() async throws {
    let store = try options.store()
    for target in targets {
      do { try store.tag(source, as: target) } catch { throw CLIError(CLIError.describe(error)) }
    }
  }
}
