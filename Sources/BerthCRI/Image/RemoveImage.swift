import BerthCRIProto
import GRPCCore

extension ImageService {
  /// RemoveImage: removes the image the spec names with all its names (kubelet removes by id),
  /// then collects what no image needs. A missing image is not an error.
  public func removeImage(
    request: Runtime_V1_RemoveImageRequest, context: ServerContext
  ) async throws -> Runtime_V1_RemoveImageResponse {
    do {
      guard let image = try find(request.image) else { return Runtime_V1_RemoveImageResponse() }
      try store.remove(image.id.description, force: true)
    } catch {
      throw rpcError(error)
    }
    return Runtime_V1_RemoveImageResponse()
  }
}
