import BerthCRIProto
import GRPCCore

/// CRI's RuntimeService. Version, Status and RuntimeConfig are real; every other RPC answers
/// UNIMPLEMENTED for now (Runtime/NotImplemented.swift) until pods and containers land.
public struct RuntimeService: Runtime_V1_RuntimeService.SimpleServiceProtocol {
  /// The CRI version this server speaks.
  static let apiVersion = "v1"
  /// Berth's version, as `berth --version` prints it.
  public static let berthVersion = "0.3.0"

  /// Creates the service.
  public init() {}

  /// The answer of an RPC that is not implemented yet.
  static func unimplemented(_ rpc: String) -> RPCError {
    RPCError(code: .unimplemented, message: "berthd does not implement \(rpc) yet: pods and containers are not available (README, feature table)")
  }
}
