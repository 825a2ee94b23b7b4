#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif

/// Process environment and terminal checks.
enum Environment {
  /// The value of an environment variable.
  static func get(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  /// Whether standard output is a terminal (progress bars, colours).
  static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

  /// Writes to standard error.
  static func warn(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
  }
}
