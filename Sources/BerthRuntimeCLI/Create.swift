import BerthRuntime

/// `create`: namespaces, cgroup, rootfs and an init that waits for `start`.
enum Create: Verb {
  static let name = "create"
  static let summary = "create a container; its program waits for start"
  static let options: [OptionSpec] = [
    .value("bundle", "b", "path to the bundle (default: current directory)"),
    .value("console-socket", nil, "unix socket to send the pseudo-terminal master to"),
    .value("pid-file", nil, "file to write the container's init pid to"),
    .value("preserve-fds", nil, "pass N extra file descriptors (3, 4, ...) to the container"),
    .flag("no-pivot", nil, "do not use pivot_root (for a rootfs on a ramdisk)"),
    .flag("no-new-keyring", nil, "do not create a new session keyring"),
  ]

  static func createOptions(_ arguments: Arguments) throws -> Runtime.CreateOptions {
    Runtime.CreateOptions(
      bundle: arguments.value("bundle") ?? ".", consoleSocket: arguments.value("console-socket"),
      pidFile: arguments.value("pid-file"), preserveFDs: try arguments.int("preserve-fds") ?? 0,
      noPivot: arguments.flag("no-pivot"), noNewKeyring: arguments.flag("no-new-keyring"))
  }

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().create(id: try arguments.id(name), options: try createOptions(arguments))
    return 0
  }
}
