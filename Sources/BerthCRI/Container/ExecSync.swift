import BerthCRIProto
import BerthError
import BerthOCI
import BerthSys
import Foundation
import GRPCCore

extension RuntimeService {
  /// ExecSync: runs a command in a running container through `runtime exec`, with the
  /// container's user, environment, working directory and security settings, and answers its
  /// stdout, stderr and exit code (128 + signal when killed). A `timeout` that passes kills
  /// the command and answers DEADLINE_EXCEEDED.
  public func execSync(request: Runtime_V1_ExecSyncRequest, context: ServerContext) async throws -> Runtime_V1_ExecSyncResponse {
    try await rpc {
      try require(!request.cmd.isEmpty, "cmd is empty")
      try require(request.timeout >= 0, "timeout must not be negative")
      let found = try await engine.container(request.containerID)
      let output = try await offload { [engine] in
        let record = engine.refreshed(found)
        guard record.state == .running else {
          throw RPCError(code: .failedPrecondition, message: "container \(record.id) is not running")
        }
        let spec = try JSON.decode(Spec.self, from: try Sys.readBytes(engine.containerDir(record.id) + "/config.json"))
        guard var process = spec.process else { throw BerthError(.invalidState, "container \(record.id) has no process in its spec") }
        process.args = request.cmd
        process.terminal = nil
        process.consoleSize = nil
        return try engine.runtime(record.handler).exec(
          id: record.id, process: process, timeout: request.timeout > 0 ? Double(request.timeout) : nil)
      }
      if output.timedOut {
        throw RPCError(code: .deadlineExceeded, message: "command \(request.cmd) timed out after \(request.timeout)s and was killed")
      }
      var response = Runtime_V1_ExecSyncResponse()
      response.stdout = Data(output.stdout)
      response.stderr = Data(output.stderr)
      response.exitCode = output.exit.shellStatus
      return response
    }
  }
}
