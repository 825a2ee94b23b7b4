import ArgumentParser
import BerthImages
import BerthOCI

/// `berth image inspect IMAGE...`: a JSON array with each image's metadata and config.
struct ImageInspect: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show images' metadata as JSON.")

  @OptionGroup var options: StoreOptions

  @Argument(help: "Image names or ids.")
  var images: [String]

  func run() async throws {
    let store = try options.store()
    var out: [InspectedImage] = []
    for text in images {
      do {
        let image = try store.get(text)
        out.append(InspectedImage(image, config: try store.config(of: image)))
      } catch {
        throw CLIError(CLIError.describe(error))
      }
    }
    print(try JSONOutput.encode(out))
  }
}

/// The JSON shape of `image inspect`, with Podman's field names.
struct InspectedImage: Encodable {
  struct Layers: Encodable {
    var `Type`: String
    var Layers: [String]
  }

  var Id: String
  var Digest: String
  var ManifestDigest: String
  var RepoTags: [String]
  var RepoDigests: [String]
  var Created: String?
  var Author: String?
  var Architecture: String
  var Os: String
  var Variant: String?
  var Size: Int64
  var ContentSize: Int64
  var Config: ImageConfig.Config?
  var RootFS: Layers
  var LayerBlobs: [String]
  var History: [ImageConfig.History]?

  init(_ image: ImageRecord, config: ImageConfig) {
    Id = image.id.encoded
    Digest = (image.indexDigest ?? image.manifestDigest).description
    ManifestDigest = image.manifestDigest.description
    RepoTags = image.names
    RepoDigests = image.repoDigests
    Created = config.created
    Author = config.author
    Architecture = config.architecture
    Os = config.os
    Variant = config.variant
    Size = image.unpackedSize
    ContentSize = image.size
    Config = config.config
    RootFS = Layers(Type: config.rootfs.type, Layers: config.rootfs.diffIDs.map(\.description))
    LayerBlobs = image.layers.map(\.description)
    History = config.history
  }
}
