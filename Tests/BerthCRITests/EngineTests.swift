import BerthCRIProto
import BerthError
import BerthImages
import BerthMetadata
import BerthOCI
import BerthRegistry
import Foundation
import GRPCCore
import Synchronization
import Testing

@testable import BerthCRI

/// The engine without containers: request validation (bad requests change nothing), lookups,
/// filters, stop signals, capability limits, resolv.conf, and the lock and undo helpers. An
/// engine over temporary directories; the binaries it needs exist but are never run by these
/// tests, because every request here is refused before anything would run.
@Suite struct EngineTests {
  /// An engine over a temporary root and state; call `cleanup` after.
  final class Fixture: Sendable {
    let dir: String
    let engine: Engine
    let client: RegistryClient

    init() throws {
      dir = NSTemporaryDirectory() + "berth-engine-" + UUID().uuidString
      for sub in ["bin", "root", "state", "cni"] {
        try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
      }
      for binary in ["berth-monitor", "berth-runtime"] {
        _ = FileManager.default.createFile(atPath: dir + "/bin/" + binary, contents: Data("#!/bin/false\n".utf8), attributes: [.posixPermissions: 0o755])
      }
      var config = DaemonConfig()
      config.root = dir + "/root"
      config.state = dir + "/state"
      config.cniConfDir = dir + "/cni"
      config.handlers = ["berth": .init(path: dir + "/bin/berth-runtime", root: dir + "/state/runtime")]
      config.defaultHandler = "berth"
      client = RegistryClient()
      engine = try Engine(
        config: config, images: try ImageStore(root: config.root), registries: RegistriesConfig(), client: client,
        binDir: dir + "/bin")
    }

    func cleanup() async {
      try? await client.shutdown()
      try? FileManager.default.removeItem(atPath: dir)
    }

    /// Pods and containers on record, and entries in the state directories.
    func footprint() throws -> [Int] {
      let state = engine.config.state
      return [
        try engine.metadata.pods().count, try engine.metadata.containers().count,
        try FileManager.default.contentsOfDirectory(atPath: state + "/pods").count,
        try FileManager.default.contentsOfDirectory(atPath: state + "/containers").count,
      ]
    }
  }

  static func podRequest(_ change: (inout Runtime_V1_RunPodSandboxRequest) -> Void = { _ in }) -> Runtime_V1_RunPodSandboxRequest {
    var request = Runtime_V1_RunPodSandboxRequest()
    request.config.metadata.name = "web"
    request.config.metadata.namespace = "default"
    request.config.metadata.uid = "uid-1"
    change(&request)
    return request
  }

