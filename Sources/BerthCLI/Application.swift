import ArgumentParser

/// `berth`: the daemonless, Podman-like command line over Berth's libraries. One verb per file
/// under a folder per noun; `berth pull` and `berth image pull` are the same command.
public struct Application: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "berth",
    abstract: "Run and manage containers and images without a daemon.",
    version: "0.3.0",
    subcommands: [
      ImagePull.self, ImageList.self, ImageRemove.self, ImageTag.self, ImageCommand.self,
    ])

  public init() {}

  /// Parses the process's arguments and runs the chosen verb, exiting with its status.
  /// (Called from the executable: ArgumentParser's async `main()` is only picked in the file
  /// that declares `@main`.)
  public static func runMain() async {
    do {
      var command = try parseAsRoot()
      if var verb = command as? any AsyncParsableCommand {
        try await verb.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }
}

/// `berth image ...`: every image verb under one noun.
struct ImageCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "image",
    abstract: "Manage images.",
    subcommands: [
      ImagePull.self, ImageList.self, ImageRemove.self, ImageInspect.self, ImageTag.self, ImagePrune.self,
    ])
}
