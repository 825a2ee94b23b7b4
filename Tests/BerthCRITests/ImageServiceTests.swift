import BerthCRIProto
import BerthError
import BerthImages
import BerthOCI
import Foundation
import GRPCCore
import Testing

@testable import BerthCRI

@Suite("CRI ImageService mapping")
struct ImageServiceTests {
  static func record(user: String?) throws -> (ImageRecord, ImageConfig) {
    let id = try Digest.sha256(hex: String(repeating: "a", count: 64))
    let image = ImageRecord(
      id: id, names: ["localhost:5000/x:1"], repoDigests: ["localhost:5000/x@sha256:" + String(repeating: "b", count: 64)],
      manifestDigest: try Digest.sha256(hex: String(repeating: "b", count: 64)), size: 1234, unpackedSize: 5000,
      created: nil, pulledAt: 0, platform: "linux/amd64", layers: [], diffIDs: [])
    let config = ImageConfig(
      architecture: "amd64", os: "linux", rootfs: ImageConfig.RootFS(diffIDs: []), config: ImageConfig.Config(user: user))
    return (image, config)
  }

  @Test(
    "USER becomes uid when numeric, else username",
    arguments: [
      ("1002", Int64(1002), ""), ("www-data", nil, "www-data"), ("1003:1004", Int64(1003), ""),
      ("www-data:1004", nil, "www-data"), ("", nil, ""),
    ] as [(String, Int64?, String)])
  func user(_ user: String, uid: Int64?, username: String) throws {
    let (image, config) = try Self.record(user: user.isEmpty ? nil : user)
    let message = ImageService.message(image, config: config)
    #expect(message.hasUid == (uid != nil))
    if let uid { #expect(message.uid.value == uid) }
    #expect(message.username == username)
    #expect(message.id == image.id.description && message.spec.image == image.id.description)
    #expect(message.repoTags == image.names && message.repoDigests == image.repoDigests && message.size == 1234)
  }

  @Test("auth config: user and password, base64 auth, tokens refused, garbage refused")
  func credentials() throws {
    var auth = Runtime_V1_AuthConfig()
    #expect(try ImageService.credentials(nil) == nil)
    #expect(try ImageService.credentials(auth) == nil)
    auth.username = "alice"
    auth.password = "secret"
    #expect(try ImageService.credentials(auth)! == ("alice", "secret"))
    auth = Runtime_V1_AuthConfig()
    auth.auth = Data("bob:pa:ss".utf8).base64EncodedString()
    #expect(try ImageService.credentials(auth)! == ("bob", "pa:ss"))
    auth.auth = "!!!"
    let bad = try #require(throws: RPCError.self) { try ImageService.credentials(auth) }
    #expect(bad.code == .invalidArgument)
    auth = Runtime_V1_AuthConfig()
    auth.registryToken = "t"
    let token = try #require(throws: RPCError.self) { try ImageService.credentials(auth) }
    #expect(token.code == .unimplemented)
  }

  @Test(
    "library errors map to gRPC codes with their message",
    arguments: [
      (BerthError.Code.invalidArgument, RPCError.Code.invalidArgument), (.notFound, .notFound),
      (.alreadyExists, .alreadyExists), (.invalidState, .failedPrecondition), (.unsupported, .unimplemented),
      (.permissionDenied, .permissionDenied), (.timeout, .deadlineExceeded), (.io, .internalError),
    ] as [(BerthError.Code, RPCError.Code)])
  func errors(_ code: BerthError.Code, expected: RPCError.Code) throws {
    let mapped = try #require(rpcError(BerthError(code, "boom")) as? RPCError)
    #expect(mapped.code == expected && mapped.message == "boom")
  }
}
