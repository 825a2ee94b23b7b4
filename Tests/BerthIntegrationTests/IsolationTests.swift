import BerthOCI
import Foundation
import Testing

extension Integration {
  /// What the container's process sees of its identity and filesystem, checked from inside.
  @Suite(.containerScope)
  struct Isolation {
    @Test("hostname comes from the config")
    func hostname() throws {
      try withFixture("host") { f in
        let bundle = try f.bundle(["hostname"]) { $0.hostname = "berth-itest" }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == "berth-itest\n")
      }
    }

    struct UserCase: Sendable, CustomTestStringConvertible {
      var uid: UInt32
      var gid: UInt32
      var additionalGids: [UInt32]
      var umask: UInt32
      var userNamespace: Bool
      var testDescription: String { "uid \(uid) gid \(gid) groups \(additionalGids) umask \(String(umask, radix: 8))\(userNamespace ? " in a user namespace" : "")" }
    }

    @Test("process.user sets uid, gid, additional gids and umask", arguments: [
      UserCase(uid: 1000, gid: 1001, additionalGids: [2000, 3000], umask: 0o027, userNamespace: false),
      UserCase(uid: 0, gid: 0, additionalGids: [], umask: 0o077, userNamespace: false),
      UserCase(uid: 0, gid: 0, additionalGids: [10], umask: 0o022, userNamespace: true),
    ])
    func user(_ c: UserCase) throws {
      try withFixture("user") { f in
        let script = "cat /proc/self/uid_map /proc/self/gid_map; grep -E '^(Uid|Gid|Groups):' /proc/self/status; umask; id -u; id -g; id -G"
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.process?.user = Spec.User(uid: c.uid, gid: c.gid, umask: c.umask, additionalGids: c.additionalGids)
          if c.userNamespace {
            spec.linux?.namespaces?.append(Spec.Namespace(type: "user"))
            spec.linux?.uidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
            spec.linux?.gidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
          }
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        let lines = result.stdout.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
        try #require(lines.count == 9, "\(result)")
        let map = c.userNamespace ? ["0", "100000", "65536"] : ["0", "0", "4294967295"]
        #expect(lines[0] == map, "uid_map")
        #expect(lines[1] == map, "gid_map")
        #expect(lines[2] == ["Uid:"] + Array(repeating: String(c.uid), count: 4))
        #expect(lines[3] == ["Gid:"] + Array(repeating: String(c.gid), count: 4))
        #expect(Set(lines[4].dropFirst()) == Set(c.additionalGids.map(String.init)), "supplementary groups are exactly additionalGids")
        #expect(lines[5] == ["0" + String(c.umask, radix: 8).leftPadded(to: 3)])
        #expect(lines[6] == [String(c.uid)], "id -u")
        #expect(lines[7] == [String(c.gid)], "id -g")
        #expect(Set(lines[8]) == Set(([c.gid] + c.additionalGids).map(String.init)), "id -G")
      }
    }

    @Test("a tmpfs mount appears in /proc/self/mounts with its options")
    func tmpfsMount() throws {
      try withFixture("tmpfs") { f in
        let bundle = try f.bundle(["sh", "-c", "grep ' /mnt/scratch ' /proc/self/mounts; echo hi > /mnt/scratch/f && cat /mnt/scratch/f"]) { spec in
          spec.mounts?.append(
            Spec.Mount(destination: "/mnt/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "size=2m", "mode=700"]))
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 2, "\(result)")
        let fields = lines[0].split(separator: " ")
        #expect(fields.count >= 4 && fields[2] == "tmpfs")
        let options = Set((fields.count >= 4 ? fields[3] : "").split(separator: ",").map(String.init))
        #expect(options.isSuperset(of: ["rw", "nosuid", "nodev", "noexec", "size=2048k", "mode=700"]), "\(options)")
        #expect(lines[1] == "hi")
      }
    }

    @Test("a read-only bind mount of a host directory is visible and cannot be written")
    func readOnlyBind() throws {
      try withFixture("bind") { f in
        let host = try f.directory("hostdata")
        try Data("from-host\n".utf8).write(to: host.appendingPathComponent("hello.txt"))
        let script = "cat /data/hello.txt; if echo x > /data/new 2>/dev/null; then echo WRITABLE; else echo READONLY; fi; grep ' /data ' /proc/self/mounts"
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.mounts?.append(Spec.Mount(destination: "/data", type: "bind", source: host.path, options: ["rbind", "ro"]))
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 3, "\(result)")
        #expect(lines[0] == "from-host")
        #expect(lines[1] == "READONLY")
        #expect(lines[2].split(separator: " ").dropFirst(3).first?.split(separator: ",").first == "ro")
        #expect(!FileManager.default.fileExists(atPath: host.appendingPathComponent("new").path))
      }
    }

    @Test("root.readonly decides whether / can be written", arguments: [true, false])
    func readonlyRoot(readonly: Bool) throws {
      try withFixture("roroot") { f in
        let script = "if echo x > /written 2>/dev/null; then echo WRITABLE; else echo READONLY; fi; echo ok > /dev/shm/f && cat /dev/shm/f"
        let bundle = try f.bundle(["sh", "-c", script]) { $0.root?.readonly = readonly }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == (readonly ? "READONLY\nok\n" : "WRITABLE\nok\n"), "the tmpfs mounts stay writable either way")
        let onHost = FileManager.default.fileExists(atPath: bundle.rootfs.appendingPathComponent("written").path)
        #expect(onHost == !readonly)
      }
    }

