import BerthCRIProto
import BerthImages
import BerthOCI
import GRPCCore

extension ImageService {
  /// ImageStatus: the image, or an empty answer when it is not present; with `verbose`, `info`
  /// holds the image config and store metadata as JSON (under "info", as containerd does).
  public func imageStatus(
    request: Runtime_V1_ImageStatusRequest, context: ServerContext
  ) async throws -> Runtime_V1_ImageStatusResponse {
    var response = Runtime_V1_ImageStatusResponse()
    do {
      guard let image = try find(request.image) else { return response }
      let config = try store.config(of: image)
      response.image = Self.message(image, config: config)
      if request.verbose {
        response.info["info"] = try JSON.compact(VerboseImageInfo(image: image, config: config))
      }
    } catch {
      throw rpcError(error)
    }
    return response
  }
}

/// The JSON of a verbose ImageStatus.
struct VerboseImageInfo: Encodable {
  var image: BerthImages.ImageRecord
  var config: ImageConfig
}
