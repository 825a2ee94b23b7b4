import BerthOCI
import Testing

@testable import BerthCgroups

@Suite struct DeviceRuleTests {
  @Test(arguments: [
    (Resources.DeviceRule(allow: false, access: "rwm"), "a *:* rwm"),
    (Resources.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"), "c 1:3 rwm"),
    (Resources.DeviceRule(allow: true, type: "c", major: 136, access: "rw"), "c 136:* rw"),
    (Resources.DeviceRule(allow: true, type: "b", major: 8, minor: -1, access: "r"), "b 8:* r"),
    (Resources.DeviceRule(allow: true, type: "", major: nil, minor: 5), "a *:5 rwm"),
  ])
  func formatsRules(rule: Resources.DeviceRule, expected: String) {
    #expect(Cgroups.deviceRuleString(rule) == expected)
  }

  @Test func defaultRulesAreTheOCIDevices() {
    #expect(Cgroups.defaultDeviceRules.map(Cgroups.deviceRuleString) == [
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
      "c 136:* rwm",
    ])
    #expect(Cgroups.defaultDeviceRules.allSatisfy { $0.allow })
  }

  @Test func v1DenyAllThenRulesThenDefaults() throws {
    let (manager, fs) = v1Manager()
    var resources = Resources()
    resources.devices = [
      Resources.DeviceRule(allow: false, access: "rwm"),
      Resources.DeviceRule(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),
      Resources.DeviceRule(allow: false, type: "c", major: 1, minor: 9, access: "w"),
    ]
    try manager.apply(resources)
    let writes = fs.writes(in: "/sys/fs/cgroup/devices/c")
    #expect(Array(writes.prefix(3)) == ["devices.deny=a", "devices.allow=c 10:200 rwm", "devices.deny=c 1:9 w"])
    #expect(Array(writes.dropFirst(3)) == Cgroups.defaultDeviceRules.map { "devices.allow=" + Cgroups.deviceRuleString($0) })
  }

  @Test func v1WithoutDenyAllAddsNoDefaults() throws {
    let (manager, fs) = v1Manager()
    var resources = Resources()
    resources.devices = [Resources.DeviceRule(allow: false, type: "c", major: 5, minor: 1, access: "rwm")]
    try manager.apply(resources)
    #expect(fs.writes(in: "/sys/fs/cgroup/devices/c") == ["devices.deny=c 5:1 rwm"])
  }
}

/// Runs a device program over (type, access, major, minor) with a minimal eBPF interpreter that
/// knows the opcodes the filter uses.
func runDeviceProgram(_ program: [BPFInstruction], type: UInt32, access: UInt32, major: UInt32, minor: UInt32) -> UInt64 {
  let context: [Int16: UInt32] = [0: (access << 16) | type, 4: major, 8: minor]
  var reg = [UInt64](repeating: 0, count: 11)
  var pc = 0
  while pc < program.count {
    let insn = program[pc]
    let (dst, src) = (Int(insn.dst), Int(insn.src))
    pc += 1
    switch insn.code {
    case 0x61: reg[dst] = UInt64(context[insn.offset] ?? 0)
    case 0x54: reg[dst] = UInt64(UInt32(truncatingIfNeeded: reg[dst]) & UInt32(bitPattern: insn.imm))
    case 0x74: reg[dst] = UInt64(UInt32(truncatingIfNeeded: reg[dst]) >> UInt32(insn.imm))
    case 0xbc: reg[dst] = UInt64(UInt32(truncatingIfNeeded: reg[src]))
    case 0xb7: reg[dst] = UInt64(bitPattern: Int64(insn.imm))
    case 0x55: if reg[dst] != UInt64(bitPattern: Int64(insn.imm)) { pc += Int(insn.offset) }
    case 0x5d: if reg[dst] != reg[src] { pc += Int(insn.offset) }
    case 0x95: return reg[0]
    default: Issue.record("unexpected opcode \(insn.code)"); return 99
    }
  }
  Issue.record("program fell off the end")
  return 99
}

@Suite struct DeviceFilterTests {
  // access bits: m=1 r=2 w=4; types: b=1 c=2
  let ociRules = [Resources.DeviceRule(allow: false, access: "rwm")]
    + [Resources.DeviceRule(allow: true, type: "b", major: 8, minor: 0, access: "r")]
    + [Resources.DeviceRule(allow: false, type: "c", major: 1, minor: 9, access: "rwm")]
    + Cgroups.defaultDeviceRules

  @Test(arguments: [
    (UInt32(2), UInt32(6), UInt32(1), UInt32(3), UInt64(1)),  // rw /dev/null: default allow
    (2, 2, 136, 7, 1),  // read a pty: wildcard minor
    (1, 2, 8, 0, 1),  // read sda
    (1, 4, 8, 0, 0),  // write sda: rule only grants r
    (1, 2, 8, 1, 0),  // other block device: deny-all
    (2, 2, 10, 200, 0),  // tun: not listed
  ])
  func enforcesRules(type: UInt32, access: UInt32, major: UInt32, minor: UInt32, verdict: UInt64) throws {
    let program = try DeviceFilter.program(for: ociRules)
    #expect(runDeviceProgram(program, type: type, access: access, major: major, minor: minor) == verdict)
  }

  @Test func laterRuleWins() throws {
    // The urandom allow in the defaults comes after the deny of c 1:9, so it wins.
    let program = try DeviceFilter.program(for: ociRules)
    #expect(runDeviceProgram(program, type: 2, access: 2, major: 1, minor: 9) == 1)
    let denyLast = try DeviceFilter.program(for: Cgroups.defaultDeviceRules + [Resources.DeviceRule(allow: false, type: "c", major: 1, minor: 9)])
    #expect(runDeviceProgram(denyLast, type: 2, access: 2, major: 1, minor: 9) == 0)
    // Without a leading deny-all, unmatched devices are allowed.
    #expect(runDeviceProgram(denyLast, type: 1, access: 2, major: 8, minor: 0) == 1)
  }

  @Test func encodesInstructionsLittleEndian() {
    let insn = BPFInstruction(code: 0x55, dst: 4, src: 0, offset: 3, imm: 0x0102_0304)
    #expect(insn.bytes == [0x55, 0x04, 0x03, 0x00, 0x04, 0x03, 0x02, 0x01])
    #expect(BPFInstruction(code: 0x5d, dst: 1, src: 3, offset: -1).bytes.prefix(4) == [0x5d, 0x31, 0xff, 0xff])
  }

  @Test func invalidAccessIsRejected() {
    #expect(throws: (any Error).self) {
      try DeviceFilter.program(for: [Resources.DeviceRule(allow: true, type: "c", access: "x")])
    }
  }
}