    @Test("maskedPaths hide files and directories; readonlyPaths cannot be written")
    func maskedAndReadonlyPaths() throws {
      try withFixture("mask") { f in
        let script = """
          echo "secret=[$(cat /etc/secret.txt)]"; echo "hidden=[$(ls /etc/hidden)]"; \
          if echo x > /etc/frozen/new 2>/dev/null; then echo frozen=WRITABLE; else echo frozen=READONLY; fi; \
          echo "frozen-read=[$(cat /etc/frozen/keep.txt)]"; \
          if echo x > /etc/open.txt 2>/dev/null; then echo open=WRITABLE; else echo open=READONLY; fi; \
          grep -c ' /proc/sys proc ro,' /proc/self/mounts; \
          for p in /proc/kcore /proc/timer_list /proc/keys; do test -e $p && echo "$p=$(cat $p | wc -c)"; done; true
          """
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          let masked = spec.linux?.maskedPaths ?? []
          let readonly = spec.linux?.readonlyPaths ?? []
          spec.linux?.maskedPaths = masked + ["/etc/secret.txt", "/etc/hidden"]
          spec.linux?.readonlyPaths = readonly + ["/etc/frozen"]
        }
        try bundle.addFile("/etc/secret.txt", contents: "TOPSECRET")
        try bundle.addFile("/etc/hidden/inner.txt", contents: "x")
        try bundle.addFile("/etc/frozen/keep.txt", contents: "kept")
        try bundle.addFile("/etc/open.txt", contents: "")
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        // The default masked files this kernel has read as empty in the container.
        let defaults = ["/proc/kcore", "/proc/timer_list", "/proc/keys"]
          .filter { FileManager.default.fileExists(atPath: $0) }.map { "\($0)=0" }
        #expect(
          result.stdout.split(separator: "\n").map(String.init) == [
            "secret=[]", "hidden=[]", "frozen=READONLY", "frozen-read=[kept]", "open=WRITABLE", "1",
          ] + defaults, "\(result)")
      }
    }

    struct CapabilityCase: Sendable, CustomTestStringConvertible {
      var names: [String]
      /// Independent of the runtime's table: linux/capability.h numbers.
      var numbers: [Int]
      var noNewPrivileges: Bool
      var expectedMask: String { String(format: "%016llx", numbers.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }) }
      var testDescription: String { "\(names.isEmpty ? "no capabilities" : names.joined(separator: ",")) noNewPrivileges=\(noNewPrivileges)" }
    }

    @Test("CapEff, CapPrm and CapBnd equal the configured sets; NoNewPrivs follows the config", arguments: [
      CapabilityCase(names: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"], numbers: [0, 5, 10], noNewPrivileges: true),
      CapabilityCase(names: ["CAP_KILL"], numbers: [5], noNewPrivileges: false),
      CapabilityCase(names: ["CAP_SETUID", "CAP_SETGID", "CAP_SYS_ADMIN", "CAP_AUDIT_WRITE"], numbers: [7, 6, 21, 29], noNewPrivileges: true),
      CapabilityCase(names: [], numbers: [], noNewPrivileges: true),
    ])
    func capabilities(_ c: CapabilityCase) throws {
      try withFixture("caps") { f in
        let bundle = try f.bundle(["grep", "-E", "^(CapEff|CapPrm|CapBnd|NoNewPrivs):", "/proc/self/status"]) { spec in
          spec.process?.capabilities = Spec.Capabilities(bounding: c.names, effective: c.names, permitted: c.names)
          spec.process?.noNewPrivileges = c.noNewPrivileges
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        var fields: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
          let parts = line.split(separator: ":", maxSplits: 1)
          if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        #expect(fields["CapEff"] == c.expectedMask)
        #expect(fields["CapPrm"] == c.expectedMask)
        #expect(fields["CapBnd"] == c.expectedMask)
        #expect(fields["NoNewPrivs"] == (c.noNewPrivileges ? "1" : "0"))
      }
    }

    @Test("RLIMIT_NOFILE soft and hard limits apply", arguments: [(512, 1024), (100, 200), (64, 64)])
    func rlimitNofile(soft: UInt64, hard: UInt64) throws {
      try withFixture("rlimit") { f in
        let bundle = try f.bundle(["sh", "-c", "ulimit -n; ulimit -Hn"]) { spec in
          spec.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: hard, soft: soft)]
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == "\(soft)\n\(hard)\n")
      }
    }
  }
}

extension String {
  func leftPadded(to width: Int, with pad: Character = "0") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}
