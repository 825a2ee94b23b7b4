/// `start`: releases a created container's program.
enum Start: Verb {
  static let name = "start"
  static let summary = "start a created container"
  static let options: [OptionSpec] = []

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().start(id: try arguments.id(name))
    return 0
  }
}
