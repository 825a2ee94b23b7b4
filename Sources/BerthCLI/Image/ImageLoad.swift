import ArgumentParser
import BerthImages
import BerthOCI

/// `berth load -i FILE`: imports images from an archive or OCI layout directory.
struct ImageLoad: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load", abstract: "Load images from an OCI layout, oci-archive or docker-archive.")

  @OptionGroup var options: StoreOptions

  @Option(name: .shortAndLong, help: "The archive file or layout directory.")
  var input: String

  @Option(help: "Platform to select from a multi-platform image, as os/arch[/variant].")
  var platform: String?

  func run() async throws {
    do {
      let platform = try self.platform.map { try Platform(parsing: $0) } ?? .host
      let images = try options.store().load(from: input, options: PullOptions(platform: platform))
      for image in images {
        print("Loaded image: \(image.names.first ?? image.id.description)")
      }
    } catch {
      throw CLIError(CLIError.describe(error))
    }
  }
}
