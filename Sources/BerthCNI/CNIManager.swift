#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthError
import BerthOCI
import BerthSys
import Synchronization

/// The CNI client of berthd: picks the network from the conf dir, attaches pods to it (loopback
/// first, then the network's plugin chain), caches each result so CHECK and DEL use exactly what
/// ADD used, even after a restart or a change of the conf dir.
///
/// Synchronous and blocking (plugins are processes): call it off the cooperative thread pool.
/// Thread-safe; as the spec requires, callers must not run two operations for the same container
/// at once (operations on different containers may overlap).
public final class CNIManager: Sendable {
  /// The CRI condition reason when the network is not usable.
  public static let notReadyReason = "NetworkPluginNotReady"
  /// The network name of the loopback attachment (its cache entries carry it).
  public static let loopbackNetwork = "cni-loopback"

  /// The configuration this manager was made with.
  public let config: CNIConfig
  let invoker: PluginInvoker
  let cache: ResultCache
  private let cidrs = Mutex<[String]>([])

  /// Creates a manager. Nothing is read until a call needs it.
  public init(_ config: CNIConfig) {
    self.config = config
    self.invoker = PluginInvoker(binDirs: config.binDirs, timeout: config.pluginTimeout)
    self.cache = ResultCache(dir: config.cacheDir)
  }

  /// The loopback network: one `loopback` plugin bringing `lo` up, in the pod network's version
  /// (which the installed plugins are known to speak).
  static func loopbackList(version: String) throws -> NetworkList {
    let text = #"{"cniVersion":"\#(version)","name":"\#(loopbackNetwork)","plugins":[{"type":"loopback"}]}"#
    return try NetworkList.parse(Array(text.utf8), source: "loopback network")
  }

  // MARK: - Network and status

  /// The network in use: the first valid `*.conf`, `*.conflist` or `*.json` file of the conf
  /// dir by name (invalid files before it are skipped).
  /// - Throws: `notFound` saying the directory has none, with the reasons files were skipped.
  public func network() throws -> NetworkList {
    let (list, problems) = NetworkList.first(in: config.confDir)
    guard let list else {
      let skipped = problems.isEmpty ? "" : " (skipped: \(problems.joined(separator: "; ")))"
      throw BerthError(.notFound, "no network config found in \(config.confDir)\(skipped)")
    }
    return list
  }

  /// Whether pods can be attached: a valid network whose plugin binaries (and `loopback`) exist,
  /// and a pod CIDR if its host-local IPAM has no range. When not ready, `reason` is
  /// `NetworkPluginNotReady` and `message` says why; when ready both are empty.
  public func status() -> (ready: Bool, reason: String, message: String) {
    do {
      _ = try readyNetwork()
      return (true, "", "")
    } catch let error as BerthError {
      return (false, Self.notReadyReason, error.message)
    } catch {
      return (false, Self.notReadyReason, "\(error)")
    }
  }

  /// The network, checked as `status` describes and with the pod CIDR filled in.
  func readyNetwork() throws -> NetworkList {
    let list = try network()
    var missing = invoker.missing(list)
    if config.setUpLoopback, invoker.find("loopback") == nil, !missing.contains("loopback") { missing.append("loopback") }
    let at = list.source.isEmpty ? "" : " (\(list.source))"
    if !missing.isEmpty {
      let plugins = missing.count == 1 ? "plugin \(missing[0])" : "plugins \(missing.joined(separator: ", "))"
      throw BerthError(.notFound, "network \"\(list.name)\"\(at): \(plugins) not found in \(invoker.searched)")
    }
    let cidrs = podCIDRs
    if list.needsPodCIDR && cidrs.isEmpty {
      throw BerthError.state("network \"\(list.name)\"\(at): host-local IPAM has no range and no pod CIDR is set yet")
    }
    return try list.fillingPodCIDR(cidrs)
  }

  // MARK: - Pod CIDR

  /// The pod CIDRs from the last `updatePodCIDR`.
  public var podCIDRs: [String] { cidrs.withLock { $0 } }

