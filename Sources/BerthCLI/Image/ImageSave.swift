import ArgumentParser
import BerthImages

/// `berth save -o FILE IMAGE...`: writes images to an archive for `load` elsewhere.
struct ImageSave: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "save", abstract: "Save images to an archive (oci-archive, docker-archive) or an OCI layout directory.")

  @OptionGroup var options: StoreOptions

  @Option(name: .shortAndLong, help: "The archive file, or the directory for oci-dir; - writes the archive to standard output.")
  var output: String

  @Option(help: "Format: oci-archive, docker-archive or oci-dir.")
  var format: String = ImageArchiveFormat.ociArchive.rawValue

  @Argument(help: "Image names or ids.")
  var images: [String]

  func validate() throws {
    if images.isEmpty { throw ValidationError("name at least one image to save") }
    if ImageArchiveFormat(rawValue: format) == nil {
      throw ValidationError("unknown format \(format): use \(ImageArchiveFormat.allCases.map(\.rawValue).joined(separator: ", "))")
    }
  }

  func run() async throws {
    do {
      try options.store().save(images, to: output, format: ImageArchiveFormat(rawValue: format)!)
    } catch {
      throw CLIError(CLIError.describe(error))
    }
  }
}
