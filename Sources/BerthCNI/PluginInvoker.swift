#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys

/// The arguments of one attachment beside the network configuration (libcni's RuntimeConf).
struct Attachment: Sendable {
  var containerID: String
  /// The netns path; empty when it is gone (DEL only, as the spec allows).
  var netns: String
  var ifName: String
  /// CNI_ARGS as pairs, in order.
  var cniArgs: [(String, String)]
  /// Capability arguments by name, in order; each goes to the plugins enabling that name.
  var capabilityArgs: [(String, JSONValue)]

  /// CNI_ARGS as the plugins read it: "K=V;K=V".
  var cniArgsString: String { cniArgs.map { "\($0.0)=\($0.1)" }.joined(separator: ";") }
}

/// Finds plugin binaries and runs them with the CNI protocol: CNI_* in the environment, the
/// configuration on stdin, the result or an error object on stdout.
struct PluginInvoker: Sendable {
  let binDirs: [String]
  let timeout: Double
  /// Our environment without CNI_* (plugins run iptables and friends, found through PATH).
  let environment: [String]

  init(binDirs: [String], timeout: Double) {
    self.binDirs = binDirs
    self.timeout = timeout
    var environment = Sys.environment().filter { !$0.hasPrefix("CNI_") }
    if !environment.contains(where: { $0.hasPrefix("PATH=") }) {
      environment.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }
    self.environment = environment
  }

  /// The executable for a plugin type: the first `binDirs` entry that has it.
  func find(_ type: String) -> String? {
    guard !type.isEmpty, !type.contains("/") else { return nil }
    for dir in binDirs {
      let path = dir + "/" + type
      if let st = Sys.stat(path), st.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 { return path }
    }
    return nil
  }

  /// The plugin types of `list` with no binary.
  func missing(_ list: NetworkList) -> [String] {
    var seen: Set<String> = []
    return list.types.filter { find($0) == nil && seen.insert($0).inserted }
  }

  /// "not found in /a, /b" for error messages.
  var searched: String { binDirs.isEmpty ? "no plugin directories" : binDirs.joined(separator: ", ") }

  /// Runs `command` (ADD, CHECK, DEL) of one plugin and returns its stdout.
  /// - Throws: a one-line `BerthError` naming the network, the plugin and the plugin's message.
  func run(_ command: String, network: String, type: String, config: JSONValue, attachment: Attachment) throws -> [UInt8] {
    let prefix = "network \"\(network)\": plugin \(type) \(command)"
    guard let path = find(type) else { throw BerthError(.notFound, "\(prefix): plugin \(type) not found in \(searched)") }
    let env =
      environment + [
        "CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(attachment.containerID)", "CNI_NETNS=\(attachment.netns)",
        "CNI_IFNAME=\(attachment.ifName)", "CNI_ARGS=\(attachment.cniArgsString)", "CNI_PATH=\(binDirs.joined(separator: ":"))",
      ]
    let output: Spawn.Output
    do {
      output = try Self.spawn(path, env: env, input: config.encoded(), timeout: timeout)
    } catch let error as BerthError {
      throw BerthError(error.code, "\(prefix): \(error.message)", errno: error.errno)
    }
    if output.timedOut {
      throw BerthError(.timeout, "\(prefix): did not finish within \(Self.seconds(timeout)) (killed)")
    }
    guard output.status == 0 else { throw Self.failure(prefix, output) }
    return output.stdout
  }

  /// Spawn.run (which keeps a plugin that does not read its stdin from raising SIGPIPE here),
  /// retrying while the binary is being written (ETXTBSY: an upgrade, or a fork elsewhere
  /// holding the file open).
  static func spawn(_ path: String, env: [String], input: [UInt8], timeout: Double) throws -> Spawn.Output {
    var delay: UInt32 = 10_000
    for attempt in 1...6 {
      do {
        return try Spawn.run(path, env: env, input: input, timeout: timeout, limit: 4 << 20)
      } catch let error as BerthError where error.errno == ETXTBSY && attempt < 6 {
        usleep(delay)
        delay *= 2
      }
    }
    preconditionFailure("unreachable: the last attempt returns or throws")
  }

  /// The error for a failed plugin: its error object ({code, msg, details}) from stdout, else
  /// its stderr, else its exit status, on one line.
  static func failure(_ prefix: String, _ output: Spawn.Output) -> BerthError {
    var code = BerthError.Code.invalidState
    var text = ""
    if let object = try? JSONValue.parse(output.stdout), object.members != nil {
      let message = object.member("msg")?.text ?? ""
      let details = object.member("details")?.text ?? ""
      text = [message, details].filter { !$0.isEmpty }.joined(separator: ": ")
      if case .number(let number)? = object.member("code"), let value = Int(number) {
        code = Self.code(value)
        text += text.isEmpty ? "error code \(value)" : " (code \(value))"
      }
    }
    text = oneLine(text.isEmpty ? (output.stderrText.isEmpty ? output.stdoutText : output.stderrText) : text)
    let status: String =
      switch output.exit {
      case .exited(let code): "exit status \(code)"
      case .signaled(let signal): "killed by signal \(signal)"
      }
    return BerthError(code, "\(prefix) failed: " + (text.isEmpty ? status : text))
  }

  /// The CNI well-known error codes as Berth codes.
  static func code(_ value: Int) -> BerthError.Code {
    switch value {
    case 1: .unsupported  // incompatible CNI version
    case 2, 4, 6, 7: .invalidArgument  // unsupported field, invalid env, decoding, invalid config
    case 3: .notFound  // container unknown or does not exist
    case 5: .io
    default: .invalidState  // 11 try again later, 50/51 GC/status, plugin-specific 100+
    }
  }

  /// Text on one line: lines trimmed and joined with "; ", at most 1,000 characters.
  static func oneLine(_ text: String) -> String {
    let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(\.trimmingWhitespace).filter { !$0.isEmpty }
    let joined = lines.joined(separator: "; ")
    return joined.count > 1000 ? String(joined.prefix(1000)) + "..." : joined
  }

  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value))s" : "\(value)s"
  }
}
