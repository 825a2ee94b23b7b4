import BerthRuntime

/// `run`: create + start, and unless detached wait, delete and return the exit status.
enum Run: Verb {
  static let name = "run"
  static let summary = "create and start a container, and wait for it unless detached"
  static let options: [OptionSpec] = Create.options + [
    .flag("detach", "d", "start the container and return"),
    .flag("keep", nil, "accepted for compatibility"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().run(
      id: try arguments.id(name), options: try Create.createOptions(arguments), detach: arguments.flag("detach"))
  }
}
