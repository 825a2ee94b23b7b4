import AsyncHTTPClient
import BerthError
import BerthOCI
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Where a registry's distribution API lives: `https://<host>/v2/`, or plain HTTP for loopback
/// registries and those the caller marked insecure.
public struct RegistryEndpoint: Hashable, Sendable {
  /// `https` or `http`.
  public var scheme: String
  /// The host and port to connect to (`registry-1.docker.io`, `127.0.0.1:5000`).
  public var host: String

  /// Creates an endpoint.
  /// - Parameters:
  ///   - scheme: `https` or `http`
  ///   - host: the host, with its port if any
  public init(scheme: String, host: String) {
    self.scheme = scheme
    self.host = host
  }

  /// The endpoint of a reference's domain. Docker Hub's `docker.io` is served by
  /// `registry-1.docker.io`. Plain HTTP is used for `localhost[:port]`, `127.x.x.x[:port]` and any
  /// domain (or its host without the port) in `insecure`; everything else is HTTPS.
  /// - Parameters:
  ///   - domain: the reference's domain, such as `docker.io` or `localhost:5000`
  ///   - insecure: domains that may be reached over plain HTTP
  public static func of(domain: String, insecure: Set<String> = []) -> RegistryEndpoint {
    if domain == Reference.dockerHub || domain == "index.docker.io" {
      return RegistryEndpoint(scheme: "https", host: "registry-1.docker.io")
    }
    let hostOnly = Self.hostWithoutPort(domain)
    let plain = hostOnly == "localhost" || Self.isLoopbackIPv4(hostOnly) || insecure.contains(domain)
      || insecure.contains(hostOnly)
    return RegistryEndpoint(scheme: plain ? "http" : "https", host: domain)
  }

  /// `scheme://host/v2/`.
  public var baseURL: String { scheme + "://" + host + "/v2/" }

  /// The URL of a path under `/v2/`, such as `library/busybox/manifests/latest`.
  /// - Parameter path: the path after `/v2/`
  public func url(_ path: String) -> String { baseURL + path }

  static func hostWithoutPort(_ domain: String) -> String {
    guard let colon = domain.lastIndex(of: ":"), !domain.hasSuffix("]") else { return domain }
    return String(domain[..<colon])
  }

  /// Four dot-separated decimal octets, the first one 127 (the whole 127.0.0.0/8 is loopback).
  static func isLoopbackIPv4(_ host: String) -> Bool {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "127" else { return false }
    return parts.allSatisfy { part in
      !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
        && (Int(part) ?? 256) <= 255
    }
  }
}

/// Credentials for one registry.
public struct RegistryCredentials: Sendable, Hashable {
  /// The user name.
  public var user: String
  /// The password or access token.
  public var password: String

  /// Creates credentials.
  /// - Parameters:
  ///   - user: the user name
  ///   - password: the password or access token
  public init(user: String, password: String) {
    self.user = user
    self.password = password
  }
}

/// A client of the OCI distribution API (v2) for pulling: manifests and blobs, with the registry
/// auth flow (Basic, or Bearer tokens anonymous or with credentials), redirects, and retries with
/// back-off on 5xx responses, dropped connections and timeouts.
///
/// The client owns one `HTTPClient`; call `shutdown()` when done. It is `Sendable`: concurrent
/// pulls share the connection pool and the token cache (a `Mutex`).
///
/// Split by concern: auth in RegistryClient+Auth.swift, manifests in +Manifest.swift, blobs in
/// +Blob.swift, `WWW-Authenticate` parsing in Challenge.swift.
public final class RegistryClient: Sendable {
  let http: HTTPClient
  let credentials: [String: RegistryCredentials]
  let insecureRegistries: Set<String>
  let auth = Mutex<AuthCache>(AuthCache())
  /// Delays before each retry: 100 ms, 400 ms, 1.6 s.
  let backoff: [Duration]
  /// The deadline of one request that is not a blob download.
  let requestTimeout: TimeAmount = .seconds(60)

