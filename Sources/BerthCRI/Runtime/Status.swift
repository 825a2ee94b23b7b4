import BerthCRIProto
import GRPCCore

extension RuntimeService {
  /// Status: the RuntimeReady and NetworkReady conditions. Until pods and CNI networking exist
  /// the network is reported not ready, with the reason, instead of pretending.
  public func status(request: Runtime_V1_StatusRequest, context: ServerContext) async throws -> Runtime_V1_StatusResponse {
    var runtime = Runtime_V1_RuntimeCondition()
    runtime.type = "RuntimeReady"
    runtime.status = true
    var network = Runtime_V1_RuntimeCondition()
    network.type = "NetworkReady"
    network.status = false
    network.reason = "NetworkPluginNotReady"
    network.message = "berthd has no CNI networking yet"
    var status = Runtime_V1_RuntimeStatus()
    status.conditions = [runtime, network]
    var response = Runtime_V1_StatusResponse()
    response.status = status
    if request.verbose {
      response.info["config"] = #"{"runtimeHandlers":[],"cni":null}"#
    }
    return response
  }
}
