import ArgumentParser
import BerthError
import BerthRuntime
import BerthSys

#if canImport(Glibc)
import Glibc
#endif

struct Ps: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the processes of a container (ps output, or pids as JSON).")
  @OptionGroup var globals: GlobalOptions
  @Option(name: [.short, .long], help: "table or json.") var format: String = "table"
  @Argument(help: "Container id.") var id: String
  @Argument(parsing: .captureForPassthrough, help: "Options for ps (default -ef).") var psArgs: [String] = []

  func run() throws {
    let pids = try globals.perform { try $0.processes(id: id) }
    if format == "json" {
      print(try JSON.compact(pids))
      return
    }
    let args = psArgs.first == "--" ? Array(psArgs.dropFirst()) : psArgs
    let output = try globals.perform { _ in try Self.capture(["ps"] + (args.isEmpty ? ["-ef"] : args)) }
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
    guard let header = lines.first else { return }
    let columns = header.split(separator: " ")
    guard let pidColumn = columns.firstIndex(of: "PID") else {
      throw ValidationError("ps output has no PID column")
    }
    print(header)
    let wanted = Set(pids)
    for line in lines.dropFirst() where !line.isEmpty {
      let fields = line.split(separator: " ")
      if fields.count > pidColumn, let pid = Int32(fields[pidColumn]), wanted.contains(pid) { print(line) }
    }
  }

  /// Runs a command and returns its standard output.
  static func capture(_ argv: [String]) throws -> String {
    let pipe = try Sys.pipe()
    let pid = fork()
    if pid < 0 { throw Sys.error("fork") }
    if pid == 0 {
      dup2(pipe.write, 1)
      let path = Processes.lookPath(argv[0], env: Sys.environment()) ?? argv[0]
      _ = Processes.exec(path, args: argv, env: Sys.environment())
      _exit(127)
    }
    close(pipe.write)
    let bytes = try Sys.readAll(fd: pipe.read, what: "ps output")
    close(pipe.read)
    guard case .exited(0) = try Processes.wait(pid) else { throw BerthError(.io, "\(argv.joined(separator: " ")) failed") }
    return String(decoding: bytes, as: UTF8.self)
  }
}