  /// Remembers the node's pod CIDR (CRI UpdateRuntimeConfig; "a,b" for dual stack). It is used
  /// in two ways, from the next `setUp` on:
  /// - host-local IPAM sections with neither `ranges` nor `subnet` get one range set per CIDR
  ///   (the filled-in configuration is what gets cached, so DEL frees from the same range);
  /// - plugins declaring the `ipRanges` capability get it as `runtimeConfig.ipRanges`.
  /// A network with its own ranges is not affected. An empty string forgets the CIDR.
  public func updatePodCIDR(_ cidr: String) {
    let list = cidr.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    cidrs.withLock { $0 = list }
  }

  // MARK: - Attach, check, detach

  /// Attaches a pod: `loopback` on `lo`, then ADD through the network's plugins on
  /// `request.ifName`. Each result is cached before this returns. On failure, what was added is
  /// deleted again (DEL of the whole chain), nothing stays cached, and the error names the
  /// network, the plugin and the plugin's message.
  public func setUp(_ request: AttachmentRequest) throws -> NetworkStatus {
    try Self.validate(request)
    let list = try readyNetwork()
    // An ADD must not repeat without a DEL: undo one a crash may have left behind.
    if !cache.entries(containerID: request.containerID).entries.isEmpty {
      try tearDown(containerID: request.containerID, netnsPath: request.netnsPath)
    }
    let attachment = Attachment(
      containerID: request.containerID, netns: request.netnsPath, ifName: request.ifName, cniArgs: request.cniArgs,
      capabilityArgs: capabilityArgs(request))
    var loopback: (list: NetworkList, attachment: Attachment)?
    if config.setUpLoopback {
      let lo = Attachment(
        containerID: request.containerID, netns: request.netnsPath, ifName: "lo", cniArgs: request.cniArgs, capabilityArgs: [])
      let loList = try Self.loopbackList(version: list.cniVersion)
      try attach(loList, lo)
      loopback = (loList, lo)
    }
    do {
      let result = try attach(list, attachment)
      return CNIResult.status(network: list.name, result: result)
    } catch {
      if let loopback {
        try? loopback.list.delete(loopback.attachment, result: nil, invoker: invoker)
        try? cache.remove(file: cache.path(network: loopback.list.name, containerID: request.containerID, ifName: "lo"))
      }
      throw error
    }
  }

  /// ADD of one list, cached; undone (DEL) when either fails.
  @discardableResult
  private func attach(_ list: NetworkList, _ attachment: Attachment) throws -> JSONValue {
    var partial: JSONValue?
    do {
      let result = try list.add(attachment, invoker: invoker, partial: &partial)
      do {
        try cache.write(CacheEntry(list: list, attachment: attachment, result: result))
      } catch let error as BerthError {
        throw BerthError(error.code, "network \"\(list.name)\": cannot cache the ADD result: \(error.message)", errno: error.errno)
      }
      return result
    } catch {
      try? list.delete(attachment, result: partial, invoker: invoker)
      throw error
    }
  }

  /// CHECK of the pod's network attachments with their cached configuration and result. Networks
  /// of spec versions before 0.4.0, or with `disableCheck`, are not checked (plugins lack CHECK).
  /// - Throws: `notFound` when nothing is cached for the container; the first plugin's error.
  public func check(_ request: AttachmentRequest) throws {
    try Self.validate(request)
    let entries = cache.entries(containerID: request.containerID).entries.filter { $0.networkName != Self.loopbackNetwork }
    guard !entries.isEmpty else {
      throw BerthError(.notFound, "container \(request.containerID) has no cached network attachment to check")
    }
    for entry in entries {
      try entry.list().check(entry.attachment(netns: request.netnsPath), result: entry.result, invoker: invoker)
    }
  }

