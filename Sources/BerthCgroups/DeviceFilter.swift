import BerthError
import BerthOCI

/// Loads a cgroup device program and attaches it to a cgroup v2 directory (BPF_PROG_LOAD with
/// BPF_PROG_TYPE_CGROUP_DEVICE, license "GPL", then BPF_PROG_ATTACH with BPF_CGROUP_DEVICE),
/// replacing any program Berth attached there before. Supplied by the runtime, which owns bpf(2).
public typealias DeviceProgramLoader = @Sendable (_ program: [BPFInstruction], _ cgroupPath: String) throws -> Void

/// One eBPF instruction, laid out as the kernel's `struct bpf_insn`.
public struct BPFInstruction: Equatable, Sendable {
  /// Opcode: class, size/operation and source bits.
  public var code: UInt8
  /// Destination register (low nibble of the register byte).
  public var dst: UInt8
  /// Source register (high nibble of the register byte).
  public var src: UInt8
  /// Signed jump or memory offset.
  public var offset: Int16
  /// Signed immediate.
  public var imm: Int32

  /// Creates an instruction.
  public init(code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
    self.code = code
    self.dst = dst
    self.src = src
    self.offset = offset
    self.imm = imm
  }

  /// The 8 little-endian bytes the kernel reads.
  public var bytes: [UInt8] {
    let off = UInt16(bitPattern: offset)
    let value = UInt32(bitPattern: imm)
    return [code, (src << 4) | (dst & 0x0f), UInt8(off & 0xff), UInt8(off >> 8)]
      + (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xff) }
  }
}

/// Builds the cgroup v2 device filter: the program the kernel runs with a `bpf_cgroup_dev_ctx`
/// (access_type = access << 16 | type, major, minor) in r1, returning 1 to allow and 0 to deny.
public enum DeviceFilter {
  // Opcodes (class | operation | source).
  static let loadWord: UInt8 = 0x61  // BPF_LDX | BPF_MEM | BPF_W
  static let and32Imm: UInt8 = 0x54  // BPF_ALU | BPF_AND | BPF_K
  static let rsh32Imm: UInt8 = 0x74  // BPF_ALU | BPF_RSH | BPF_K
  static let mov32Reg: UInt8 = 0xbc  // BPF_ALU | BPF_MOV | BPF_X
  static let mov64Imm: UInt8 = 0xb7  // BPF_ALU64 | BPF_MOV | BPF_K
  static let jneImm: UInt8 = 0x55  // BPF_JMP | BPF_JNE | BPF_K
  static let jneReg: UInt8 = 0x5d  // BPF_JMP | BPF_JNE | BPF_X
  static let exit: UInt8 = 0x95  // BPF_JMP | BPF_EXIT

  /// The program for `rules`. The last matching rule decides, as successive writes to v1
  /// devices.allow/deny would; a device no rule matches is denied if the list starts with
  /// deny-all (the OCI norm) and allowed otherwise.
  /// - Parameter rules: the OCI device rules, in order
  /// - Returns: the instructions
  public static func program(for rules: [Resources.DeviceRule]) throws -> [BPFInstruction] {
    var program: [BPFInstruction] = [
      // r2 = type, r3 = access, r4 = major, r5 = minor
      BPFInstruction(code: loadWord, dst: 2, src: 1, offset: 0),
      BPFInstruction(code: and32Imm, dst: 2, imm: 0xffff),
      BPFInstruction(code: loadWord, dst: 3, src: 1, offset: 0),
      BPFInstruction(code: rsh32Imm, dst: 3, imm: 16),
      BPFInstruction(code: loadWord, dst: 4, src: 1, offset: 4),
      BPFInstruction(code: loadWord, dst: 5, src: 1, offset: 8),
    ]
    let denyByDefault = rules.first.map { !$0.allow && $0.matchesAll } ?? false
    for rule in rules.reversed() {
      let block = try block(for: rule)
      program += block
      // A rule without checks decides every access: the kernel's verifier refuses the
      // unreachable instructions that would follow it.
      if !block.contains(where: { $0.code == jneImm || $0.code == jneReg }) { return program }
    }
    program.append(BPFInstruction(code: mov64Imm, dst: 0, imm: denyByDefault ? 0 : 1))
    program.append(BPFInstruction(code: exit))
    return program
  }

  /// The instructions of one rule: each check jumps past the block on mismatch, and a match
  /// returns the rule's verdict.
  static func block(for rule: Resources.DeviceRule) throws -> [BPFInstruction] {
    var checks: [[BPFInstruction]] = []
    switch rule.type ?? "a" {
    case "a", "": break
    case "b": checks.append([BPFInstruction(code: jneImm, dst: 2, imm: 1)])  // BPF_DEVCG_DEV_BLOCK
    case "c": checks.append([BPFInstruction(code: jneImm, dst: 2, imm: 2)])  // BPF_DEVCG_DEV_CHAR
    default: throw BerthError.invalid("invalid device rule type \(rule.type ?? "")")
    }
    var mask: Int32 = 0
    for letter in rule.access ?? "rwm" {
      switch letter {
      case "m": mask |= 1  // BPF_DEVCG_ACC_MKNOD
      case "r": mask |= 2  // BPF_DEVCG_ACC_READ
      case "w": mask |= 4  // BPF_DEVCG_ACC_WRITE
      default: throw BerthError.invalid("invalid device rule access \(rule.access ?? "")")
      }
    }
    if mask != 0 && mask != 7 {
      // The requested access must be a subset of the rule's: (access & mask) == access.
      checks.append([
        BPFInstruction(code: mov32Reg, dst: 1, src: 3),
        BPFInstruction(code: and32Imm, dst: 1, imm: mask),
        BPFInstruction(code: jneReg, dst: 1, src: 3),
      ])
    }
    if let major = rule.major, major >= 0 { checks.append([BPFInstruction(code: jneImm, dst: 4, imm: Int32(truncatingIfNeeded: major))]) }
    if let minor = rule.minor, minor >= 0 { checks.append([BPFInstruction(code: jneImm, dst: 5, imm: Int32(truncatingIfNeeded: minor))]) }
    var block = checks.flatMap { $0 }
    block.append(BPFInstruction(code: mov64Imm, dst: 0, imm: rule.allow ? 1 : 0))
    block.append(BPFInstruction(code: exit))
    // Point every jump at the first instruction after the block.
    for index in block.indices where block[index].code == jneImm || block[index].code == jneReg {
      block[index].offset = Int16(block.count - index - 1)
    }
    return block
  }
}

extension CgroupV2Manager {
  /// Builds the device program and hands it to the loader; without a loader, device rules are
  /// not enforced on cgroup v2.
  func applyDevices(_ rules: [Resources.DeviceRule]) throws {
    guard let deviceProgramLoader else { return }
    let denyAll = rules.first.map { !$0.allow && $0.matchesAll } ?? false
    try deviceProgramLoader(try DeviceFilter.program(for: denyAll ? rules + Cgroups.defaultDeviceRules : rules), path)
  }
}