  /// Creates a client.
  /// - Parameters:
  ///   - credentials: user and password per registry domain (`docker.io`, `localhost:5000`)
  ///   - insecureRegistries: domains to reach over plain HTTP, besides loopback ones
  ///   - backoff: the delays before each retry; the count is the number of retries
  ///   - caFiles: PEM files of certificate authorities trusted besides the system's
  public init(
    credentials: [String: (user: String, password: String)] = [:], insecureRegistries: Set<String> = [],
    backoff: [Duration] = [.milliseconds(100), .milliseconds(400), .milliseconds(1600)], caFiles: [String] = []
  ) {
    var configuration = HTTPClient.Configuration()
    // Registries redirect blob GETs to object storage; AsyncHTTPClient drops Authorization
    // when a redirect leaves the origin.
    configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
    // Read covers the gap between two body chunks, so a stalled blob download fails and resumes.
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(30), read: .seconds(60))
    // A refused connection fails the request at once and `withRetries` backs off; AsyncHTTPClient's
    // own retrying would hold it until the connect timeout, so a mirror that is down cost minutes.
    configuration.connectionPool.retryConnectionEstablishment = false
    if !caFiles.isEmpty {
      var tls = TLSConfiguration.makeClientConfiguration()
      tls.additionalTrustRoots = caFiles.map { .file($0) }
      configuration.tlsConfiguration = tls
    }
    self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    self.credentials = credentials.mapValues { RegistryCredentials(user: $0.user, password: $0.password) }
    self.insecureRegistries = insecureRegistries
    self.backoff = backoff
  }

  /// Shuts the HTTP client down. Call once, after the last request.
  public func shutdown() async throws {
    try await http.shutdown()
  }

  /// The endpoint requests for `domain` go to.
  /// - Parameter domain: a reference's domain
  public func endpoint(for domain: String) -> RegistryEndpoint {
    RegistryEndpoint.of(domain: domain, insecure: insecureRegistries)
  }

  /// Checks that the registry speaks the v2 API: `GET /v2/`.
  /// - Parameter domain: the registry's domain
  /// - Returns: the challenges of a 401 answer (empty when the registry needs no auth)
  /// - Throws: `BerthError` if the registry is unreachable or answers anything but 200 or 401
  public func ping(_ domain: String) async throws -> [AuthChallenge] {
    let url = endpoint(for: domain).baseURL
    let response = try await withRetries(what: "ping \(url)") {
      try await self.http.execute(HTTPClientRequest(url: url), timeout: self.requestTimeout)
    }
    _ = try? await response.body.collect(upTo: 1 << 20)
    switch response.status.code {
    case 200: return []
    case 401: return AuthChallenge.parse(response.headers["WWW-Authenticate"].joined(separator: ", "))
    default: throw BerthError(.unsupported, "registry \(domain) does not serve the v2 api: \(url) answered \(response.status)")
    }
  }

  // MARK: - Retries

  /// Runs `body`, retrying after each delay in `backoff` when it fails with a dropped
  /// connection, a timeout or a 5xx/429 answer. Other errors are thrown at once; after the last
  /// retry the error is thrown, or the last 5xx response returned for the caller to report.
  /// - Parameters:
  ///   - what: names the request (for logs and errors of callers)
  ///   - body: one attempt; `HTTPClientResponse`s with a retryable status are retried too
  func withRetries(what: String, _ body: () async throws -> HTTPClientResponse) async throws -> HTTPClientResponse {
    var attempt = 0
    while true {
      do {
        let response = try await body()
        guard Self.isRetryable(status: response.status), attempt < backoff.count else { return response }
        // Drain the error page so the connection goes back to the pool.
        _ = try? await response.body.collect(upTo: 1 << 20)
      } catch {
        guard Self.isRetryable(error), attempt < backoff.count else { throw Self.describing(error, what) }
      }
      try await Task.sleep(for: backoff[attempt])
      attempt += 1
    }
  }

  /// A network error as a `BerthError` naming the request (NIO's own messages name no URL);
  /// Berth's errors and cancellation pass through.
  static func describing(_ error: any Error, _ what: String) -> any Error {
    if error is BerthError || error is CancellationError { return error }
    return BerthError(.io, "\(what): \(error)", cause: error)
  }

  static func isRetryable(status: HTTPResponseStatus) -> Bool {
    status.code >= 500 || status.code == 429
  }

  /// Network failures (connection refused or dropped, timeouts) are retryable; Berth's own
  /// errors (digest mismatch, disk full) and cancellation are not, except `RetryableError`.
  static func isRetryable(_ error: any Error) -> Bool {
    if error is CancellationError { return false }
    if error is RetryableError { return true }
    if error is BerthError { return false }
    return true
  }
}

/// A failure worth another attempt (a body cut short, a 5xx during a blob download).
struct RetryableError: Error, CustomStringConvertible {
  var description: String
}

/// Throws a `BerthError` for an answer that is not a success, naming the request.
func checkStatus(_ response: HTTPClientResponse, _ what: String, allowed: Set<UInt> = [200]) throws {
  let code = response.status.code
  if allowed.contains(code) { return }
  switch code {
  case 401, 403: throw BerthError(.permissionDenied, "\(what): \(response.status)")
  case 404: throw BerthError(.notFound, "\(what): \(response.status)")
  default: throw BerthError(.io, "\(what): unexpected \(response.status)")
  }
}
