import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// UpdateRuntimeConfig: the node's pod CIDR, passed to CNI plugins (as the `ipRanges`
  /// capability) for pods created from now on.
  public func updateRuntimeConfig(request: Runtime_V1_UpdateRuntimeConfigRequest, context: ServerContext) async throws
    -> Runtime_V1_UpdateRuntimeConfigResponse
  {
    let cidr = request.runtimeConfig.networkConfig.podCidr
    if !cidr.isEmpty {
      for part in cidr.split(separator: ",") {
        let text = String(part).trimmingWhitespace
        let pieces = text.split(separator: "/")
        try require(pieces.count == 2 && Int(pieces[1]) != nil, "network_config.pod_cidr \"\(text)\" is not a CIDR")
      }
      engine.cni.updatePodCIDR(cidr)
    }
    return Runtime_V1_UpdateRuntimeConfigResponse()
  }
}
