import BerthOCI
import Foundation
import Testing

extension Integration {
  /// `process.terminal`: the pty master reaches the caller through `--console-socket`.
  @Suite(.containerScope)
  struct Terminal {
    @Test("terminal: the pty master comes over the console socket and shows the container's output")
    func consoleSocket() throws {
      try withFixture("tty") { f in
        let bundle = try f.bundle(["sh", "-c", "tty; echo hello"]) { $0.process?.terminal = true }
        let console = try ConsoleSocket(path: f.scratch.appendingPathComponent("console.sock").path)
        let id = f.newID()
        let created = try f.runtime("create", "--console-socket", console.path, "--bundle", bundle.directory.path, id)
        try #require(created.succeeded, "\(created)")
        let (master, message) = try console.receiveDescriptor()
        defer { close(master) }
        #expect(isatty(master) == 1, "the descriptor received is a terminal")
        #expect(message.hasPrefix("/dev/pts/"), "the message names the slave: \(message)")
        #expect(try f.runtime("start", id).succeeded)
        let output = readText(master) { $0.contains("hello\r\n") }
        let lines = output.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "/dev/pts/0" || lines.first == "/dev/console", "tty names the container's terminal: \(output.debugDescription)")
        #expect(lines.contains("hello"), "\(output.debugDescription)")
        #expect(try f.waitFor(id, .stopped)?.status == .stopped)
        #expect(try f.runtime("delete", id).succeeded)
      }
    }

    @Test("terminal: stdin typed into the master reaches the container's program")
    func consoleInput() throws {
      try withFixture("ttyin") { f in
        let bundle = try f.bundle(["sh", "-c", "read line; echo got-$line"]) { $0.process?.terminal = true }
        let console = try ConsoleSocket(path: f.scratch.appendingPathComponent("console.sock").path)
        let id = f.newID()
        let created = try f.runtime("create", "--console-socket", console.path, "--bundle", bundle.directory.path, id)
        try #require(created.succeeded, "\(created)")
        let (master, _) = try console.receiveDescriptor()
        defer { close(master) }
        #expect(try f.runtime("start", id).succeeded)
        let typed = Array("ping\n".utf8)
        #expect(write(master, typed, typed.count) == typed.count)
        let output = readText(master) { $0.contains("got-ping") }
        #expect(output.contains("got-ping"), "\(output.debugDescription)")
      }
    }

    @Test("terminal without a usable console socket: one clear error and nothing left", arguments: [false, true])
    func noConsoleSocket(givenButMissing: Bool) throws {
      try withFixture("ttybad") { f in
        let bundle = try f.bundle(["true"]) { $0.process?.terminal = true }
        let id = f.newID()
        let missing = f.scratch.appendingPathComponent("nobody-listens.sock").path
        let socket = givenButMissing ? ["--console-socket", missing] : []
        let result = try f.runtime(["create"] + socket + ["--bundle", bundle.directory.path, id])
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errorLines.count == 1, "one line on stderr: \(result)")
        #expect(result.stderr.contains(givenButMissing ? missing : "console-socket"), "\(result)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        #expect(try f.state(id) == nil)
      }
    }
  }
}
