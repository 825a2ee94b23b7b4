import ArgumentParser
import BerthRuntime

/// Options shared by `create` and `run`.
struct CreateFlags: ParsableArguments {
  @Option(name: [.short, .long], help: "Path to the bundle (default: current directory).")
  var bundle: String = "."

  @Option(help: "Unix socket to send the pseudo-terminal master to.")
  var consoleSocket: String?

  @Option(help: "File to write the container's init pid to.")
  var pidFile: String?

  @Option(help: "Pass N extra file descriptors (3, 4, ...) to the container.")
  var preserveFds: Int = 0

  @Flag(help: "Do not use pivot_root (for a rootfs on a ramdisk).")
  var noPivot = false

  @Flag(help: "Do not create a new session keyring.")
  var noNewKeyring = false

  var options: Runtime.CreateOptions {
    Runtime.CreateOptions(
      bundle: bundle, consoleSocket: consoleSocket, pidFile: pidFile, preserveFDs: preserveFds, noPivot: noPivot,
      noNewKeyring: noNewKeyring)
  }
}

struct Create: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Create a container; its program waits for start.")
  @OptionGroup var globals: GlobalOptions
  @OptionGroup var flags: CreateFlags
  @Argument(help: "Container id.") var id: String

  func run() throws {
    try globals.perform { runtime in _ = try runtime.create(id: id, options: flags.options) }
  }
}
