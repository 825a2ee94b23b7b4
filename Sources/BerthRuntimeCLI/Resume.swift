/// `resume`: thaws a paused container.
enum Resume: Verb {
  static let name = "resume"
  static let summary = "thaw a paused container"
  static let options: [OptionSpec] = []

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().resume(id: try arguments.id(name))
    return 0
  }
}
