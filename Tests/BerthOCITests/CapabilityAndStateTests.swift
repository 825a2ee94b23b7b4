import BerthOCI
import Foundation
import Testing

@Suite struct CapabilityTests {
  @Test(arguments: [
    ("CAP_CHOWN", 0), ("chown", 0), ("cap_chown", 0), ("Cap_Kill", 5), ("KILL", 5), ("CAP_NET_BIND_SERVICE", 10),
    ("net_admin", 12), ("CAP_SYS_ADMIN", 21), ("sys_admin", 21), ("CAP_MKNOD", 27), ("CAP_SETFCAP", 31),
    ("CAP_AUDIT_READ", 37), ("perfmon", 38), ("CAP_BPF", 39), ("CAP_CHECKPOINT_RESTORE", 40),
  ])
  func numberOfKnownNames(name: String, number: Int) {
    #expect(Capability.number(of: name) == number)
  }

  @Test(arguments: ["CAP_TEST", "TEST", "", "CAP_", "CAP_CAP_KILL", "CAP KILL", "21"])
  func numberOfUnknownNames(name: String) {
    #expect(Capability.number(of: name) == nil)
  }

  @Test(arguments: [(0, "CAP_CHOWN"), (7, "CAP_SETUID"), (21, "CAP_SYS_ADMIN"), (40, "CAP_CHECKPOINT_RESTORE")])
  func nameOfNumber(number: Int, name: String) {
    #expect(Capability.name(of: number) == name)
  }

  @Test(arguments: [-1, 41, 64, Int.max])
  func nameOfUnknownNumber(number: Int) {
    #expect(Capability.name(of: number) == nil)
  }

  @Test func namesRoundTrip() {
    #expect(Capability.names.count == 41)
    for (index, name) in Capability.names.enumerated() {
      #expect(Capability.number(of: name) == index)
      #expect(Capability.name(of: index) == name)
    }
  }
}

@Suite struct StateTests {
  typealias Status = State.Status

  @Test(arguments: [
    // status, canStart, canKill, canDelete, canPause, canResume
    (Status.creating, false, false, false, false, false),
    (Status.created, true, true, false, true, false),
    (Status.running, false, true, false, true, false),
    (Status.paused, false, true, false, false, true),
    (Status.stopped, false, false, true, false, false),
  ])
  func predicates(status: Status, start: Bool, kill: Bool, delete: Bool, pause: Bool, resume: Bool) {
    #expect(status.canStart == start)
    #expect(status.canKill == kill)
    #expect(status.canDelete == delete)
    #expect(status.canPause == pause)
    #expect(status.canResume == resume)
  }

  @Test func encodesTheRuncFields() throws {
    let state = State(
      id: "web-1", status: .running, pid: 4242, bundle: "/srv/bundles/web-1", rootfs: "/srv/bundles/web-1/rootfs",
      created: "2026-01-02T03:04:05.123456789Z", owner: "")
    let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as? [String: Any])
    #expect(Set(object.keys) == ["ociVersion", "id", "status", "pid", "bundle", "rootfs", "created", "owner"])
    #expect(object["ociVersion"] as? String == Spec.version)
    #expect(object["id"] as? String == "web-1")
    #expect(object["status"] as? String == "running")
    #expect(object["pid"] as? Int == 4242)
    #expect(object["bundle"] as? String == "/srv/bundles/web-1")
    #expect(object["rootfs"] as? String == "/srv/bundles/web-1/rootfs")
    #expect(object["created"] as? String == "2026-01-02T03:04:05.123456789Z")
    #expect(object["owner"] as? String == "")
  }

  @Test func annotationsAreEncodedWhenSet() throws {
    let state = State(id: "a", status: .created, pid: 1, bundle: "/b", rootfs: "/b/rootfs", created: "t", annotations: ["k": "v"])
    let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(state)) as? [String: Any])
    #expect(object["annotations"] as? [String: String] == ["k": "v"])
  }

  @Test func decodesRuncOutput() throws {
    let json = """
      {"ociVersion":"1.0.2-dev","id":"c1","pid":77,"status":"stopped","bundle":"/b","rootfs":"/b/rootfs",\
      "created":"2026-01-02T03:04:05Z","owner":"root"}
      """
    let state = try JSONDecoder().decode(State.self, from: Data(json.utf8))
    #expect(state.ociVersion == "1.0.2-dev")
    #expect(state.status == .stopped)
    #expect(state.pid == 77)
    #expect(state.owner == "root")
  }

  @Test(arguments: ["creating", "created", "running", "stopped", "paused"])
  func statusRawValues(raw: String) {
    #expect(State.Status(rawValue: raw)?.rawValue == raw)
  }
}
