import BerthContent
import BerthError
import BerthOCI
import Foundation
import Testing

@testable import BerthRegistry

/// Everything an auth test needs around a real docker-registry (distribution 2.8) that demands
/// credentials or tokens: a temp dir, the registry process, a token server, clients and content
/// stores. `with` runs the test and then every cleanup, in reverse order, on every path.
final class AuthRegistryFixture {
  /// The tools the fixture runs; the tests are skipped when one is missing.
  static let tools = LocalRegistry.tools + ["/usr/bin/htpasswd", "/usr/bin/openssl"]
  static var available: Bool { tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) } }
  static let skipReason: Comment =
    "needs docker-registry, skopeo, umoci, htpasswd (apache2-utils) and openssl (scripts/setup installs them)"

  /// The `service` of the token registry; the token's audience.
  static let service = "berth-test"
  /// The `issuer` the token registry trusts.
  static let issuer = "berth-test-issuer"

  /// The temp dir holding the registry's config, data and log, the image layout and the stores.
  let dir: String
  private var cleanups: [() async -> Void] = []
  private var registryLogs: [String] = []

  private init() throws {
    dir = NSTemporaryDirectory() + "berth-auth-registry-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  /// Runs `body` with a fresh fixture, then removes everything it started or created.
  /// - Parameter body: the test
  static func with(_ body: (AuthRegistryFixture) async throws -> Void) async throws {
    let fixture = try AuthRegistryFixture()
    do {
      try await body(fixture)
    } catch {
      await fixture.cleanUp()
      throw error
    }
    await fixture.cleanUp()
  }

  /// Registers a cleanup; cleanups run last registered first, then the temp dir goes.
  /// - Parameter cleanup: undoes one thing the test set up
  func addCleanup(_ cleanup: @escaping () async -> Void) {
    cleanups.append(cleanup)
  }

  private func cleanUp() async {
    for cleanup in cleanups.reversed() { await cleanup() }
    cleanups = []
    try? FileManager.default.removeItem(atPath: dir)
  }

  // MARK: - Registries

  /// Starts a registry that asks for Basic auth checked against an htpasswd file (bcrypt) with
  /// one user.
  /// - Parameters:
  ///   - user: the user name
  ///   - password: the user's password
  /// - Returns: the registry's domain, `127.0.0.1:<port>`
  func startHtpasswdRegistry(user: String, password: String) async throws -> String {
    let file = dir + "/htpasswd"
    try LocalRegistry.run("/usr/bin/htpasswd", ["-B", "-b", "-c", file, user, password])
    return try await startRegistry(auth: ["htpasswd:", "  realm: berth-test", "  path: \(file)"])
  }

  /// Starts a token server and a registry that trusts it: openssl makes an EC P-256 key with a
  /// self-signed certificate, the server signs tokens with the key, and the registry's
  /// `rootcertbundle` is the certificate.
  /// - Parameters:
  ///   - users: passwords by user name
  ///   - anonymousActions: what a request without credentials is granted
  /// - Returns: the token server (its issuer records requests) and the registry's domain
  func startTokenRegistry(users: [String: String], anonymousActions: Set<String>) async throws
    -> (tokens: TokenServer, domain: String)
  {
    let keyPath = dir + "/token-key.pem"
    let certificatePath = dir + "/token-cert.pem"
    try LocalRegistry.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath,
        "-out", certificatePath, "-days", "1", "-subj", "/CN=berth-test",
      ])
    let issuer = try TokenIssuer(
      keyPEM: try String(contentsOfFile: keyPath, encoding: .utf8),
      certificatePEM: try String(contentsOfFile: certificatePath, encoding: .utf8), users: users,
      anonymousActions: anonymousActions)
    let tokens = try await TokenServer.start(issuer: issuer)
    addCleanup { await tokens.stop() }
    let domain = try await startRegistry(auth: [
      "token:",
      "  realm: http://127.0.0.1:\(tokens.port)/token",
      "  service: \(Self.service)",
      "  issuer: \(Self.issuer)",
      "  rootcertbundle: \(certificatePath)",
    ])
    return (tokens, domain)
  }

  /// Writes a config with `auth` (the lines under `auth:`), starts docker-registry on a free
  /// loopback port and waits until `GET /v2/` answers (401 counts: the registry is up).
  private func startRegistry(auth: [String]) async throws -> String {
    let port = try LocalRegistry.freePort()
    let name = "registry-\(port)"
    let config = """
      version: 0.1
      log:
        level: info
      storage:
        filesystem:
          rootdirectory: \(dir)/\(name)-data
      http:
        addr: 127.0.0.1:\(port)
      auth:
      \(auth.map { "  " + $0 }.joined(separator: "\n"))
      """
    try config.write(toFile: "\(dir)/\(name).yml", atomically: true, encoding: .utf8)
    let logPath = "\(dir)/\(name).log"
    _ = FileManager.default.createFile(atPath: logPath, contents: nil)
    let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
    process.arguments = ["serve", "\(dir)/\(name).yml"]
    process.standardOutput = log
    process.standardError = log
    try process.run()
    addCleanup {
      if process.isRunning {
        process.terminate()
        process.waitUntilExit()
      }
      try? log.close()
    }
    registryLogs.append(logPath)
    let domain = "127.0.0.1:\(port)"
    let probe = client()
    for _ in 0..<100 {
      if (try? await probe.ping(domain)) != nil { return domain }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw BerthError(.timeout, "registry on \(domain) did not start: \(registryLog)")
  }

  /// Every registry log so far, for failure messages.
  var registryLog: String {
    registryLogs.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" }.joined(separator: "\n")
  }

  // MARK: - Images, clients, stores

  /// Pushes a one-layer image (`payload` at /bin/busybox) as `<domain>/<repository>:latest`
  /// with skopeo, logging in as `user`. The OCI layout is built once per fixture.
  /// - Parameters:
  ///   - domain: the registry's domain
  ///   - repository: the repository path, such as `test/busybox`
  ///   - user: the user skopeo pushes as
  ///   - password: the user's password
  func pushImage(to domain: String, repository: String, user: String, password: String) throws {
    let layout = dir + "/layout"
    if !FileManager.default.fileExists(atPath: layout) {
      let file = dir + "/payload"
      _ = FileManager.default.createFile(atPath: file, contents: Data(RegistryIntegrationTests.payload(count: 50_000)))
      try LocalRegistry.run("/usr/bin/umoci", ["init", "--layout", layout])
      try LocalRegistry.run("/usr/bin/umoci", ["new", "--image", layout + ":latest"])
      try LocalRegistry.run("/usr/bin/umoci", ["insert", "--image", layout + ":latest", file, "/bin/busybox"])
    }
    try LocalRegistry.run(
      "/usr/bin/skopeo",
      [
        "--insecure-policy", "copy", "--dest-tls-verify=false", "--dest-creds", "\(user):\(password)",
        "oci:\(layout):latest", "docker://\(domain)/\(repository):latest",
      ])
  }

  /// A registry client, shut down by the cleanup.
  /// - Parameter credentials: user and password per registry domain
  func client(credentials: [String: (user: String, password: String)] = [:]) -> RegistryClient {
    let client = RegistryClient(credentials: credentials)
    addCleanup { try? await client.shutdown() }
    return client
  }

  /// An empty content store under the fixture's temp dir.
  func store() throws -> ContentStore {
    try ContentStore(root: dir + "/store-\(UUID().uuidString)")
  }

  /// Pulls an image the way the pull pipeline will: resolves the reference, then fetches the
  /// config and every layer into `store`.
  /// - Parameters:
  ///   - ref: the image
  ///   - client: the client to pull with
  ///   - store: where the blobs go
  /// - Returns: the manifest
  static func pull(_ ref: Reference, with client: RegistryClient, into store: ContentStore) async throws -> Manifest {
    let (manifest, _) = try await client.resolve(ref, platform: .host)
    for blob in [manifest.config] + manifest.layers {
      try await client.fetchBlob(ref, descriptor: blob, into: store)
    }
    return manifest
  }

  /// Checks that `body` fails with a `BerthError` of code `.permissionDenied` whose message
  /// names the refusal (a 401 or 403 answer).
  /// - Parameters:
  ///   - what: names the attempt in failure messages
  ///   - body: the attempt
  static func expectPermissionDenied(
    _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
  ) async {
    let error = await #expect(throws: BerthError.self, what, sourceLocation: sourceLocation) { try await body() }
    guard let error else { return }
    #expect(error.code == .permissionDenied, "\(what): \(error.code): \(error)", sourceLocation: sourceLocation)
    #expect(
      error.description.contains("401") || error.description.contains("403"), "\(what): \(error)",
      sourceLocation: sourceLocation)
  }
}
