import BerthCRIProto
import BerthImages
import BerthOCI
import BerthRegistry
import Foundation
import GRPCCore

extension ImageService {
  /// PullImage: pulls through the store (mirrors, verification, unpacking) with the request's
  /// credentials for the image's registry, and answers the image id.
  public func pullImage(
    request: Runtime_V1_PullImageRequest, context: ServerContext
  ) async throws -> Runtime_V1_PullImageResponse {
    let text = request.image.image
    guard !text.isEmpty else { throw RPCError(code: .invalidArgument, message: "image spec has no image reference") }
    let ref: Reference
    do { ref = try Reference(parsing: text) } catch { throw rpcError(error) }
    let credentials = try Self.credentials(request.hasAuth ? request.auth : nil)
    let client = credentials.map {
      RegistryClient(
        credentials: [ref.domain: $0], insecureRegistries: registries.insecureDomains, caFiles: registries.caFiles ?? [])
    }
    let pulled: Result<BerthImages.ImageRecord, any Error>
    do {
      pulled = .success(
        try await store.pull(ref, client: client ?? self.client, options: PullOptions(mirrors: registries.mirrors(of: ref.domain))))
    } catch {
      pulled = .failure(error)
    }
    // The request's own client goes with the request, on every path.
    try? await client?.shutdown()
    var response = Runtime_V1_PullImageResponse()
    do { response.imageRef = try pulled.get().id.description } catch { throw rpcError(error) }
    return response
  }

  /// User and password from a CRI auth config: `username`/`password`, or `auth` (base64 of
  /// `user:password`). Tokens are refused clearly: the registry client has no way to use them.
  static func credentials(_ auth: Runtime_V1_AuthConfig?) throws -> (user: String, password: String)? {
    guard let auth else { return nil }
    if !auth.identityToken.isEmpty || !auth.registryToken.isEmpty {
      throw RPCError(code: .unimplemented, message: "identity and registry tokens in the auth config are not supported; use username and password")
    }
    if !auth.username.isEmpty { return (auth.username, auth.password) }
    if !auth.auth.isEmpty {
      guard let data = Data(base64Encoded: auth.auth), let text = String(data: data, encoding: .utf8),
        let colon = text.firstIndex(of: ":")
      else { throw RPCError(code: .invalidArgument, message: "auth is not base64 of user:password") }
      return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
    return nil
  }
}
