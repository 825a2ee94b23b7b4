import BerthError
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One `GET /token` a token server answered.
struct TokenRequest: Sendable, Equatable {
  /// The `service` query parameter.
  var service: String?
  /// Every `scope` query parameter, in order (`repository:test/busybox:pull`).
  var scopes: [String]
  /// The user of the Basic credentials sent, if any.
  var user: String?
  /// Whether a token was issued (false: the credentials were wrong).
  var issued: Bool
}

/// Issues tokens the way distribution's "Token Authentication Specification" describes, for a
/// docker-registry configured with `auth: token`: a JWT signed ES256 with a P-256 key, its
/// self-signed certificate in the `x5c` header (the registry verifies that chain against its
/// `rootcertbundle`), granting the actions of each requested `repository:<name>:<actions>` scope.
///
/// Users with the right password get every action they ask for; anonymous requests get only
/// `anonymousActions`, possibly none (a token with empty access, as Docker Hub hands out for
/// private repositories); wrong credentials get a 401. Every request is recorded.
final class TokenIssuer: Sendable {
  /// The service tokens are for, their audience.
  let service: String
  /// The `iss` claim.
  let issuer: String
  /// Passwords by user name.
  let users: [String: String]
  /// What anonymous requests may do: `["pull"]` for public repositories, empty for private ones.
  let anonymousActions: Set<String>
  /// How long a token lives, in seconds (`expires_in`).
  let lifetime = 300
  /// The P-256 private scalar; swift-crypto's key type is not `Sendable` on Linux, so each
  /// signature rebuilds the key from these bytes.
  private let key: Data
  /// The certificate in DER, base64 (not base64url), as `x5c` carries it.
  private let certificate: String
  private let seen = Mutex<[TokenRequest]>([])

