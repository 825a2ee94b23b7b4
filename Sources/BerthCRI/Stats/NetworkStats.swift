/// The counters of one network interface, as `/proc/<pid>/net/dev` gives them.
struct InterfaceCounters: Sendable, Equatable {
  var name: String
  var rxBytes: UInt64
  var rxErrors: UInt64
  var txBytes: UInt64
  var txErrors: UInt64
}

/// `/proc/<pid>/net/dev`: the interfaces of the network namespace `pid` is in.
enum NetworkStats {
  /// The interfaces of a `net/dev` text, in file order, loopback left out (the kubelet does not
  /// count it). Malformed lines (and the two header lines) are skipped.
  static func parse(_ text: String) -> [InterfaceCounters] {
    var interfaces: [InterfaceCounters] = []
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = String(line[..<colon]).trimmingWhitespace
      // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit: bytes
      // packets errs drop fifo colls carrier compressed.
      let fields = line[line.index(after: colon)...].split(separator: " ", omittingEmptySubsequences: true).compactMap {
        UInt64($0)
      }
      guard !name.isEmpty, name != "lo", fields.count >= 16 else { continue }
      interfaces.append(
        InterfaceCounters(name: name, rxBytes: fields[0], rxErrors: fields[2], txBytes: fields[8], txErrors: fields[10]))
    }
    return interfaces
  }

  /// The pod's default interface: `eth0` (what CNI plugins name it in the pod), else the first.
  static func defaultInterface(_ interfaces: [InterfaceCounters]) -> InterfaceCounters? {
    interfaces.first { $0.name == "eth0" } ?? interfaces.first
  }
}
