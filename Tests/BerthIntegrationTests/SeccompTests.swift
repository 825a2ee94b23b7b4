import BerthOCI
import Foundation
import Testing

/// A profile that allows everything but `rules`.
private func allowAllBut(_ rules: [Spec.Seccomp.Syscall]) -> Spec.Seccomp {
  Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: rules)
}

/// busybox mkdir may call mkdir(2) or mkdirat(2), depending on its libc.
private let mkdirSyscalls = ["mkdir", "mkdirat"]

/// A mode argument test on chmod(2) (mode is argument 1) and fchmodat(2) (argument 2).
private func chmodRules(op: String, value: UInt64, valueTwo: UInt64?) -> [Spec.Seccomp.Syscall] {
  [("chmod", UInt32(1)), ("fchmodat", UInt32(2))].map { name, index in
    Spec.Seccomp.Syscall(
      names: [name], action: "SCMP_ACT_ERRNO", errnoRet: 1, args: [Spec.Seccomp.Arg(index: index, value: value, valueTwo: valueTwo, op: op)])
  }
}

extension Integration {
  /// `linux.seccomp`, checked by what the filtered syscalls do inside the container.
  @Suite(.containerScope)
  struct SeccompFilters {
    @Test("SCMP_ACT_ERRNO makes mkdir fail with errnoRet; other syscalls still work", arguments: [
      (UInt32(1), "Operation not permitted"), (38, "Function not implemented"),
    ])
    func errnoAction(errnoRet: UInt32, message: String) throws {
      try withFixture("scerrno") { f in
        let bundle = try f.bundle(["sh", "-c", "mkdir /tmp/x; echo status=$?; touch /tmp/f && echo touched"]) { spec in
          spec.linux?.seccomp = allowAllBut([Spec.Seccomp.Syscall(names: mkdirSyscalls, action: "SCMP_ACT_ERRNO", errnoRet: errnoRet)])
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == "status=1\ntouched\n", "\(result)")
        #expect(result.stderr.contains("can't create directory '/tmp/x': \(message)"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: bundle.rootfs.appendingPathComponent("tmp/x").path))
      }
    }

    @Test("a kill action on mkdir kills the container's process with SIGSYS (exit 159)", arguments: [
      "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
    ])
    func killAction(action: String) throws {
      try withFixture("sckill") { f in
        let bundle = try f.bundle(["mkdir", "/tmp/x"]) { spec in
          spec.linux?.seccomp = allowAllBut([Spec.Seccomp.Syscall(names: mkdirSyscalls, action: action)])
        }
        let result = try f.run(bundle)
        #expect(result.status == 128 + SIGSYS, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: bundle.rootfs.appendingPathComponent("tmp/x").path))
      }
    }

    struct ArgCase: Sendable, CustomTestStringConvertible {
      var op: String
      var value: UInt64
      var valueTwo: UInt64?
      /// What `chmod 755`, `chmod 777` and `chmod 666` print, then the final mode.
      var expected: String
      var testDescription: String { "\(op) \(String(value, radix: 8))\(valueTwo.map { "/" + String($0, radix: 8) } ?? "")" }
    }

    @Test("an argument filter blocks chmod only for the matching mode", arguments: [
      // Exactly 0777 is refused; 0666 is another value.
      ArgCase(op: "SCMP_CMP_EQ", value: 0o777, valueTwo: nil, expected: "755=ok\n777=refused\n666=ok\n666\n"),
      // value is the mask, valueTwo the datum: every world-writable mode is refused.
      ArgCase(op: "SCMP_CMP_MASKED_EQ", value: 0o002, valueTwo: 0o002, expected: "755=ok\n777=refused\n666=refused\n755\n"),
    ])
    func argumentFilter(_ c: ArgCase) throws {
      try withFixture("scarg") { f in
        let script = """
          touch /tmp/f; for m in 755 777 666; do if chmod $m /tmp/f 2>/dev/null; then echo $m=ok; else echo $m=refused; fi; done; \
          busybox stat -c %a /tmp/f
          """
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.linux?.seccomp = allowAllBut(chmodRules(op: c.op, value: c.value, valueTwo: c.valueTwo))
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == c.expected, "\(result)")
      }
    }

    @Test("a syscall name unknown to libseccomp is skipped; the rest of its rule still applies")
    func unknownSyscallName() throws {
      try withFixture("scunknown") { f in
        let bundle = try f.bundle(["sh", "-c", "mkdir /tmp/x 2>/dev/null || echo refused; echo alive"]) { spec in
          spec.linux?.seccomp = allowAllBut([
            Spec.Seccomp.Syscall(names: ["berth_no_such_syscall"], action: "SCMP_ACT_KILL_PROCESS"),
            Spec.Seccomp.Syscall(names: ["berth_no_such_syscall_either"] + mkdirSyscalls, action: "SCMP_ACT_ERRNO"),
          ])
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == "refused\nalive\n", "\(result)")
      }
    }

    @Test("SCMP_ACT_NOTIFY is refused at create with one clear line, leaving nothing", arguments: ["create", "run"])
    func notifyRefused(verb: String) throws {
      try withFixture("scnotify") { f in
        let listener = f.scratch.appendingPathComponent("seccomp-agent.sock").path
        let bundle = try f.bundle(["true"]) { spec in
          var profile = allowAllBut([Spec.Seccomp.Syscall(names: mkdirSyscalls, action: "SCMP_ACT_NOTIFY")])
          profile.listenerPath = listener
          spec.linux?.seccomp = profile
        }
        let id = f.newID()
        let result = try f.runtime(verb, "--bundle", bundle.directory.path, id)
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.errorLines.count == 1, "one line on stderr: \(result)")
        #expect(result.stderr.lowercased().contains("notify"), "\(result)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        #expect(try f.state(id) == nil)
      }
    }
  }
}
