import BerthCRIProto
import GRPCCore

extension ImageService {
  /// StreamImages: ListImages' answer in pages, for large stores.
  public func streamImages(
    request: Runtime_V1_StreamImagesRequest, response: RPCWriter<Runtime_V1_StreamImagesResponse>, context: ServerContext
  ) async throws {
    let all = try images(filter: request.hasFilter ? request.filter : nil)
    let page = 100
    var start = 0
    repeat {
      var message = Runtime_V1_StreamImagesResponse()
      message.images = Array(all[start..<min(all.count, start + page)])
      try await response.write(message)
      start += page
    } while start < all.count
  }
}
