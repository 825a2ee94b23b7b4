import ArgumentParser
import BerthImages

/// `berth rmi IMAGE...`: removes names and images, then the blobs and layers nothing needs.
struct ImageRemove: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove images.", aliases: ["rm"])

  @OptionGroup var options: StoreOptions

  @Flag(name: .shortAndLong, help: "Remove an image given by id even when several names point at it.")
  var force = false

  @Argument(help: "Image names or ids.")
  var images: [String]

  func validate() throws {
    if images.isEmpty { throw ValidationError("name at least one image to remove") }
  }

  func run() async throws {
    let store = try options.store()
    var failed = false
    for image in images {
      do {
        let result = try store.remove(image, force: force)
        for name in result.untagged { print("Untagged: \(name)") }
        if let deleted = result.deleted { print("Deleted: \(deleted)") }
      } catch {
        failed = true
        Environment.warn("Error: \(image): \(CLIError.describe(error))")
      }
    }
    if failed { throw ExitCode.failure }
  }
}
