import ArgumentParser
import BerthError
import BerthImages
import BerthOCI
import BerthRegistry

/// `berth pull IMAGE...`: fetches images from their registries (mirrors first) and unpacks them.
struct ImagePull: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pull",
    abstract: "Pull images from a registry.",
    discussion: "Progress bars per layer on a terminal, one line per step otherwise; the image id is printed last.")

  @OptionGroup var options: StoreOptions

  @Option(help: "Platform to select from a multi-platform image, as os/arch[/variant].")
  var platform: String?

  @Option(help: "Credentials for the registry, as user:password.")
  var creds: String?

  @Option(help: "Layer downloads at once.")
  var concurrentDownloads: Int = 3

  @Flag(name: .shortAndLong, help: "Print only the image id.")
  var quiet = false

  @Argument(help: "Image references, such as busybox, quay.io/org/app:1.2 or name@sha256:...")
  var images: [String]

  func validate() throws {
    if images.isEmpty { throw ValidationError("name at least one image to pull") }
    if let creds, !creds.contains(":") { throw ValidationError("--creds must be user:password") }
    if concurrentDownloads < 1 { throw ValidationError("--concurrent-downloads must be at least 1") }
  }

  func run() async throws {
    let platform = try self.platform.map { try Platform(parsing: $0) } ?? .host
    let references = try images.map { text -> Reference in
      do { return try Reference(parsing: text) } catch { throw CLIError("invalid image reference \"\(text)\": \(error)") }
    }
    let store = try options.store()
    let registries = try options.registries()
    let client = try RegistryAccess.client(options: options, registries: registries, creds: creds, for: references)
    var failure: (any Error)?
    for ref in references {
      let display = PullDisplay(quiet: quiet, terminal: Environment.stdoutIsTerminal)
      do {
        let pullOptions = PullOptions(
          platform: platform, maxConcurrentDownloads: concurrentDownloads, mirrors: registries.mirrors(of: ref.domain))
        let image = try await store.pull(ref, client: client, options: pullOptions) { display.handle($0) }
        display.finish()
        print(quiet ? image.id.description : image.id.encoded)
      } catch {
        display.finish()
        failure = error
        Environment.warn("Error: pulling \(ref.familiar): \(CLIError.describe(error))")
      }
    }
    try await client.shutdown()
    if failure != nil { throw ExitCode.failure }
  }
}
