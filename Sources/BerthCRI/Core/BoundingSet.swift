import BerthOCI
import BerthSys

/// The node's capability bounding set. A process cannot gain a capability outside it, so a
/// privileged container (or `add_capabilities: ALL`) gets every capability the node has, not
/// every one the kernel knows: asking for more fails in capset(2) (this machine lacks
/// CAP_SYS_RESOURCE, for one). containerd and CRI-O do the same.
extension Engine {
  /// The capability names in berthd's own bounding set (`CapBnd` of /proc/self/status); nil
  /// when it cannot be read.
  static let boundingSet: Set<String>? = {
    guard let status = try? Sys.readFile("/proc/self/status"),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapBnd:") }),
      let mask = UInt64(line.dropFirst(7).trimmingWhitespace, radix: 16)
    else { return nil }
    return Set(Capability.names.enumerated().filter { mask & (UInt64(1) << UInt64($0.offset)) != 0 }.map(\.element))
  }()
}
