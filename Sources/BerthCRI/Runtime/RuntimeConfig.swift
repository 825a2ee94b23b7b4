import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// RuntimeConfig: the cgroup driver kubelet must match; Berth drives cgroupfs only.
  public func runtimeConfig(
    request: Runtime_V1_RuntimeConfigRequest, context: ServerContext
  ) async throws -> Runtime_V1_RuntimeConfigResponse {
    var linux = Runtime_V1_LinuxRuntimeConfiguration()
    linux.cgroupDriver = .cgroupfs
    var response = Runtime_V1_RuntimeConfigResponse()
    response.linux = linux
    return response
  }
}
