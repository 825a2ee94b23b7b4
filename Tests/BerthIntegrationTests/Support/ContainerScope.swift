import Foundation
import Testing

/// The state root and id prefix of the suite running now.
enum SuiteContext {
  @TaskLocal static var root: String?
  /// Random per test process, so ids (and so cgroups) never clash with other runs.
  static let runToken = String(UUID().uuidString.prefix(6)).lowercased()
}

/// A suite trait: gives the suite a private `--root` under /run/berth-test-<random>, and after the
/// suite force-deletes anything left there and fails if a state entry, cgroup or process named
/// after this run's containers remains.
struct ContainerScope: SuiteTrait, TestScoping {
  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    guard RuntimeBinary.isAvailable else { return try await function() }
    let root = "/run/berth-test-\(UUID().uuidString.prefix(8).lowercased())"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("berth-scope-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer {
      try? FileManager.default.removeItem(at: scratch)
      try? FileManager.default.removeItem(atPath: root)
    }
    try await SuiteContext.$root.withValue(root) { try await function() }
    // Anything a test failed to clean up: delete it (so the host stays clean), then report it.
    let ids = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }
    for id in ids { _ = try? CommandRunner.run(["--root", root, "delete", "--force", id], scratch: scratch) }
    try await Task.sleep(for: .milliseconds(100))
    let left = HostProbe.leftovers(root: root, .prefix("bit-\(SuiteContext.runToken)-"))
      + ids.map { "container \($0) was still in \(root) after the suite" }
    if !left.isEmpty { throw FixtureError("left behind after the suite:\n" + left.joined(separator: "\n")) }
  }
}

extension Trait where Self == ContainerScope {
  /// A private state root per suite and a check that nothing is left behind after it.
  static var containerScope: ContainerScope { ContainerScope() }
}