  /// Detaches a pod: DEL with the configuration and arguments cached at ADD (so it works after a
  /// restart and whatever the conf dir now says), the pod network first and loopback last; each
  /// cache entry goes once its DEL succeeds. `netnsPath` (default: the cached one) is passed
  /// empty when it is no longer a namespace, as the spec allows.
  ///
  /// With nothing cached (a crash between ADD and caching, or torn down already), DEL runs with
  /// the current network's configuration and no `prevResult`, which plugins treat as "free what
  /// you still hold"; with no network configured either, there is nothing to do. Idempotent.
  /// - Throws: the first failure; entries whose DEL failed stay cached for a retry.
  public func tearDown(containerID: String, netnsPath: String?) throws {
    guard NetworkList.isValidName(containerID) else { throw BerthError.invalid("invalid container id \"\(containerID)\"") }
    let (entries, unreadable) = cache.entries(containerID: containerID)
    if entries.isEmpty {
      if let list = try? readyNetwork() {
        let attachment = Attachment(
          containerID: containerID, netns: Self.usableNetns(netnsPath ?? ""), ifName: "eth0",
          cniArgs: [("IgnoreUnknown", "1"), ("K8S_POD_INFRA_CONTAINER_ID", containerID)], capabilityArgs: [])
        try list.delete(attachment, result: nil, invoker: invoker)
      }
      for file in unreadable { try cache.remove(file: file) }
      return
    }
    var firstError: (any Error)?
    let ordered = entries.filter { $0.networkName != Self.loopbackNetwork } + entries.filter { $0.networkName == Self.loopbackNetwork }
    for entry in ordered {
      do {
        let attachment = entry.attachment(netns: Self.usableNetns(netnsPath ?? entry.netns))
        try entry.list().delete(attachment, result: entry.result, invoker: invoker)
        try cache.remove(entry)
      } catch {
        if firstError == nil { firstError = error }
      }
    }
    if let firstError { throw firstError }
    for file in unreadable { try? cache.remove(file: file) }
  }

  /// The status of a pod from its cached result (after a restart), nil when nothing is cached.
  public func cachedStatus(containerID: String) -> NetworkStatus? {
    let entries = cache.entries(containerID: containerID).entries
    guard let entry = entries.first(where: { $0.networkName != Self.loopbackNetwork }) else { return nil }
    return CNIResult.status(network: entry.networkName, result: entry.result)
  }

  // MARK: - Arguments

  /// The capability arguments of a request: `portMappings` (host port set), `ipRanges` (pod
  /// CIDR set), then the request's own by name (which win on a clash).
  func capabilityArgs(_ request: AttachmentRequest) -> [(String, JSONValue)] {
    var args: [(String, JSONValue)] = []
    let mappings = request.portMappings.filter { $0.hostPort > 0 }
    if !mappings.isEmpty { args.append(("portMappings", .array(mappings.map(\.json)))) }
    let cidrs = podCIDRs
    if !cidrs.isEmpty { args.append(("ipRanges", .array(cidrs.map { .array([.object([("subnet", .string($0))])]) }))) }
    for key in request.capabilityArgs.keys.sorted() { args.append((key, request.capabilityArgs[key]!)) }
    return args
  }

  /// Checks what the spec requires of ADD's arguments, before any plugin runs.
  static func validate(_ request: AttachmentRequest) throws {
    guard NetworkList.isValidName(request.containerID) else {
      throw BerthError.invalid("invalid container id \"\(request.containerID)\" (letters, digits, '_', '.', '-')")
    }
    let name = request.ifName
    guard !name.isEmpty, name.utf8.count < 16, name != ".", name != "..",
      !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    else { throw BerthError.invalid("invalid interface name \"\(name)\"") }
    guard !request.netnsPath.isEmpty, Sys.exists(request.netnsPath) else {
      throw BerthError(.notFound, "network namespace \"\(request.netnsPath)\" does not exist")
    }
    for (key, value) in request.cniArgs where value.contains(";") || value.contains("=") {
      throw BerthError.invalid("CNI_ARGS \(key) must not contain ';' or '=': \"\(value)\"")
    }
    for mapping in request.portMappings {
      guard ["tcp", "udp", "sctp"].contains(mapping.protocol.lowercased()) else {
        throw BerthError.invalid("port mapping \(mapping.hostPort):\(mapping.containerPort): unknown protocol \"\(mapping.protocol)\"")
      }
      guard (1...65535).contains(mapping.containerPort), (0...65535).contains(mapping.hostPort) else {
        throw BerthError.invalid("port mapping \(mapping.hostPort):\(mapping.containerPort): port out of range")
      }
    }
  }

  /// `path` if it is still a network namespace, else "". Namespace files (bind mounts of them,
  /// /proc/PID/ns/net) all live on the nsfs pseudo filesystem: the device of our own.
  static func usableNetns(_ path: String) -> String {
    guard !path.isEmpty, let st = Sys.stat(path), let own = Sys.stat("/proc/self/ns/net") else { return "" }
    return st.st_dev == own.st_dev ? path : ""
  }
}
