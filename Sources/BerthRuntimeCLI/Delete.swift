/// `delete`: removes a stopped container (any container with --force).
enum Delete: Verb {
  static let name = "delete"
  static let summary = "delete a container and what it holds"
  static let options: [OptionSpec] = [.flag("force", "f", "kill the container first if it is not stopped")]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    try context.runtime().delete(id: try arguments.id(name), force: arguments.flag("force"))
    return 0
  }
}
