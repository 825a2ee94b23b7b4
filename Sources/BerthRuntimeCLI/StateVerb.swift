import BerthOCI
/// `state`: the container's state as JSON.
enum StateVerb: Verb {
  static let name = "state"
  static let summary = "print the state of a container as JSON"
  static let options: [OptionSpec] = []

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    output(try JSON.pretty(try context.runtime().state(id: try arguments.id(name))))
    return 0
  }
}