  /// Creates an issuer.
  /// - Parameters:
  ///   - keyPEM: the P-256 private key, PEM (PKCS#8 or SEC1)
  ///   - certificatePEM: the key's certificate, PEM
  ///   - users: passwords by user name
  ///   - anonymousActions: the actions granted without credentials
  init(
    keyPEM: String, certificatePEM: String, users: [String: String], anonymousActions: Set<String>,
    service: String = AuthRegistryFixture.service, issuer: String = AuthRegistryFixture.issuer
  ) throws {
    key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM).rawRepresentation
    certificate = certificatePEM.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
    self.users = users
    self.anonymousActions = anonymousActions
    self.service = service
    self.issuer = issuer
  }

  /// The requests answered so far, oldest first.
  var requests: [TokenRequest] { seen.withLock { $0 } }

  /// Forgets the requests answered so far (those of the push that set the test up).
  func resetRequests() { seen.withLock { $0 = [] } }

  /// Answers one request.
  /// - Parameters:
  ///   - uri: the request target, `/token?service=...&scope=...`
  ///   - authorization: the `Authorization` header, if any
  /// - Returns: the status and the JSON body
  func answer(uri: String, authorization: String?) -> (HTTPResponseStatus, [UInt8]) {
    guard let url = URLComponents(string: uri), url.path == "/token" else {
      return (.notFound, Array(#"{"errors":[{"code":"NOT_FOUND"}]}"#.utf8))
    }
    let items = url.queryItems ?? []
    let service = items.first { $0.name == "service" }?.value
    let scopes = items.filter { $0.name == "scope" }.compactMap(\.value)
    let login = authorization.flatMap(Self.basicCredentials)
    let authenticated = login.map { users[$0.user] == $0.password } ?? false
    let issued = (login == nil || authenticated) && service == self.service
    seen.withLock { $0.append(TokenRequest(service: service, scopes: scopes, user: login?.user, issued: issued)) }
    guard issued else {
      return (.unauthorized, Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials or service"}]}"#.utf8))
    }
    let access = scopes.compactMap(Self.parseScope).map { scope in
      var granted = scope
      granted.actions = authenticated ? scope.actions : scope.actions.filter(anonymousActions.contains)
      return granted
    }
    do {
      let token = try sign(subject: login?.user ?? "", access: access)
      let body = TokenBody(token: token, accessToken: token, expiresIn: lifetime)
      return (.ok, Array(try JSONEncoder().encode(body)))
    } catch {
      return (.internalServerError, Array(#"{"errors":[{"code":"SIGNING_FAILED"}]}"#.utf8))
    }
  }

  /// A compact JWS: `base64url(header).base64url(claims).base64url(r || s)`.
  private func sign(subject: String, access: [Access]) throws -> String {
    let now = Int(Date().timeIntervalSince1970)
    let header = Header(x5c: [certificate])
    let claims = Claims(
      iss: issuer, sub: subject, aud: service, exp: now + lifetime, nbf: now, iat: now, jti: UUID().uuidString,
      access: access)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let signingInput = Self.base64URL(try encoder.encode(header)) + "." + Self.base64URL(try encoder.encode(claims))
    // JWS ES256 wants the raw 64-byte r || s, not DER.
    let signature = try P256.Signing.PrivateKey(rawRepresentation: key).signature(for: Data(signingInput.utf8))
    return signingInput + "." + Self.base64URL(signature.rawRepresentation)
  }

  /// RFC 4648 section 5 base64url without padding.
  static func base64URL(_ data: Data) -> String {
    data.base64EncodedString()
      .replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  /// The user and password of a `Basic` Authorization header.
  static func basicCredentials(_ header: String) -> (user: String, password: String)? {
    guard header.lowercased().hasPrefix("basic "), let data = Data(base64Encoded: String(header.dropFirst(6))) else {
      return nil
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let colon = text.firstIndex(of: ":") else { return nil }
    return (String(text[..<colon]), String(text[text.index(after: colon)...]))
  }

  /// `repository:<name>:<action>,<action>` as an access entry; nil for other forms.
  static func parseScope(_ scope: String) -> Access? {
    let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count >= 3 else { return nil }
    let name = parts[1..<(parts.count - 1)].joined(separator: ":")
    let actions = parts[parts.count - 1].split(separator: ",").map(String.init)
    return Access(type: String(parts[0]), name: name, actions: actions)
  }

  /// One entry of the `access` claim.
  struct Access: Encodable {
    var type: String
    var name: String
    var actions: [String]
  }

  private struct Header: Encodable {
    var typ = "JWT"
    var alg = "ES256"
    var x5c: [String]
  }

  private struct Claims: Encodable {
    var iss: String
    var sub: String
    var aud: String
    var exp: Int
    var nbf: Int
    var iat: Int
    var jti: String
    var access: [Access]
  }

  private struct TokenBody: Encodable {
    var token: String
    var accessToken: String
    var expiresIn: Int

    enum CodingKeys: String, CodingKey {
      case token
      case accessToken = "access_token"
      case expiresIn = "expires_in"
    }
  }
}

/// An HTTP/1.1 server on a loopback port the kernel picks, answering `GET /token` with a
/// `TokenIssuer`. Each answer closes its connection, so `stop()` leaves nothing open.
final class TokenServer: Sendable {
  /// Who decides what each request gets, and records it.
  let issuer: TokenIssuer
  /// The port the server listens on, at 127.0.0.1.
  let port: Int
  private let channel: any Channel

  private init(issuer: TokenIssuer, port: Int, channel: any Channel) {
    self.issuer = issuer
    self.port = port
    self.channel = channel
  }

  /// Binds 127.0.0.1:0 and starts answering.
  /// - Parameter issuer: answers each request
  static func start(issuer: TokenIssuer) async throws -> TokenServer {
    let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(TokenHandler(issuer: issuer))
        }
      }
    let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
    guard let port = channel.localAddress?.port else {
      try? await channel.close()
      throw BerthError(.internalError, "token server: no local port after bind")
    }
    return TokenServer(issuer: issuer, port: port, channel: channel)
  }

  /// Stops listening.
  func stop() async {
    try? await channel.close()
  }
}

/// Reads one request per connection and writes the issuer's answer.
private final class TokenHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let issuer: TokenIssuer
  private var head: HTTPRequestHead?

  init(issuer: TokenIssuer) { self.issuer = issuer }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      self.head = head
    case .body:
      break
    case .end:
      guard let head else { return }
      self.head = nil
      let (status, body) =
        head.method == .GET
        ? issuer.answer(uri: head.uri, authorization: head.headers.first(name: "Authorization"))
        : (.methodNotAllowed, [])
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: "application/json")
      headers.add(name: "Content-Length", value: String(body.count))
      headers.add(name: "Connection", value: "close")
      context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
      context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
      let channel = context.channel
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
  }
}
