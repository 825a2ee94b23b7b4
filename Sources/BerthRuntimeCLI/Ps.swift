import BerthOCI
import BerthError
import BerthSys

#if canImport(Glibc)
import Glibc
#endif

/// `ps`: the container's processes, as `ps` output or a JSON list of pids.
enum Ps: Verb {
  static let name = "ps"
  static let summary = "list the processes of a container"
  static let usage = "<container-id> [ps options]"
  static let options: [OptionSpec] = [.value("format", "f", "table (default) or json")]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let pids = try context.runtime().processes(id: try arguments.id(name))
    if arguments.value("format") == "json" {
      output(try JSON.compact(pids))
      return 0
    }
    var psArgs = Array(arguments.positional.dropFirst())
    if psArgs.first == "--" { psArgs.removeFirst() }
    let text = try capture(["ps"] + (psArgs.isEmpty ? ["-ef"] : psArgs))
    let lines = text.split(separator: "\n")
    guard let header = lines.first, let pidColumn = header.split(separator: " ").firstIndex(of: "PID") else {
      throw BerthError(.io, "ps output has no PID column")
    }
    output(String(header))
    let wanted = Set(pids)
    for line in lines.dropFirst() {
      let fields = line.split(separator: " ")
      if fields.count > pidColumn, let pid = Int32(fields[pidColumn]), wanted.contains(pid) { output(String(line)) }
    }
    return 0
  }

  /// Runs a command and returns its standard output.
  static func capture(_ argv: [String]) throws -> String {
    let pipe = try Sys.pipe()
    let env = Sys.environment()
    let pid = fork()
    if pid < 0 { throw Sys.error("fork") }
    if pid == 0 {
      dup2(pipe.write, 1)
      _ = Processes.exec(Processes.lookPath(argv[0], env: env) ?? argv[0], args: argv, env: env)
      _exit(127)
    }
    close(pipe.write)
    defer { close(pipe.read) }
    let bytes = try Sys.readAll(fd: pipe.read, what: "ps output")
    guard case .exited(0) = try Processes.wait(pid) else { throw BerthError(.io, "\(argv.joined(separator: " ")) failed") }
    return String(decoding: bytes, as: UTF8.self)
  }
}
