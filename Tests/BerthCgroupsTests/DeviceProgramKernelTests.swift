import BerthOCI
import Foundation
import Testing

@testable import BerthCgroups

/// The cgroup v2 device program in the real kernel: a cgroup under the cgroup2 mount gets a
/// program that allows /dev/null only, and a shell moved into it can open /dev/null but not
/// /dev/zero. Needs root and a cgroup2 mount (on this hybrid host: /sys/fs/cgroup/unified).
@Suite struct DeviceProgramKernelTests {
  static let unified: String? = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first { path in
    (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))?
      .split(separator: "\n").contains { $0.contains(" \(path) ") && $0.contains(" - cgroup2 ") } ?? false
  }

  @Test(.enabled(if: getuid() == 0 && unified != nil, "needs root and a cgroup2 mount"))
  func programAllowsOnlyTheListedDevices() throws {
    let dir = "\(Self.unified!)/berth-devtest-\(getpid())"
    #expect(mkdir(dir, 0o755) == 0)
    defer { rmdir(dir) }
    let rules = [
      Resources.DeviceRule(allow: false, access: "rwm"),
      Resources.DeviceRule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
    ]
    try DeviceProgram.kernelLoader(try DeviceFilter.program(for: rules), dir)
    // Replacing the program (as `update` does) must not stack a second one.
    try DeviceProgram.kernelLoader(try DeviceFilter.program(for: rules), dir)

    let shell = Process()
    shell.executableURL = URL(fileURLWithPath: "/bin/sh")
    shell.arguments = [
      "-c",
      "echo $$ > \(dir)/cgroup.procs && (cat /dev/null && echo null-ok); (head -c 1 /dev/zero >/dev/null 2>&1 && echo zero-ok || echo zero-denied)",
    ]
    let output = Pipe()
    shell.standardOutput = output
    try shell.run()
    shell.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(text.contains("null-ok"))
    #expect(text.contains("zero-denied"))
    #expect(!text.contains("zero-ok"))
  }
}