  /// The gRPC code a call fails with.
  static func code(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
      try await body()
      return nil
    } catch let error as RPCError {
      return error.code
    } catch {
      return (rpcError(error) as? RPCError)?.code
    }
  }

  static let badPods: [(String, RPCError.Code, Runtime_V1_RunPodSandboxRequest)] = [
    ("no metadata", .invalidArgument, podRequest { $0.config.clearMetadata() }),
    ("no name", .invalidArgument, podRequest { $0.config.metadata.name = "" }),
    ("no namespace", .invalidArgument, podRequest { $0.config.metadata.namespace = "" }),
    ("no uid", .invalidArgument, podRequest { $0.config.metadata.uid = "" }),
    ("unknown handler", .invalidArgument, podRequest { $0.runtimeHandler = "kata" }),
    ("host-wide sysctl", .invalidArgument, podRequest { $0.config.linux.sysctls = ["kernel.panic": "1"] }),
    ("net sysctl with host network", .invalidArgument, podRequest {
      $0.config.linux.securityContext.namespaceOptions.network = .node
      $0.config.linux.sysctls = ["net.ipv4.ip_forward": "1"]
    }),
    ("pid TARGET for a pod", .invalidArgument, podRequest { $0.config.linux.securityContext.namespaceOptions.pid = .target }),
    ("systemd slice parent", .invalidArgument, podRequest { $0.config.linux.cgroupParent = "kubepods.slice" }),
  ]

  @Test("a malformed RunPodSandbox is refused with its code and changes nothing", arguments: badPods)
  func badPod(_ name: String, _ expected: RPCError.Code, _ request: Runtime_V1_RunPodSandboxRequest) async throws {
    let fixture = try Fixture()
    let code = await Self.code { _ = try await fixture.engine.runPod(request) }
    let footprint = try fixture.footprint()
    await fixture.cleanup()
    #expect(code == expected, "\(name)")
    #expect(footprint == [0, 0, 0, 0], "\(name)")
  }

  @Test func duplicatePodNameIsAlreadyExistsAndChangesNothing() async throws {
    let fixture = try Fixture()
    let holder = PodRecord(
      id: "a", name: "web", namespace: "default", uid: "uid-1", attempt: 0, createdAt: 1, handler: "berth", config: [],
      stateDir: "/nonexistent")
    try fixture.engine.metadata.insert(holder)
    let code = await Self.code { _ = try await fixture.engine.runPod(Self.podRequest()) }
    let footprint = try fixture.footprint()
    await fixture.cleanup()
    #expect(code == .alreadyExists)
    #expect(footprint == [1, 0, 0, 0])
  }

  @Test func unknownIDsAreNotFound() async throws {
    let fixture = try Fixture()
    let engine = fixture.engine
    let codes = [
      await Self.code { _ = try await engine.pod("0123") },
      await Self.code { _ = try await engine.container("0123") },
      await Self.code {
        var request = Runtime_V1_CreateContainerRequest()
        request.podSandboxID = "0123"
        request.config.metadata.name = "c"
        request.config.image.image = "busybox"
        _ = try await engine.createContainer(request)
      },
    ]
    let empty = await Self.code { _ = try await engine.container("") }
    let noMetadata = await Self.code {
      var request = Runtime_V1_CreateContainerRequest()
      request.podSandboxID = "0123"
      _ = try await engine.createContainer(request)
    }
    await fixture.cleanup()
    #expect(codes == [.notFound, .notFound, .notFound])
    #expect(empty == .invalidArgument)
    #expect(noMetadata == .invalidArgument)
  }

  @Test func ambiguousPrefixIsInvalidArgument() async throws {
    let fixture = try Fixture()
    for id in ["abc1", "abc2"] {
      try fixture.engine.metadata.insert(
        PodRecord(id: id, name: id, namespace: "n", uid: id, attempt: 0, createdAt: 1, handler: "berth", config: [], stateDir: "/x"))
    }
    let ambiguous = await Self.code { _ = try await fixture.engine.pod("abc") }
    let unique = try await fixture.engine.pod("abc2").id
    await fixture.cleanup()
    #expect(ambiguous == .invalidArgument)
    #expect(unique == "abc2")
  }

  @Test func podFilter() throws {
    var config = Runtime_V1_PodSandboxConfig()
    config.labels = ["app": "web", "tier": "front"]
    let pod = PodRecord(
      id: "abcdef", name: "p", namespace: "n", uid: "u", attempt: 0, state: .notReady, createdAt: 1, handler: "berth",
      config: try config.serializedBytes(), stateDir: "/x")
    var filter = Runtime_V1_PodSandboxFilter()
    #expect(pod.matches(filter))
    filter.id = "abc"
    #expect(pod.matches(filter))
    filter.id = "abd"
    #expect(!pod.matches(filter))
    filter.id = ""
    filter.state.state = .sandboxReady
    #expect(!pod.matches(filter))
    filter.state.state = .sandboxNotready
    filter.labelSelector = ["app": "web"]
    #expect(pod.matches(filter))
    filter.labelSelector = ["app": "db"]
    #expect(!pod.matches(filter))
  }

  @Test func containerFilter() throws {
    var config = Runtime_V1_ContainerConfig()
    config.labels = ["app": "web"]
    let container = ContainerRecord(
      id: "c0ffee", podID: "p1", name: "c", attempt: 0, state: .running, imageRef: "busybox", imageID: "sha256:1",
      createdAt: 1, logPath: "", config: try config.serializedBytes(), handler: "berth", stateDir: "/x", snapshotKey: "k")
    var filter = Runtime_V1_ContainerFilter()
    filter.podSandboxID = "p1"
    filter.state.state = .containerRunning
    filter.labelSelector = ["app": "web"]
    #expect(container.matches(filter))
    filter.podSandboxID = "p2"
    #expect(!container.matches(filter))
    filter.podSandboxID = ""
    filter.state.state = .containerExited
    #expect(!container.matches(filter))
  }

  @Test(arguments: [
    ("SIGTERM", Int32(15)), ("TERM", 15), ("sigquit", 3), ("9", 9), ("SIGRTMIN+3", 37), ("RTMAX-1", 63), ("sigrtminplus1", 35), ("sigrtmaxminus14", 50), ("SIGNOPE", -1), ("0", -1),
  ])
  func signalNames(_ text: String, _ number: Int32) {
    #expect(Engine.signalNumber(text) ?? -1 == number)
  }

  @Test func capabilitiesAreCutToTheBoundingSet() throws {
    let bounding = try #require(Engine.boundingSet)
    var context = Runtime_V1_LinuxContainerSecurityContext()
    context.privileged = true
    let sets = try SpecCapabilities.sets(for: context, within: bounding)
    let kept = Set(sets.bounding ?? [])
    #expect(kept == bounding.intersection(Capability.names))
    #expect(Set(sets.effective ?? []) == kept)
  }

  @Test func seccompFollowsTheCutCapabilities() throws {
    // A node without CAP_SYS_ADMIN: asking for it gives neither the capability nor the
    // syscalls the default profile unlocks with it.
    var context = Runtime_V1_LinuxContainerSecurityContext()
    context.capabilities.addCapabilities = ["SYS_ADMIN"]
    let bounding = Set(Capability.names).subtracting(["CAP_SYS_ADMIN"])
    let sets = try SpecCapabilities.sets(for: context, within: bounding)
    let held = Set(sets.bounding ?? [])
    #expect(!held.contains("CAP_SYS_ADMIN"))
    let allowed = Set(DefaultSeccomp.profile(capabilities: Array(held)).syscalls?.flatMap(\.names) ?? [])
    #expect(!allowed.contains("mount"))
    let unlimited = try SpecCapabilities.sets(for: context)
    let unlimitedAllowed = Set(DefaultSeccomp.profile(capabilities: unlimited.bounding ?? []).syscalls?.flatMap(\.names) ?? [])
    #expect(unlimitedAllowed.contains("mount"))
  }

  @Test func resolvConfFromTheDNSConfig() throws {
    var dns = Runtime_V1_DNSConfig()
    dns.servers = ["10.0.0.10", "8.8.8.8"]
    dns.searches = ["default.svc.cluster.local", "svc.cluster.local"]
    dns.options = ["ndots:5"]
    #expect(
      try SandboxFiles.resolvConf(dns)
        == "search default.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\nnameserver 8.8.8.8\noptions ndots:5\n")
    dns.servers = ["10.0.0.10\nnameserver 6.6.6.6"]
    #expect(throws: BerthError.self) { try SandboxFiles.resolvConf(dns) }
  }

  @Test func keyedLocksSerializeOneKeyInOrder() async throws {
    let locks = KeyedLocks()
    let log = LogBox()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for i in 0..<5 {
        group.addTask {
          try await locks.with("k") {
            await log.append("start \(i)")
            try await Task.sleep(nanoseconds: 2_000_000)
            await log.append("end \(i)")
          }
        }
      }
      try await group.waitForAll()
    }
    let entries = await log.entries
    // Never two holders at once: every start is followed by its own end.
    for index in stride(from: 0, to: entries.count, by: 2) {
      #expect(entries[index].dropFirst(6) == entries[index + 1].dropFirst(4))
    }
    #expect(entries.count == 10)
  }

  @Test func undoRunsLastFirstOnce() {
    let undo = Undo()
    let order = Mutex<[Int]>([])
    undo.add { order.withLock { $0.append(1) } }
    undo.add { order.withLock { $0.append(2) } }
    undo.run()
    undo.run()
    #expect(order.withLock { $0 } == [2, 1])
    let committed = Undo()
    committed.add { order.withLock { $0.append(3) } }
    committed.commit()
    committed.run()
    #expect(order.withLock { $0 } == [2, 1])
  }
}

/// An append-only log for concurrency tests.
actor LogBox {
  var entries: [String] = []
  func append(_ entry: String) { entries.append(entry) }
}
