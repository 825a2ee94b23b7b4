#if canImport(Glibc)
import Glibc
#endif
import BerthError
import CLinuxSys

/// Loads cgroup v2 device programs into the kernel.
public enum DeviceProgram {
  /// The loader that attaches a `DeviceFilter` program to a cgroup v2 directory with bpf(2),
  /// replacing the device programs attached there before.
  public static let kernelLoader: DeviceProgramLoader = { program, cgroupPath in
    let fd = open(cgroupPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      throw BerthError(.syscall, "open \(cgroupPath): \(String(cString: berth_strerror(errno)))", errno: errno)
    }
    defer { close(fd) }
    let bytes = program.flatMap(\.bytes)
    var log = [CChar](repeating: 0, count: 16384)
    let rc = bytes.withUnsafeBytes { insns in
      berth_cgroup_device_program_replace(fd, insns.baseAddress, UInt32(program.count), &log, UInt32(log.count))
    }
    if rc != 0 {
      let err = errno
      let verifier = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let detail = verifier.isEmpty ? "" : " (verifier: \(verifier.split(separator: "\n").suffix(3).joined(separator: "; ")))"
      throw BerthError(.syscall, "load device program into \(cgroupPath): \(String(cString: berth_strerror(err)))\(detail)", errno: err)
    }
  }
}
