/// The one error type of Berth: a code callers can switch on, a lower-case message without a trailing
/// period that names what failed, and an optional cause.
public struct BerthError: Error, CustomStringConvertible, Sendable {
  /// What kind of failure this is. A struct over a private enum so new codes can be added without
  /// breaking callers that switch on the existing ones.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: String, Sendable {
      case invalidArgument, notFound, alreadyExists, invalidState, unsupported, permissionDenied
      case syscall, io, timeout, internalError
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// Malformed input: a bad config, flag or reference.
    public static let invalidArgument = Code(.invalidArgument)
    /// A named thing (container, file, namespace) does not exist.
    public static let notFound = Code(.notFound)
    /// A named thing exists already (duplicate container id).
    public static let alreadyExists = Code(.alreadyExists)
    /// The operation does not fit the object's state (start of a running container).
    public static let invalidState = Code(.invalidState)
    /// Valid input this host or build cannot honour (an LSM that is not loaded).
    public static let unsupported = Code(.unsupported)
    /// The kernel refused for lack of privilege.
    public static let permissionDenied = Code(.permissionDenied)
    /// A system call failed; `errno` is set.
    public static let syscall = Code(.syscall)
    /// Reading or writing a file failed.
    public static let io = Code(.io)
    /// Something did not finish in time.
    public static let timeout = Code(.timeout)
    /// A bug: a state that should not be reachable.
    public static let internalError = Code(.internalError)

    public var description: String { value.rawValue }
  }

  /// The kind of failure.
  public var code: Code
  /// What failed, lower-case, no trailing period, naming the path or stage.
  public var message: String
  /// The errno of a failed system call, if any.
  public var errno: Int32?
  /// The error that led to this one.
  public var cause: (any Error & Sendable)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: the kind of failure
  ///   - message: what failed, lower-case, no trailing period
  ///   - errno: the errno of the failed system call, if any
  ///   - cause: the underlying error, if any
  public init(_ code: Code, _ message: String, errno: Int32? = nil, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.errno = errno
    self.cause = cause
  }

  public var description: String {
    var text = message
    if let cause { text += ": \(cause)" }
    return text
  }
}

extension BerthError {
  /// An invalid-argument error.
  public static func invalid(_ message: String) -> BerthError { BerthError(.invalidArgument, message) }
  /// An invalid-state error.
  public static func state(_ message: String) -> BerthError { BerthError(.invalidState, message) }
}
