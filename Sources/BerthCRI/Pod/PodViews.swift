import BerthCRIProto
import BerthMetadata

/// A pod record in CRI's shapes, and CRI's pod filter.
extension PodRecord {
  /// The request's config, decoded (an empty config if the bytes are unreadable).
  var podConfig: Runtime_V1_PodSandboxConfig {
    (try? Runtime_V1_PodSandboxConfig(serializedBytes: config)) ?? Runtime_V1_PodSandboxConfig()
  }

  var criState: Runtime_V1_PodSandboxState { state == .ready ? .sandboxReady : .sandboxNotready }

  var criMetadata: Runtime_V1_PodSandboxMetadata {
    var metadata = Runtime_V1_PodSandboxMetadata()
    metadata.name = name
    metadata.namespace = namespace
    metadata.uid = uid
    metadata.attempt = attempt
    return metadata
  }

  /// The ListPodSandbox entry.
  var listEntry: Runtime_V1_PodSandbox {
    let config = podConfig
    var out = Runtime_V1_PodSandbox()
    out.id = id
    out.metadata = criMetadata
    out.state = criState
    out.createdAt = createdAt
    out.labels = config.labels
    out.annotations = config.annotations
    out.runtimeHandler = handler
    return out
  }

  /// Whether the pod passes a ListPodSandbox filter: id (or id prefix), state, every label.
  func matches(_ filter: Runtime_V1_PodSandboxFilter?) -> Bool {
    guard let filter else { return true }
    if !filter.id.isEmpty && !id.hasPrefix(filter.id) { return false }
    if filter.hasState && filter.state.state != criState { return false }
    if !filter.labelSelector.isEmpty {
      let labels = podConfig.labels
      for (key, value) in filter.labelSelector where labels[key] != value { return false }
    }
    return true
  }
}
