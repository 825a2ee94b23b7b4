import BerthCRIProto
import BerthMetadata
import BerthOCI
import BerthRuntimeClient
import BerthSys
import GRPCCore

extension RuntimeService {
  /// ContainerStatus: state, times, exit code and reason, image, mounts, log path, resources;
  /// with `verbose`, an `info` JSON with the pid, runtime handler, bundle and OCI spec.
  public func containerStatus(request: Runtime_V1_ContainerStatusRequest, context: ServerContext) async throws
    -> Runtime_V1_ContainerStatusResponse
  {
    try await rpc {
      let found = try await engine.container(request.containerID)
      let record = try await offload { [engine] in engine.refreshed(found) }
      let config = record.containerConfig
      var status = Runtime_V1_ContainerStatus()
      status.id = record.id
      status.metadata = record.criMetadata
      status.state = record.criState
      status.createdAt = record.createdAt
      status.startedAt = record.startedAt
      status.finishedAt = record.finishedAt
      status.exitCode = record.exitCode
      status.image = record.imageSpec
      status.imageRef = record.imageID
      status.imageID = record.imageID
      status.reason = record.reason
      status.message = record.message
      status.labels = config.labels
      status.annotations = config.annotations
      status.mounts = config.mounts
      status.logPath = record.logPath
      if config.linux.hasResources {
        var resources = Runtime_V1_ContainerResources()
        resources.linux = config.linux.resources
        status.resources = resources
      }
      status.stopSignal = config.stopSignal
      var response = Runtime_V1_ContainerStatusResponse()
      response.status = status
      if request.verbose {
        let bundle = engine.containerDir(record.id)
        let spec = try await offload { (try? Sys.readBytes(bundle + "/config.json")).map { String(decoding: $0, as: UTF8.self) } }
        let info = ContainerInfo(
          pid: record.pid, sandboxID: record.podID, runtimeHandler: record.handler, bundle: bundle,
          snapshotKey: record.snapshotKey, monitorPID: Monitor.pid(stateDir: bundle))
        var text = String(decoding: (try? JSON.encode(info)) ?? Array("{}".utf8), as: UTF8.self)
        if let spec, text.hasSuffix("}") { text = String(text.dropLast()) + ",\"runtimeSpec\":" + spec + "}" }
        response.info["info"] = text
      }
      return response
    }
  }
}

/// ContainerStatus's verbose `info` (the OCI spec is appended as `runtimeSpec`).
struct ContainerInfo: Encodable {
  var pid: Int32
  var sandboxID: String
  var runtimeHandler: String
  var bundle: String
  var snapshotKey: String
  var monitorPID: Int32?
}
