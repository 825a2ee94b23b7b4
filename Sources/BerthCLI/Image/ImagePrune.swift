import ArgumentParser
import BerthImages

/// `berth image prune`: removes untagged images (every unused one with `--all`) and collects
/// the blobs and layers left without an image.
struct ImagePrune: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused images.")

  @OptionGroup var options: StoreOptions

  @Flag(name: .shortAndLong, help: "Remove every image no container uses, not only untagged ones.")
  var all = false

  @Flag(name: .shortAndLong, help: "Do not ask for confirmation (there is no prompt: accepted for compatibility).")
  var force = false

  func run() async throws {
    let (removed, freed) = try options.store().prune(all: all)
    for image in removed { print(image.id.encoded) }
    print("Freed \(PullDisplay.bytes(freed.bytes)) of content, \(freed.blobs) blobs and \(freed.snapshots) layers")
  }
}
