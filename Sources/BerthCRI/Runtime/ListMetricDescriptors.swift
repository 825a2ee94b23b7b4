import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// ListMetricDescriptors: the metrics ListPodSandboxMetrics reports (`PodMetrics`).
  public func listMetricDescriptors(request: Runtime_V1_ListMetricDescriptorsRequest, context: ServerContext) async throws
    -> Runtime_V1_ListMetricDescriptorsResponse
  {
    var response = Runtime_V1_ListMetricDescriptorsResponse()
    response.descriptors = PodMetrics.descriptors
    return response
  }
}

/// The metrics berthd reports in place of cAdvisor's (the kubelet's
/// `PodAndContainerStatsFromCRI`), named and labelled as cAdvisor does, from the same cgroup
/// reads as the stats RPCs. The CRI carries whole numbers, so CPU time is whole seconds.
enum PodMetrics {
  /// One metric: its name, help, kind and value from a cgroup's figures.
  struct Definition: Sendable {
    var name: String
    var help: String
    var type: Runtime_V1_MetricType
    var value: @Sendable (CgroupUsage) -> UInt64?
  }

  /// The labels of every metric, in the order of `Metric.label_values`: the container's name
  /// (empty for the pod's own cgroup), the container's or pod's id, the image, the pod's
  /// namespace and name.
  static let labelKeys = ["container", "id", "image", "namespace", "pod"]

  /// The metrics, in the order they are reported.
  static let definitions: [Definition] = [
    Definition(
      name: "container_cpu_usage_seconds_total", help: "Cumulative cpu time consumed in seconds.", type: .counter,
      value: { $0.cpuNanoseconds.map { $0 / 1_000_000_000 } }),
    Definition(
      name: "container_memory_working_set_bytes", help: "Current working set in bytes.", type: .gauge,
      value: { $0.workingSetBytes }),
    Definition(
      name: "container_memory_usage_bytes",
      help: "Current memory usage in bytes, including all memory regardless of when it was accessed.", type: .gauge,
      value: { $0.memoryBytes }),
  ]

  /// The descriptors ListMetricDescriptors answers.
  static var descriptors: [Runtime_V1_MetricDescriptor] {
    definitions.map { definition in
      var descriptor = Runtime_V1_MetricDescriptor()
      descriptor.name = definition.name
      descriptor.help = definition.help
      descriptor.labelKeys = labelKeys
      return descriptor
    }
  }

  /// The metrics of one cgroup's figures, each labelled with `labels` (as many as `labelKeys`);
  /// a figure the cgroup did not give is left out.
  static func metrics(_ usage: CgroupUsage, labels: [String], time: Int64) -> [Runtime_V1_Metric] {
    definitions.compactMap { definition in
      guard let value = definition.value(usage) else { return nil }
      var metric = Runtime_V1_Metric()
      metric.name = definition.name
      metric.timestamp = time
      metric.metricType = definition.type
      metric.labelValues = labels
      metric.value = StatsMessages.value(value)
      return metric
    }
  }
}
