import BerthOCI
import Foundation
import Testing

/// Hooks get an empty environment unless the config gives one.
private let hookEnv = ["PATH=/bin:/usr/bin:/sbin:/usr/sbin"]

/// A busybox shell script that appends "NAME STATUS ID" to LOG, reading the state JSON on its
/// stdin; `name` and `log` are the shell parameters that hold NAME and LOG.
private func recordScript(name: String, log: String) -> String {
  #"s=$(cat); st=$(echo "$s" | busybox sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'); "#
    + #"id=$(echo "$s" | busybox sed -n 's/.*"id": *"\([^"]*\)".*/\1/p'); "#
    + #"echo "\#(name) $st $id" >> "\#(log)""#
}

/// A hook run by the host's static busybox (on the host for most hooks; createContainer runs
/// in the container's mount namespace before pivot_root, where the host's /bin still shows).
private func hostHook(_ name: String, log: String) -> Spec.Hook {
  Spec.Hook(path: Busybox.hostPath, args: ["busybox", "sh", "-c", recordScript(name: "$0", log: "$1"), name, log], env: hookEnv)
}

/// A hook that runs `script` in the host's busybox shell.
private func shellHook(_ script: String, timeout: Int? = nil) -> Spec.Hook {
  Spec.Hook(path: Busybox.hostPath, args: ["busybox", "sh", "-c", script], env: hookEnv, timeout: timeout)
}

extension Integration {
  /// OCI hooks: when each kind runs, what it reads on stdin, and what its failure does.
  @Suite(.containerScope)
  struct HookRuns {
    @Test("every hook kind runs once, in lifecycle order, with the container's id and status")
    func order() throws {
      try withFixture("hooks") { f in
        let logDir = try f.directory("hooklog")
        let hostLog = logDir.appendingPathComponent("log").path
        let bundle = try f.bundle(["true"]) { spec in
          var hooks = Spec.Hooks()
          hooks.prestart = [hostHook("prestart", log: hostLog)]
          hooks.createRuntime = [hostHook("createRuntime", log: hostLog)]
          hooks.createContainer = [hostHook("createContainer", log: hostLog)]
          // startContainer runs in the container after pivot_root: its path is the container's.
          hooks.startContainer = [Spec.Hook(path: "/bin/start-hook", args: ["start-hook", "startContainer", "/hooklog/log"], env: hookEnv)]
          hooks.poststart = [hostHook("poststart", log: hostLog)]
          hooks.poststop = [hostHook("poststop", log: hostLog)]
          spec.hooks = hooks
          spec.mounts?.append(Spec.Mount(destination: "/hooklog", type: "bind", source: logDir.path, options: ["rbind", "rw"]))
        }
        try bundle.addFile("/bin/start-hook", contents: "#!/bin/sh\n" + recordScript(name: "$1", log: "$2") + "\n")
        try #require(chmod(bundle.rootfs.appendingPathComponent("bin/start-hook").path, 0o755) == 0)
        #expect(!FileManager.default.fileExists(atPath: "/bin/start-hook"), "the host has no such hook: only the container's path resolves")
        let id = f.newID()

        func logged() -> [String] {
          ((try? String(contentsOfFile: hostLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let created = try f.runtime("create", "--bundle", bundle.directory.path, id)
        try #require(created.succeeded, "\(created)")
        // The create hooks see the container as created (runtime-tools checks it).
        #expect(logged() == ["prestart created \(id)", "createRuntime created \(id)", "createContainer created \(id)"])
        let started = try f.runtime("start", id)
        #expect(started.succeeded, "\(started)")
        #expect(logged().dropFirst(3) == ["startContainer running \(id)", "poststart running \(id)"])
        #expect(try f.waitFor(id, .stopped)?.status == .stopped)
        #expect(try f.runtime("delete", id).succeeded)
        #expect(logged().dropFirst(5) == ["poststop stopped \(id)"])
      }
    }

    @Test("a failing hook of create fails create with one line naming it and leaves nothing", arguments: [
      "prestart", "createRuntime", "createContainer",
    ])
    func failingCreateHook(kind: String) throws {
      try withFixture("hookfail") { f in
        let marker = f.scratch.appendingPathComponent("later-hook-ran").path
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          var hooks = Spec.Hooks()
          let failing = [shellHook("echo hook-says-no >&2; exit 3")]
          switch kind {
          case "prestart": hooks.prestart = failing
          case "createRuntime": hooks.createRuntime = failing
          default: hooks.createContainer = failing
          }
          // Nothing after the failure runs, but poststop is not part of create.
          hooks.startContainer = [shellHook("touch \(marker)")]
          spec.hooks = hooks
        }
        let id = f.newID()
        let result = try f.runtime("create", "--bundle", bundle.directory.path, id)
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(result.stderr.contains(kind), "\(result)")
        #expect(result.stderr.contains("3"), "the exit status is named: \(result)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        #expect(try f.state(id) == nil)
        #expect(!FileManager.default.fileExists(atPath: marker))
      }
    }

    @Test("a failing poststop hook does not stop delete")
    func failingPoststop() throws {
      try withFixture("hookpoststop") { f in
        let bundle = try f.bundle(["true"]) { spec in
          var hooks = Spec.Hooks()
          hooks.poststop = [shellHook("exit 5")]
          spec.hooks = hooks
        }
        let id = f.newID()
        try f.startDetached(bundle, id: id)
        #expect(try f.waitFor(id, .stopped)?.status == .stopped)
        let deleted = try f.runtime("delete", id)
        #expect(deleted.succeeded, "\(deleted)")
        #expect(deleted.stderr.contains("poststop"), "a warning names the failed hook: \(deleted)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        #expect(try f.state(id) == nil)
      }
    }

    @Test("a failing poststart hook is a warning: start succeeds and the container runs")
    func failingPoststart() throws {
      try withFixture("hookpoststart") { f in
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          var hooks = Spec.Hooks()
          hooks.poststart = [shellHook("exit 4")]
          spec.hooks = hooks
        }
        let id = f.newID()
        try #require(try f.runtime("create", "--bundle", bundle.directory.path, id).succeeded)
        let started = try f.runtime("start", id)
        #expect(started.succeeded, "\(started)")
        #expect(started.stderr.contains("poststart"), "\(started)")
        #expect(try f.state(id)?.status == .running)
      }
    }

    @Test("a hook past its timeout is killed and fails create within a few seconds")
    func hookTimeout() throws {
      try withFixture("hooktimeout") { f in
        let pidFile = f.scratch.appendingPathComponent("hook.pid").path
        let bundle = try f.bundle(["sleep", "30"]) { spec in
          var hooks = Spec.Hooks()
          hooks.prestart = [shellHook("echo $$ > \(pidFile); exec busybox sleep 5", timeout: 1)]
          spec.hooks = hooks
        }
        let id = f.newID()
        let began = Date()
        let result = try f.runtime("create", "--bundle", bundle.directory.path, id)
        let took = Date().timeIntervalSince(began)
        #expect(result.status != 0 && !result.timedOut, "\(result)")
        #expect(took < 4, "create gave up after \(took) s")
        #expect(result.stderr.contains("prestart"), "\(result)")
        #expect(HostProbe.leftovers(root: f.root, .id(id)).isEmpty)
        let hookPid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(hookPid > 0, "the hook ran")
        #expect(!HostProbe.isAlive(hookPid), "the hook was killed, not left sleeping")
      }
    }
  }
}
