import BerthOCI
import Foundation
import Testing

/// A character device of the config with its owner.
private func charDevice(_ path: String, _ major: Int64, _ minor: Int64, mode: UInt32, uid: UInt32 = 0, gid: UInt32 = 0) -> Spec.Device {
  var device = Spec.Device(type: "c", path: path, major: major, minor: minor, fileMode: mode)
  device.uid = uid
  device.gid = gid
  return device
}

/// Prints "PATH=opened" for each path that opens for reading; the shell reports the others on
/// stderr. (A redirection of `true`, not of `exec`: a failed one would end the shell.)
private func openEach(_ paths: [String]) -> String {
  paths.map { "if true <\($0); then echo \($0)=opened; fi" }.joined(separator: "; ") + "; true"
}

/// /dev/net/tun: not one of the devices every container may use, and opening it needs no
/// capability, so a refusal can only come from the device cgroup.
private let tun = (path: "/dev/net/tun", major: Int64(10), minor: Int64(200))

extension Integration {
  /// `linux.devices` (the nodes) and `linux.resources.devices` (the device cgroup).
  @Suite(.containerScope)
  struct DeviceNodes {
    @Test("a linux.devices entry is a node with its type, numbers, mode and owner; its mode decides who reads it",
      arguments: [(UInt32(1000), true), (2000, false)])
    func deviceNode(uid: UInt32, canRead: Bool) throws {
      try withFixture("devnode") { f in
        let script = "busybox stat -c '%F %t %T %a %u %g' /dev/myrandom; head -c 16 /dev/myrandom | wc -c"
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.linux?.devices = [charDevice("/dev/myrandom", 1, 9, mode: 0o640, uid: 1000, gid: 1001)]
          // Not root: the default capabilities have no CAP_DAC_OVERRIDE anyway.
          spec.process?.user = Spec.User(uid: uid, gid: 3000)
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == "character special file 1 9 640 1000 1001\n\(canRead ? 16 : 0)\n", "\(result)")
        #expect(result.stderr.contains("Permission denied") == !canRead, "\(result)")
      }
    }

    @Test("deny-all plus an allow rule: the allowed device reads, a listed but not allowed one is refused")
    func deviceCgroup() throws {
      try withFixture("devcg") { f in
        let script = "ls /dev/mytun >/dev/null && echo mytun-exists; " + openEach(["/dev/myrandom", "/dev/mytun"])
        let bundle = try f.bundle(["sh", "-c", script]) { spec in
          spec.linux?.devices = [
            charDevice("/dev/myrandom", 1, 9, mode: 0o666), charDevice("/dev/mytun", tun.major, tun.minor, mode: 0o666),
          ]
          spec.linux?.resources?.devices = [
            Resources.DeviceRule(allow: false, access: "rwm"),
            Resources.DeviceRule(allow: true, type: "c", major: 1, minor: 9, access: "rw"),
          ]
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["mytun-exists", "/dev/myrandom=opened"], "the node is made; the allowed device opens: \(result)")
        // runc and crun put only linux.resources.devices (plus the default devices) in the
        // device cgroup: a node in linux.devices is not thereby allowed.
        #expect(!lines.contains("/dev/mytun=opened"), "\(result)")
        #expect(result.stderr.contains("/dev/mytun") && result.stderr.contains("Operation not permitted"), "\(result)")
      }
    }

    @Test("a host device bind-mounted in is refused by the default deny-all rule unless allowed", arguments: [false, true])
    func boundDevice(allowed: Bool) throws {
      try withFixture("devbind") { f in
        try #require(FileManager.default.fileExists(atPath: tun.path), "the host has \(tun.path)")
        let bundle = try f.bundle(["sh", "-c", openEach(["/dev/hosttun", "/dev/null"])]) { spec in
          spec.mounts?.append(Spec.Mount(destination: "/dev/hosttun", type: "bind", source: tun.path, options: ["bind"]))
          #expect(spec.linux?.resources?.devices?.first?.allow == false, "the default config denies every device")
          if allowed {
            spec.linux?.resources?.devices?.append(Resources.DeviceRule(allow: true, type: "c", major: tun.major, minor: tun.minor, access: "rw"))
          }
        }
        let result = try f.run(bundle)
        #expect(result.succeeded, "\(result)")
        if allowed {
          #expect(result.stdout == "/dev/hosttun=opened\n/dev/null=opened\n", "\(result)")
        } else {
          #expect(result.stdout == "/dev/null=opened\n", "the default devices stay usable: \(result)")
          #expect(result.stderr.contains("/dev/hosttun") && result.stderr.contains("Operation not permitted"), "\(result)")
        }
      }
    }
  }
}
