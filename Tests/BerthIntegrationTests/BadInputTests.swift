import BerthOCI
import Foundation
import Testing

/// A config or bundle that `create` must refuse.
enum BadBundle: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case malformedJSON
  case argsNotAList
  case missingCwd
  case relativeCwd
  case missingRootfs
  case unknownNamespace
  case badOCIVersion

  var testDescription: String { rawValue }

  /// Breaks a good bundle; returns a word the error message should contain.
  func apply(to bundle: inout Bundle) throws -> String {
    switch self {
    case .malformedJSON:
      try bundle.writeRaw("{")
      return "config.json"
    case .argsNotAList:
      try bundle.writeRaw(#"{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":"notalist","cwd":"/","user":{"uid":0,"gid":0}}}"#)
      return "args"
    case .missingCwd:
      try bundle.writeRaw(#"{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["true"],"user":{"uid":0,"gid":0}}}"#)
      return "cwd"
    case .relativeCwd:
      bundle.spec.process?.cwd = "relative/dir"
      try bundle.write()
      return "cwd"
    case .missingRootfs:
      try FileManager.default.removeItem(at: bundle.rootfs)
      return "rootfs"
    case .unknownNamespace:
      bundle.spec.linux?.namespaces?.append(Spec.Namespace(type: "foo"))
      try bundle.write()
      return "foo"
    case .badOCIVersion:
      bundle.spec.ociVersion = "banana"
      try bundle.write()
      return "ociVersion"
    }
  }
}

extension Integration {
  /// Refused requests: one clear line on stderr, a non-zero exit and nothing left behind.
  @Suite(.containerScope)
  struct BadInput {
    @Test("create refuses a bad bundle cleanly", arguments: BadBundle.allCases)
    func badBundle(_ bad: BadBundle) throws {
      try withFixture("bad") { f in
        var bundle = try f.bundle(["true"])
        let word = try bad.apply(to: &bundle)
        let id = f.newID()
        for verb in ["create", "run"] {
          let result = try f.runtime(verb, "--bundle", bundle.directory.path, id)
          #expect(result.status != 0 && !result.timedOut, "\(result)")
          #expect(result.errorLines.count == 1, "one line on stderr: \(result)")
          #expect(result.stderr.contains(word), "the error names \(word): \(result)")
          #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty, "\(verb) left something behind")
        }
        let state = try f.runtime("state", id)
        #expect(!state.succeeded, "no container \(id) exists")
      }
    }

    @Test("a second create with the same id fails and the first container still works")
    func duplicateID() throws {
      try withFixture("dup") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let other = try f.bundle(["sleep", "31"])
        let id = f.newID()
        try #require(try f.runtime("create", "--bundle", bundle.directory.path, id).succeeded)
        let first = try #require(try f.state(id))
        let second = try f.runtime("create", "--bundle", other.directory.path, id)
        #expect(second.status != 0)
        #expect(second.errorLines.count == 1, "\(second)")
        #expect(second.stderr.contains("exists"), "\(second)")
        let after = try #require(try f.state(id))
        #expect(after.status == .created)
        #expect(after.pid == first.pid)
        #expect(after.bundle == bundle.directory.path, "the first container's bundle is kept")
        #expect(try f.runtime("start", id).succeeded)
        let exec = try f.runtime("exec", id, "cat", "/proc/1/cmdline")
        #expect(exec.stdout == "sleep\u{0}30\u{0}", "\(exec)")
      }
    }

    @Test("start of a container that is not created fails", arguments: [State.Status.running, .stopped])
    func startTwice(_ status: State.Status) throws {
      try withFixture("start") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let pid = try f.startDetached(bundle, id: id)
        if status == .stopped {
          #expect(try f.runtime("kill", id, "KILL").succeeded)
          #expect(try f.waitFor(id, .stopped)?.status == .stopped)
        }
        let again = try f.runtime("start", id)
        #expect(again.status != 0)
        #expect(again.errorLines.count == 1, "\(again)")
        #expect(again.stderr.contains(status.rawValue), "\(again)")
        #expect(try f.state(id)?.status == status)
        #expect(HostProbe.isAlive(pid) == (status == .running))
      }
    }

    @Test("kill of a stopped container fails")
    func killStopped() throws {
      try withFixture("killstop") { f in
        let bundle = try f.bundle(["true"])
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        #expect(try f.waitFor(id, .stopped)?.status == .stopped)
        let kill = try f.runtime("kill", id, "TERM")
        #expect(kill.status != 0)
        #expect(kill.errorLines.count == 1, "\(kill)")
        #expect(kill.stderr.contains("stopped"), "\(kill)")
        #expect(try f.runtime("delete", id).succeeded, "a stopped container deletes without --force")
      }
    }

    @Test("delete without --force refuses a running container and leaves it running")
    func deleteRunning() throws {
      try withFixture("delrun") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let pid = try f.startDetached(bundle, id: id)
        let delete = try f.runtime("delete", id)
        #expect(delete.status != 0)
        #expect(delete.errorLines.count == 1, "\(delete)")
        #expect(delete.stderr.contains("running"), "\(delete)")
        #expect(try f.state(id)?.status == .running)
        #expect(HostProbe.isAlive(pid))
        #expect(FileManager.default.fileExists(atPath: HostProbe.cgroupDirectory("pids", id: id)))
        let exec = try f.runtime("exec", id, "true")
        #expect(exec.succeeded, "the container still works: \(exec)")
        let forced = try f.runtime("delete", "--force", id)
        #expect(forced.succeeded, "\(forced)")
        #expect(!HostProbe.isAlive(pid))
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
      }
    }

    @Test("verbs on an unknown container fail with one line naming it and leave nothing",
      arguments: [["state"], ["kill"], ["pause"], ["resume"], ["ps"], ["start"], ["delete"], ["exec"], ["update", "--pids-limit", "5"]])
    func unknownContainer(_ verb: [String]) throws {
      try withFixture("unknown") { f in
        let id = f.newID()
        let result = try f.runtime(verb + [id] + (verb == ["exec"] ? ["true"] : []))
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1, "\(result)")
        #expect(result.stderr.contains(id), "\(result)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
      }
    }

    @Test("delete --force of an unknown container succeeds quietly, as runc's does")
    func forceDeleteUnknown() throws {
      try withFixture("unknownf") { f in
        let id = f.newID()
        let result = try f.runtime("delete", "--force", id)
        #expect(result.succeeded, "\(result)")
        #expect(result.stderr.isEmpty)
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
      }
    }

    @Test("create passes the container only stdio: no descriptor of the caller leaks into init")
    func noLeakedDescriptors() throws {
      try withFixture("fds") { f in
        let bundle = try f.bundle(["sleep", "30"])
        let id = f.newID()
        let extra = open("/etc/hostname", O_RDONLY)
        try #require(extra >= 0)
        defer { close(extra) }
        let created = try f.runtime(["create", "--bundle", bundle.directory.path, id], inherit: extra)
        try #require(created.succeeded, "\(created)")
        let pid = try #require(try f.state(id)?.pid)
        let open = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int32($0) })
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/3")) ?? "none"
        // runc's init gets only stdio, preserve-fds and its own; berth's clone keeps the caller's.
        #expect(!open.contains(3) || target != "/etc/hostname", "descriptor 3 of create (/etc/hostname) is open in init")
        #expect(try f.runtime("start", id).succeeded)
        let afterStart = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).sorted()
        #expect(afterStart == ["0", "1", "2"], "the user's program has only stdio")
      }
    }
  }
}
