import BerthCRIProto
import BerthError
import BerthImages
import BerthOCI
import BerthRegistry
import GRPCCore

/// CRI's ImageService over the image store: a thin layer, one RPC per file in this folder.
///
/// Semantics follow what kubelet expects from containerd and CRI-O: image ids are config
/// digests (`sha256:<hex>`), a missing image in ImageStatus is an empty answer (not an error),
/// removing a missing image succeeds, PullImage answers the image id.
public struct ImageService: Runtime_V1_ImageService.SimpleServiceProtocol {
  let store: ImageStore
  let registries: RegistriesConfig
  /// The anonymous client shared by pulls without credentials; pulls with an auth config get
  /// a client of their own.
  let client: RegistryClient
  /// The filesystem mountpoint ImageFsInfo reports.
  let mountpoint: String

  /// Creates the service.
  /// - Parameters:
  ///   - store: the image store
  ///   - registries: mirrors, insecure registries, CA files
  ///   - client: the shared registry client (credentials from auth files only)
  public init(store: ImageStore, registries: RegistriesConfig, client: RegistryClient) {
    self.store = store
    self.registries = registries
    self.client = client
    self.mountpoint = store.root
  }

  /// The image a CRI spec names, or nil.
  func find(_ spec: Runtime_V1_ImageSpec) throws -> ImageRecord? {
    guard !spec.image.isEmpty else { throw RPCError(code: .invalidArgument, message: "image spec has no image reference") }
    do { return try store.find(spec.image) } catch let error as BerthError where error.code == .invalidArgument {
      throw RPCError(code: .invalidArgument, message: error.message)
    }
  }

  /// The CRI form of an image.
  static func message(_ image: ImageRecord, config: ImageConfig?) -> Runtime_V1_Image {
    var out = Runtime_V1_Image()
    out.id = image.id.description
    out.repoTags = image.names
    out.repoDigests = image.repoDigests
    out.size = UInt64(max(0, image.size))
    var spec = Runtime_V1_ImageSpec()
    spec.image = image.id.description
    out.spec = spec
    // USER is "uid", "name", "uid:gid" or "name:group": kubelet wants the uid when numeric
    // (for runAsNonRoot checks), else the name.
    if let user = config?.config?.user, !user.isEmpty {
      let name = user.split(separator: ":", maxSplits: 1).first.map(String.init) ?? user
      if let uid = Int64(name) {
        var value = Runtime_V1_Int64Value()
        value.value = uid
        out.uid = value
      } else {
        out.username = name
      }
    }
    return out
  }
}

/// Maps library errors to gRPC status codes with their messages.
func rpcError(_ error: any Error) -> any Error {
  if error is RPCError { return error }
  guard let error = error as? BerthError else { return RPCError(code: .internalError, message: "\(error)") }
  let code: RPCError.Code
  switch error.code {
  case .invalidArgument: code = .invalidArgument
  case .notFound: code = .notFound
  case .alreadyExists: code = .alreadyExists
  case .invalidState: code = .failedPrecondition
  case .unsupported: code = .unimplemented
  case .permissionDenied: code = .permissionDenied
  case .timeout: code = .deadlineExceeded
  default: code = .internalError
  }
  return RPCError(code: code, message: error.message)
}
