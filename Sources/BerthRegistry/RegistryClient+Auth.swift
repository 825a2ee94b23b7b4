import AsyncHTTPClient
import BerthError
import BerthOCI
import NIOCore

/// Authorization headers the client has obtained, per registry host.
struct AuthCache {
  /// Bearer tokens keyed by `host scope`, each valid until its expiry.
  var tokens: [String: CachedToken] = [:]
  /// The Basic header for hosts that asked for Basic auth.
  var basic: [String: String] = [:]
}

/// A bearer token and when to stop using it.
struct CachedToken {
  var header: String
  var expires: ContinuousClock.Instant
}

/// The token endpoint's answer (distribution "Token Authentication Specification"): `token`, or
/// `access_token` from OAuth2-style servers, valid for `expires_in` seconds (60 if absent).
struct TokenResponse: Decodable {
  var token: String?
  var accessToken: String?
  var expiresIn: Int?

  enum CodingKeys: String, CodingKey {
    case token
    case accessToken = "access_token"
    case expiresIn = "expires_in"
  }
}

extension RegistryClient {
  /// The token scope to pull a repository: `repository:<path>:pull`.
  /// - Parameters:
  ///   - path: the repository path, such as `library/busybox`
  ///   - actions: the comma-separated actions, `pull` by default
  public static func scope(repository path: String, actions: String = "pull") -> String {
    "repository:" + path + ":" + actions
  }

  /// The URL to ask a Bearer realm for a token: `realm?service=<service>&scope=<scope>`, each
  /// value percent-encoded; `&` joins when the realm already has a query.
  /// - Parameters:
  ///   - realm: the challenge's realm
  ///   - service: the challenge's service, if any
  ///   - scope: the scope to ask for
  public static func tokenURL(realm: String, service: String?, scope: String) -> String {
    var query: [String] = []
    if let service { query.append("service=" + percentEncode(service)) }
    query.append("scope=" + percentEncode(scope))
    return realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&")
  }

  /// Sends a request to the registry of `ref` with the cached authorization. On 401, obtains
  /// authorization from the `WWW-Authenticate` challenges (a Bearer token for the pull scope of
  /// the repository, or Basic with the configured credentials) and sends the request once more.
  /// - Parameters:
  ///   - request: a bodiless request (it may be sent twice)
  ///   - ref: the repository the request is about
  ///   - timeout: the request's deadline
  /// - Returns: the response; still 401 when no authorization could be obtained
  func send(_ request: HTTPClientRequest, ref: Reference, timeout: TimeAmount) async throws -> HTTPClientResponse {
    let host = endpoint(for: ref.domain).host
    let scope = Self.scope(repository: ref.path)
    var request = request
    if let header = cachedAuthorization(host: host, scope: scope) {
      request.headers.replaceOrAdd(name: "Authorization", value: header)
    }
    let response = try await http.execute(request, timeout: timeout)
    guard response.status == .unauthorized else { return response }
    let challenges = AuthChallenge.parse(response.headers["WWW-Authenticate"].joined(separator: ", "))
    guard let header = try await authenticate(challenges, domain: ref.domain, host: host, scope: scope) else {
      // The caller reads this 401's body: a body can be iterated only once, so it stays unread.
      return response
    }
    _ = try? await response.body.collect(upTo: 1 << 20)
    request.headers.replaceOrAdd(name: "Authorization", value: header)
    return try await http.execute(request, timeout: timeout)
  }

  /// The credentials configured for a domain, or for the host it is served from.
  func credentials(domain: String, host: String) -> RegistryCredentials? {
    credentials[domain] ?? credentials[host]
  }

  /// The Authorization header to send before any challenge: an unexpired token for the scope,
  /// else Basic if the host asked for it before.
  func cachedAuthorization(host: String, scope: String) -> String? {
    let now = ContinuousClock.now
    return auth.withLock { cache in
      if let token = cache.tokens[host + " " + scope] {
        if token.expires > now { return token.header }
        cache.tokens[host + " " + scope] = nil
      }
      return cache.basic[host]
    }
  }

  /// Answers the challenges of a 401: Bearer first (a token from the realm, anonymous or with
  /// the credentials), else Basic when credentials are configured.
  /// - Returns: the Authorization header, now cached; nil when no challenge can be answered
  func authenticate(_ challenges: [AuthChallenge], domain: String, host: String, scope: String) async throws -> String? {
    let creds = credentials(domain: domain, host: host)
    if let bearer = challenges.first(where: { $0.isBearer && $0.realm != nil }), let realm = bearer.realm {
      let (header, lifetime) = try await fetchToken(realm: realm, service: bearer.service, scope: scope, credentials: creds)
      // Renew a little early so a token never expires in flight.
      let expires = ContinuousClock.now + .seconds(max(1, lifetime - 10))
      auth.withLock { $0.tokens[host + " " + scope] = CachedToken(header: header, expires: expires) }
      return header
    }
    if challenges.contains(where: \.isBasic), let creds {
      let header = Self.basicAuthorization(creds)
      auth.withLock { $0.basic[host] = header }
      return header
    }
    return nil
  }

  /// GETs a token from a Bearer realm.
  /// - Returns: the `Bearer <token>` header and its lifetime in seconds
  func fetchToken(realm: String, service: String?, scope: String, credentials: RegistryCredentials?) async throws
    -> (String, Int)
  {
    let url = Self.tokenURL(realm: realm, service: service, scope: scope)
    var request = HTTPClientRequest(url: url)
    if let credentials { request.headers.add(name: "Authorization", value: Self.basicAuthorization(credentials)) }
    let what = "token request to \(realm) for \(scope)"
    let response = try await withRetries(what: what) {
      try await self.http.execute(request, timeout: self.requestTimeout)
    }
    let body = try await response.body.collect(upTo: 1 << 20)
    try checkStatus(response, what)
    let decoded: TokenResponse
    do {
      decoded = try JSON.decode(TokenResponse.self, from: Array(body.readableBytesView))
    } catch {
      throw BerthError(.invalidArgument, "\(what): malformed answer", cause: error as? BerthError)
    }
    guard let token = decoded.token ?? decoded.accessToken, !token.isEmpty else {
      throw BerthError(.invalidArgument, "\(what): answer has no token")
    }
    return ("Bearer " + token, decoded.expiresIn ?? 60)
  }

  /// `Basic base64(user:password)`.
  static func basicAuthorization(_ credentials: RegistryCredentials) -> String {
    "Basic " + base64(Array((credentials.user + ":" + credentials.password).utf8))
  }

  /// RFC 4648 base64 with padding.
  static func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i < bytes.count {
      let n = min(3, bytes.count - i)
      let b0 = UInt32(bytes[i])
      let b1 = n > 1 ? UInt32(bytes[i + 1]) : 0
      let b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
      let v = b0 << 16 | b1 << 8 | b2
      out.append(alphabet[Int(v >> 18 & 63)])
      out.append(alphabet[Int(v >> 12 & 63)])
      out.append(n > 1 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
      out.append(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
      i += 3
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Percent-encodes everything but RFC 3986 unreserved characters.
  static func percentEncode(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for b in text.utf8 {
      let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
      if unreserved {
        out.append(b)
      } else {
        out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
