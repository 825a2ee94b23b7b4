import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// Version: the runtime's name and version and the CRI API version.
  public func version(request: Runtime_V1_VersionRequest, context: ServerContext) async throws -> Runtime_V1_VersionResponse {
    var response = Runtime_V1_VersionResponse()
    response.version = "0.1.0"  // the kubelet runtime API version field, fixed by CRI
    response.runtimeName = "berth"
    response.runtimeVersion = Self.berthVersion
    response.runtimeApiVersion = Self.apiVersion
    return response
  }
}
