import BerthError
import GRPCCore

/// Runs an RPC's body and maps what it throws to a gRPC status (`rpcError`): `BerthError` codes
/// to their gRPC codes with the message, anything else to INTERNAL.
func rpc<T>(_ body: () async throws -> T) async throws -> T {
  do { return try await body() } catch { throw rpcError(error) }
}

/// Request validation: INVALID_ARGUMENT with `message` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw RPCError(code: .invalidArgument, message: message()) }
}

/// NOT_FOUND naming what was looked for.
func notFound(_ what: String) -> RPCError {
  RPCError(code: .notFound, message: "\(what) not found")
}
