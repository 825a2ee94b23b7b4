import BerthOCI
import Foundation
import Testing

/// The parent of every integration suite: serial (containers compete for 2 cores and memory)
/// and skipped where containers cannot run.
@Suite(
  .serialized,
  .enabled(if: RuntimeBinary.isAvailable, Comment(rawValue: RuntimeBinary.unavailableReason ?? "")))
enum Integration {}

/// One test's containers and temporary files. Use through ``withFixture(_:_:)``, which cleans up
/// even when the test fails: every container is force-deleted, the temp dir removed, and the
/// test fails if a state entry, cgroup or process of its containers remains.
final class Fixture {
  let root: String
  let scratch: URL
  private(set) var ids: [String] = []
  private var counter = 0
  private let label: String

  init(label: String) throws {
    guard let root = SuiteContext.root else { throw FixtureError("no suite root: add .containerScope to the suite") }
    self.root = root
    self.label = label + "-" + UUID().uuidString.prefix(4).lowercased()
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent("berth-it-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  /// A fresh container id, unique in this run and recorded for cleanup: bit-<run>-<label>-<n>.
  func newID() -> String {
    counter += 1
    let id = "bit-\(SuiteContext.runToken)-\(label)-\(counter)"
    ids.append(id)
    return id
  }

  /// A bundle in this test's temp dir; `configure` edits the spec before it is written.
  func bundle(_ args: [String], configure: (inout Spec) -> Void = { _ in }) throws -> Bundle {
    let dir = scratch.appendingPathComponent("bundle-\(counter)-\(UUID().uuidString.prefix(4))")
    var bundle = try Bundle.make(in: dir, args: args, scratch: scratch)
    configure(&bundle.spec)
    try bundle.write()
    return bundle
  }

  /// A plain directory in this test's temp dir.
  func directory(_ name: String) throws -> URL {
    let url = scratch.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Runs `berth-runtime --root ROOT ARGS`.
  @discardableResult
  func runtime(_ arguments: String..., timeout: TimeInterval = 15) throws -> CommandResult {
    try runtime(arguments, timeout: timeout)
  }

  @discardableResult
  func runtime(_ arguments: [String], timeout: TimeInterval = 15, inherit: Int32? = nil) throws -> CommandResult {
    try CommandRunner.run(["--root", root] + arguments, scratch: scratch, timeout: timeout, inherit: inherit)
  }

  /// `run` attached: the container's output and exit status.
  func run(_ bundle: Bundle, id: String? = nil, timeout: TimeInterval = 15) throws -> CommandResult {
    try runtime("run", "--bundle", bundle.directory.path, id ?? newID(), timeout: timeout)
  }

  /// The parsed `state` of a container, or nil when `state` fails.
  func state(_ id: String) throws -> State? {
    let result = try runtime("state", id)
    guard result.succeeded else { return nil }
    return try JSONDecoder().decode(State.self, from: Data(result.stdout.utf8))
  }

  /// Polls `state` until the container has `status`; returns the last state seen.
  @discardableResult
  func waitFor(_ id: String, _ status: State.Status, timeout: TimeInterval = 5) throws -> State? {
    let deadline = Date().addingTimeInterval(timeout)
    var last = try state(id)
    while last?.status != status && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.05)
      last = try state(id)
    }
    return last
  }

  /// create + start, checking both succeed; returns the init pid.
  @discardableResult
  func startDetached(_ bundle: Bundle, id: String) throws -> Int32 {
    let created = try runtime("create", "--bundle", bundle.directory.path, id)
    guard created.succeeded else { throw FixtureError("create failed: \(created)") }
    guard let state = try state(id), state.pid > 0 else { throw FixtureError("no state after create of \(id)") }
    let started = try runtime("start", id)
    guard started.succeeded else { throw FixtureError("start failed: \(started)") }
    return state.pid
  }

  /// Force-deletes every container of the test, removes the temp dir, and records an issue for
  /// anything of the test's containers that is left.
  func cleanUp(sourceLocation: SourceLocation = #_sourceLocation) {
    var pids: [Int32] = []
    for id in ids {
      guard FileManager.default.fileExists(atPath: root + "/" + id) else { continue }
      if let state = try? state(id), state.pid > 0 { pids.append(state.pid) }
      _ = try? runtime("delete", "--force", id)
    }
    try? FileManager.default.removeItem(at: scratch)
    for id in ids {
      let left = HostProbe.leftovers(root: root, .id(id))
      #expect(left.isEmpty, "container \(id) left behind: \(left)", sourceLocation: sourceLocation)
    }
    let alive = pids.filter(HostProbe.isAlive)
    #expect(alive.isEmpty, "container init processes still alive: \(alive)", sourceLocation: sourceLocation)
  }
}

/// Runs `body` with a fresh fixture and always cleans up after it.
func withFixture(
  _ label: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: (Fixture) throws -> Void
) throws {
  let fixture = try Fixture(label: label)
  defer { fixture.cleanUp(sourceLocation: sourceLocation) }
  try body(fixture)
}
