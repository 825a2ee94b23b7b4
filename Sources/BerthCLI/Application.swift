import ArgumentParser

/// `berth`: the daemonless, Podman-like command line over Berth's libraries. One verb per file
/// under a folder per noun; `berth pull` and `berth image pull` are the same command.
public struct Application: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "berth",
    abstract: "Run and manage containers and images without a daemon.",
    version: "0.3.0",
    subcommands: [
      ImagePull.self, ImageList.self, ImageRemove.self, ImageTag.self, ImageLoad.self, ImageSave.self, ImageCommand.self,
    ])

  public init() {}

  /// Parses the process's arguments and runs the chosen verb, exiting with its status.
  /// (Called from the executable: ArgumentParser's async `main()` is only picked in the file
  /// that declares `@main`.)
  public static func runMain() async {
    do {
      var command = try parseAsRoot(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
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

/// Options that, as with Podman, may come before the verb (`berth --root DIR pull ...`).
let globalOptions: Set<String> = ["--root", "--registries-conf", "--authfile"]

/// Moves global options written before the verb to after it (before any `--`), where the verb's
/// own `StoreOptions` parse them.
func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
  var leading: [String] = []
  var index = 0
  while index < arguments.count, arguments[index].hasPrefix("--") {
    let argument = arguments[index]
    let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
    guard globalOptions.contains(name) else { break }
    leading.append(argument)
    if !argument.contains("="), index + 1 < arguments.count {
      leading.append(arguments[index + 1])
      index += 1
    }
    index += 1
  }
  guard !leading.isEmpty else { return arguments }
  var rest = Array(arguments[index...])
  let end = rest.firstIndex(of: "--") ?? rest.count
  rest.insert(contentsOf: leading, at: end)
  return rest
}

/// `berth image ...`: every image verb under one noun.
struct ImageCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "image",
    abstract: "Manage images.",
    subcommands: [
      ImagePull.self, ImageList.self, ImageRemove.self, ImageInspect.self, ImageTag.self, ImagePrune.self, ImageLoad.self,
      ImageSave.self,
    ])
}
