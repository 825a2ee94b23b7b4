import BerthOCI

/// Where the CNI client finds networks and plugins, and where it keeps results.
public struct CNIConfig: Sendable {
  /// The directory of network configurations (`/etc/cni/net.d`).
  public var confDir: String
  /// The directories searched for plugin binaries, in order; also the plugins' `CNI_PATH`.
  public var binDirs: [String]
  /// The directory of cached ADD results, one file per attachment (`/var/lib/berth/cni/results`).
  public var cacheDir: String
  /// Seconds one plugin execution may take before it is killed.
  public var pluginTimeout: Double
  /// Brings `lo` up in every pod with the `loopback` plugin before the pod network (as
  /// containerd does); the plugin must then be in `binDirs`.
  public var setUpLoopback: Bool

  /// Creates a configuration.
  /// - Parameters:
  ///   - confDir: the directory of `*.conflist`, `*.conf` and `*.json` network configurations
  ///   - binDirs: where plugin binaries are looked up, in order
  ///   - cacheDir: where ADD results are cached (created when needed)
  ///   - pluginTimeout: seconds one plugin execution may take
  ///   - setUpLoopback: run the `loopback` plugin for every pod
  public init(confDir: String, binDirs: [String], cacheDir: String, pluginTimeout: Double = 60, setUpLoopback: Bool = true) {
    self.confDir = confDir
    self.binDirs = binDirs
    self.cacheDir = cacheDir
    self.pluginTimeout = pluginTimeout
    self.setUpLoopback = setUpLoopback
  }
}

/// A host port forwarded to a pod port: the `portMappings` capability of the CNI conventions.
public struct PortMapping: Sendable, Codable, Hashable {
  /// The port on the host; mappings with 0 are not forwarded.
  public var hostPort: Int32
  /// The port in the pod.
  public var containerPort: Int32
  /// `tcp`, `udp` or `sctp` (lower-cased when passed on).
  public var `protocol`: String
  /// The host address to listen on; empty for all.
  public var hostIP: String

  /// Creates a mapping.
  public init(hostPort: Int32, containerPort: Int32, protocol: String = "tcp", hostIP: String = "") {
    self.hostPort = hostPort
    self.containerPort = containerPort
    self.protocol = `protocol`
    self.hostIP = hostIP
  }

  /// The JSON object portmap reads from `runtimeConfig.portMappings`.
  var json: JSONValue {
    var members: [(String, JSONValue)] = [
      ("hostPort", .number(String(hostPort))), ("containerPort", .number(String(containerPort))),
      ("protocol", .string(self.protocol.lowercased())),
    ]
    if !hostIP.isEmpty { members.append(("hostIP", .string(hostIP))) }
    return .object(members)
  }
}

/// What attaching one pod sandbox to the network takes.
public struct AttachmentRequest: Sendable {
  /// The sandbox id: CNI_CONTAINERID and the key of the cached result.
  public var containerID: String
  /// The pod's network namespace file (`/var/run/netns/...`).
  public var netnsPath: String
  /// The interface to create in the pod.
  public var ifName: String
  /// The pod's name (CNI_ARGS K8S_POD_NAME).
  public var podName: String
  /// The pod's namespace (CNI_ARGS K8S_POD_NAMESPACE).
  public var podNamespace: String
  /// The pod's uid (CNI_ARGS K8S_POD_UID).
  public var podUID: String
  /// Host ports, passed to plugins declaring the `portMappings` capability.
  public var portMappings: [PortMapping]
  /// Further capability arguments by name (`bandwidth`, `dns`, `ips`, `mac`, ...), passed to the
  /// plugins whose `capabilities` enable that name. Sorted by name when passed on.
  public var capabilityArgs: [String: JSONValue]

  /// Creates a request.
  public init(
    containerID: String, netnsPath: String, ifName: String = "eth0", podName: String = "", podNamespace: String = "",
    podUID: String = "", portMappings: [PortMapping] = [], capabilityArgs: [String: JSONValue] = [:]
  ) {
    self.containerID = containerID
    self.netnsPath = netnsPath
    self.ifName = ifName
    self.podName = podName
    self.podNamespace = podNamespace
    self.podUID = podUID
    self.portMappings = portMappings
    self.capabilityArgs = capabilityArgs
  }

  /// CNI_ARGS as pairs, in the order Kubernetes runtimes send them. `IgnoreUnknown` lets
  /// plugins that know none of the keys accept them.
  public var cniArgs: [(String, String)] {
    [
      ("IgnoreUnknown", "1"), ("K8S_POD_NAMESPACE", podNamespace), ("K8S_POD_NAME", podName),
      ("K8S_POD_INFRA_CONTAINER_ID", containerID), ("K8S_POD_UID", podUID),
    ]
  }
}

/// A pod's network as the final CNI result describes it.
public struct NetworkStatus: Sendable, Equatable {
  /// An interface the plugins created or know of.
  public struct Interface: Sendable, Hashable {
    /// The interface name ("eth0", "cni0").
    public var name: String
    /// Its hardware address, if the plugin gave one.
    public var mac: String
    /// The netns path for interfaces in the pod; empty for host interfaces.
    public var sandbox: String
  }

  /// An address, with its prefix, of one interface.
  public struct IPConfig: Sendable, Hashable {
    /// The address with its prefix length ("10.88.0.5/16").
    public var address: String
    /// The gateway of the address's subnet, if any.
    public var gateway: String?
    /// The index into `interfaces`, if the plugin said.
    public var interface: Int?
    /// The address without its prefix length ("10.88.0.5").
    public var ip: String { String(address.prefix { $0 != "/" }) }
  }

  /// Resolver settings the network provides.
  public struct DNS: Sendable, Hashable {
    /// Name server addresses, in priority order.
    public var nameservers: [String] = []
    /// The local domain.
    public var domain: String = ""
    /// Search domains, in priority order.
    public var search: [String] = []
    /// Resolver options ("ndots:5").
    public var options: [String] = []
  }

  /// The network's name.
  public var network: String
  /// The pod's addresses without prefix ("10.88.0.5"), the primary first: addresses of interfaces
  /// in the pod come before the others, each group in result order.
  public var ips: [String]
  /// The addresses as the result lists them.
  public var ipConfigs: [IPConfig]
  /// The interfaces as the result lists them (`IPConfig.interface` indexes this).
  public var interfaces: [Interface]
  /// The resolver settings of the result (empty when it has none).
  public var dns: DNS
  /// The final result as the last plugin printed it (in the network's cniVersion).
  public var raw: JSONValue
}
