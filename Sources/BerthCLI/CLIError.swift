import BerthError

/// An error a command reports as one line, without a usage dump.
struct CLIError: Error, CustomStringConvertible {
  var description: String

  init(_ description: String) { self.description = description }

  /// A one-line description of any error: a `BerthError`'s message, else the error itself.
  static func describe(_ error: any Error) -> String {
    if let error = error as? BerthError { return error.message }
    return "\(error)"
  }
}
