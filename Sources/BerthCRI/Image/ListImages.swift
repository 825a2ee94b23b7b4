import BerthCRIProto
import GRPCCore

extension ImageService {
  /// ListImages: every image, or only the one the filter names.
  public func listImages(
    request: Runtime_V1_ListImagesRequest, context: ServerContext
  ) async throws -> Runtime_V1_ListImagesResponse {
    var response = Runtime_V1_ListImagesResponse()
    response.images = try images(filter: request.hasFilter ? request.filter : nil)
    return response
  }

  /// The images matching a filter (all without one).
  func images(filter: Runtime_V1_ImageFilter?) throws -> [Runtime_V1_Image] {
    do {
      if let filter, filter.hasImage, !filter.image.image.isEmpty {
        guard let image = try find(filter.image) else { return [] }
        return [Self.message(image, config: try? store.config(of: image))]
      }
      return try store.list().map { Self.message($0, config: try? store.config(of: $0)) }
    } catch {
      throw rpcError(error)
    }
  }
}
