import BerthCRIProto
import GRPCCore

/// CRI's RuntimeService over the engine: one RPC per file (Pod/, Container/, Stats/, Runtime/).
/// Streaming (Exec, Attach, PortForward) and checkpointing answer UNIMPLEMENTED
/// (Runtime/NotImplemented.swift).
public struct RuntimeService: Runtime_V1_RuntimeService.SimpleServiceProtocol {
  /// The CRI version this server speaks.
  static let apiVersion = "v1"
  /// Berth's version, as `berth --version` prints it.
  public static let berthVersion = "0.4.0"

  /// Pods, containers, CNI and the runtime handlers.
  let engine: Engine

  /// Creates the service.
  public init(engine: Engine) {
    self.engine = engine
  }

  /// The answer of an RPC that is not implemented.
  static func unimplemented(_ rpc: String, _ why: String) -> RPCError {
    RPCError(code: .unimplemented, message: "berthd does not implement \(rpc): \(why) (README, feature table)")
  }
}
