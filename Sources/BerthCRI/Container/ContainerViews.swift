import BerthCRIProto
import BerthMetadata
import GRPCCore

/// Container lookups and a container record in CRI's shapes.
extension Engine {
  /// The (non-infra) container whose id is `text` or starts with it; nil if none.
  /// - Throws: INVALID_ARGUMENT when a prefix matches several containers
  func findContainer(_ text: String) async throws -> ContainerRecord? {
    let metadata = self.metadata
    if let exact = try await offload({ try metadata.container(text) }), !exact.infra { return exact }
    let matches = try await offload { try metadata.containers() }.filter { !$0.infra && $0.id.hasPrefix(text) }
    guard matches.count <= 1 else { throw RPCError(code: .invalidArgument, message: "container id prefix \"\(text)\" is ambiguous") }
    return matches.first
  }

  /// The container, or NOT_FOUND.
  func container(_ text: String) async throws -> ContainerRecord {
    try require(!text.isEmpty, "container_id is empty")
    guard let found = try await findContainer(text) else { throw notFound("container \(text)") }
    return found
  }

  /// Every container that is not an infra container, with fresh state.
  func containers() async throws -> [ContainerRecord] {
    try await offload { [self] in try metadata.containers().filter { !$0.infra }.map { refreshed($0) } }
  }
}

extension ContainerRecord {
  /// The request's config, decoded (empty if unreadable).
  var containerConfig: Runtime_V1_ContainerConfig {
    (try? Runtime_V1_ContainerConfig(serializedBytes: config)) ?? Runtime_V1_ContainerConfig()
  }

  var criState: Runtime_V1_ContainerState {
    switch state {
    case .created: .containerCreated
    case .running: .containerRunning
    case .exited: .containerExited
    case .unknown: .containerUnknown
    }
  }

  var criMetadata: Runtime_V1_ContainerMetadata {
    var metadata = Runtime_V1_ContainerMetadata()
    metadata.name = name
    metadata.attempt = attempt
    return metadata
  }

  var imageSpec: Runtime_V1_ImageSpec {
    var spec = Runtime_V1_ImageSpec()
    spec.image = imageRef
    return spec
  }

  /// The ListContainers entry.
  var listEntry: Runtime_V1_Container {
    let config = containerConfig
    var out = Runtime_V1_Container()
    out.id = id
    out.podSandboxID = podID
    out.metadata = criMetadata
    out.image = imageSpec
    out.imageRef = imageID
    out.imageID = imageID
    out.state = criState
    out.createdAt = createdAt
    out.labels = config.labels
    out.annotations = config.annotations
    return out
  }

  /// Whether the container passes a ListContainers filter: id (or prefix), pod, state, labels.
  func matches(_ filter: Runtime_V1_ContainerFilter?) -> Bool {
    guard let filter else { return true }
    if !filter.id.isEmpty && !id.hasPrefix(filter.id) { return false }
    if !filter.podSandboxID.isEmpty && !podID.hasPrefix(filter.podSandboxID) { return false }
    if filter.hasState && filter.state.state != criState { return false }
    if !filter.labelSelector.isEmpty {
      let labels = containerConfig.labels
      for (key, value) in filter.labelSelector where labels[key] != value { return false }
    }
    return true
  }
}
