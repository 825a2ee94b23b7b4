import BerthCgroups
import BerthError
import BerthOCI
import Testing

@testable import BerthRuntime

@Suite struct SecurityTests {
  /// RLIMIT_* numbers of asm-generic/resource.h.
  @Test(arguments: [
    ("RLIMIT_CPU", Int32(0)), ("RLIMIT_FSIZE", 1), ("RLIMIT_DATA", 2), ("RLIMIT_STACK", 3), ("RLIMIT_CORE", 4),
    ("RLIMIT_RSS", 5), ("RLIMIT_NPROC", 6), ("RLIMIT_NOFILE", 7), ("RLIMIT_MEMLOCK", 8), ("RLIMIT_AS", 9),
    ("RLIMIT_LOCKS", 10), ("RLIMIT_SIGPENDING", 11), ("RLIMIT_MSGQUEUE", 12), ("RLIMIT_NICE", 13),
    ("RLIMIT_RTPRIO", 14), ("RLIMIT_RTTIME", 15),
  ])
  func rlimitNumber(name: String, number: Int32) {
    #expect(Security.rlimitNumber(name) == number)
  }

  @Test(arguments: ["RLIMIT_BOGUS", "NOFILE", "rlimit_nofile", ""])
  func unknownRlimit(name: String) {
    #expect(Security.rlimitNumber(name) == nil)
  }

  @Test func everyValidatedRlimitHasANumber() {
    for name in Known.rlimits { #expect(Security.rlimitNumber(name) != nil, "\(name)") }
  }

  @Test func mask() {
    #expect(Security.mask(nil, last: 40) == 0)
    #expect(Security.mask([], last: 40) == 0)
    #expect(Security.mask(["CAP_CHOWN"], last: 40) == 1)
    #expect(Security.mask(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"], last: 40) == 1 << 5 | 1 << 10 | 1 << 29)
    #expect(Security.mask(["kill", "CAP_KILL"], last: 40) == 1 << 5)
    #expect(Security.mask(["CAP_TEST", "CAP_SYS_ADMIN"], last: 40) == 1 << 21)
  }

  @Test func maskDropsCapabilitiesAboveLast() {
    let names = ["CAP_CHOWN", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]
    #expect(Security.mask(names, last: 37) == 1 | 1 << 37)
    #expect(Security.mask(names, last: 38) == 1 | 1 << 37 | 1 << 38)
    #expect(Security.mask(names, last: 40) == 1 | 1 << 37 | 1 << 38 | 1 << 39 | 1 << 40)
    #expect(Security.mask(Capability.names, last: 40) == (1 << 41) - 1)
  }

  @Test func trimmed() {
    #expect(" \t40\n".trimmed() == "40")
    #expect("".trimmed() == "")
    #expect(" a b ".trimmed() == "a b")
  }
}

@Suite struct StateStoreTests {
  @Test(arguments: ["a", "web-1", "c0ffee_1.2", "A:B@c+d", String(repeating: "x", count: 1024), "..a", ".hidden"])
  func acceptsIDs(id: String) throws {
    try StateStore.validate(id: id)
  }

  @Test(arguments: [
    "", ".", "..", "a/b", "/abs", "a b", "tab\there", "nl\n", "bell\u{07}", "del\u{7f}", "caf\u{e9}",
    String(repeating: "x", count: 1025),
  ])
  func rejectsIDs(id: String) {
    let error = #expect(throws: BerthError.self) { try StateStore.validate(id: id) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("invalid container id") == true)
  }
}

@Suite struct ContainerRecordTests {
  func record(pid: Int32) -> ContainerRecord {
    ContainerRecord(
      id: "c1", bundle: "/bundles/c1", rootfs: "/bundles/c1/rootfs", created: "2026-01-01T00:00:00Z", owner: "",
      pid: pid, startTime: 12345, annotations: ["k": "v"], poststart: nil, poststop: nil, ownsPidNamespace: true,
      cgroupPaths: [:], cgroupMode: .v2, cgroupsPath: nil)
  }

  @Test(arguments: [State.Status.created, .running, .paused, .creating])
  func liveStatesKeepThePid(status: State.Status) {
    let state = record(pid: 4242).state(status: status)
    #expect(state.pid == 4242)
    #expect(state.status == status)
  }

  @Test func stoppedZeroesThePid() {
    let state = record(pid: 4242).state(status: .stopped)
    #expect(state.pid == 0)
    #expect(state.status == .stopped)
    #expect(state.id == "c1")
    #expect(state.bundle == "/bundles/c1")
    #expect(state.rootfs == "/bundles/c1/rootfs")
    #expect(state.created == "2026-01-01T00:00:00Z")
    #expect(state.annotations == ["k": "v"])
    #expect(state.ociVersion == Spec.version)
  }

  @Test func deadPidIsStopped() {
    #expect(record(pid: 0).status(in: "/nonexistent", frozen: { false }) == .stopped)
    #expect(record(pid: -1).status(in: "/nonexistent", frozen: { true }) == .stopped)
  }
}
