/// `pause`: freezes the container's processes.
enum Pause: Verb {
  static let name = "pause"
  static let summary = "freeze every process of a container"
  static let options: [OptionSpec] = []

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().pause(id: try arguments.id(name))
    return 0
  }
}
