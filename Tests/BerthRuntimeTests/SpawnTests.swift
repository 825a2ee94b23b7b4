import BerthSys
import Glibc
import Testing

/// posix_spawn wrapper used by the daemon, the monitor and the CNI client.
@Suite struct SpawnTests {
  @Test func collectsOutputAndStatus() throws {
    let out = try Spawn.run("/bin/sh", args: ["sh", "-c", "cat; echo err >&2; exit 3"], env: [], input: Array("hello".utf8))
    #expect(out.stdoutText == "hello")
    #expect(out.stderrText == "err\n")
    #expect(out.exit == .exited(3))
    #expect(!out.timedOut)
  }

  @Test func killsAtTimeout() throws {
    let start = Clock.monotonicNanoseconds()
    let out = try Spawn.run("/bin/sleep", args: ["sleep", "10"], env: [], timeout: 0.2)
    #expect(out.timedOut)
    #expect(out.exit == .signaled(SIGKILL))
    #expect(Clock.monotonicNanoseconds() - start < 5_000_000_000)
  }

  @Test func remapsDescriptorsAndClosesTheRest() throws {
    let pipe = try Sys.pipe()
    defer { close(pipe.read) }
    // Our write end becomes the child's fd 4; a stray fd without CLOEXEC must not leak.
    let stray = open("/dev/null", O_RDONLY)
    defer { close(stray) }
    let pid = try Spawn.start(
      "/bin/sh", args: ["sh", "-c", "echo ok >&4; ls /proc/self/fd | tr '\\n' ' ' >&4"], env: [],
      fds: [(pipe.write, 4)])
    close(pipe.write)
    let text = String(decoding: try Sys.readAll(fd: pipe.read, what: "pipe"), as: UTF8.self)
    _ = try Processes.wait(pid)
    #expect(text.hasPrefix("ok\n"))
    let fds = text.dropFirst(3).split(separator: " ").compactMap { Int32($0) }
    #expect(!fds.contains(stray) || stray <= 4)
    #expect(fds.allSatisfy { $0 <= 4 || $0 == fds.max() })  // ls's own directory fd is the only extra
  }

  @Test func missingProgramIsAClearError() {
    #expect(throws: (any Error).self) { try Spawn.start("/nonexistent/prog", env: []) }
  }
}
