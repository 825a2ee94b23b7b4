import BerthCRIProto
import BerthOCI
import GRPCCore

extension RuntimeService {
  /// Status: RuntimeReady, and NetworkReady from the CNI configuration (ready once a usable
  /// network list is in the conf dir and its plugins exist); the runtime handlers; with
  /// `verbose`, the effective configuration as JSON.
  public func status(request: Runtime_V1_StatusRequest, context: ServerContext) async throws -> Runtime_V1_StatusResponse {
    var runtime = Runtime_V1_RuntimeCondition()
    runtime.type = "RuntimeReady"
    runtime.status = true
    let cni = engine.cni.status()
    var network = Runtime_V1_RuntimeCondition()
    network.type = "NetworkReady"
    network.status = cni.ready
    network.reason = cni.ready ? "" : cni.reason
    network.message = cni.ready ? "" : cni.message
    var status = Runtime_V1_RuntimeStatus()
    status.conditions = [runtime, network]
    var response = Runtime_V1_StatusResponse()
    response.status = status
    response.runtimeHandlers = engine.config.handlers.keys.sorted().map { name in
      var handler = Runtime_V1_RuntimeHandler()
      handler.name = name
      var features = Runtime_V1_RuntimeHandlerFeatures()
      features.recursiveReadOnlyMounts = false
      features.userNamespaces = false
      handler.features = features
      return handler
    }
    if request.verbose {
      let config = engine.config
      let info = StatusInfo(
        root: config.root, state: config.state, defaultHandler: config.defaultHandler,
        handlers: config.handlers.mapValues { StatusInfo.Handler(path: $0.path, root: $0.root, options: $0.options) },
        cniConfDir: config.cniConfDir, cniBinDirs: config.cniBinDirs, podCIDRs: engine.cni.podCIDRs,
        pauseImage: config.pauseImage)
      response.info["config"] = String(decoding: (try? JSON.encode(info)) ?? Array("{}".utf8), as: UTF8.self)
    }
    return response
  }
}

/// Status's verbose `config`.
struct StatusInfo: Encodable {
  struct Handler: Encodable {
    var path: String
    var root: String
    var options: [String]
  }
  var root: String
  var state: String
  var defaultHandler: String
  var handlers: [String: Handler]
  var cniConfDir: String
  var cniBinDirs: [String]
  var podCIDRs: [String]
  var pauseImage: String
}
