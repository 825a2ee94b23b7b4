import BerthOCI
import Testing

@testable import BerthRegistry

@Suite("WWW-Authenticate parsing")
struct ChallengeTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var header: String
    var expected: [AuthChallenge]
    var testDescription: String { header }
  }

  static let cases: [Case] = [
    Case(
      header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#,
      expected: [
        AuthChallenge(
          scheme: "Bearer",
          parameters: [
            "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
            "scope": "repository:library/busybox:pull",
          ])
      ]),
    Case(header: #"Basic realm="Registry Realm""#, expected: [AuthChallenge(scheme: "basic", parameters: ["realm": "Registry Realm"])]),
    Case(header: "Basic", expected: [AuthChallenge(scheme: "basic")]),
    Case(header: "basic realm=simple", expected: [AuthChallenge(scheme: "basic", parameters: ["realm": "simple"])]),
    // Several challenges in one header; parameters with spaces around '=' and commas.
    Case(
      header: #"Basic realm="a, b", Bearer  realm = "https://t/x" , service="s""#,
      expected: [
        AuthChallenge(scheme: "basic", parameters: ["realm": "a, b"]),
        AuthChallenge(scheme: "bearer", parameters: ["realm": "https://t/x", "service": "s"]),
      ]),
    // Escapes in quoted strings; names are case-insensitive.
    Case(
      header: #"Bearer REALM="say \"hi\" \\ there",error="insufficient_scope""#,
      expected: [AuthChallenge(scheme: "bearer", parameters: ["realm": #"say "hi" \ there"#, "error": "insufficient_scope"])]),
    // token68, then another challenge.
    Case(
      header: "Negotiate abc123==, Basic realm=\"r\"",
      expected: [
        AuthChallenge(scheme: "negotiate", token68: "abc123=="), AuthChallenge(scheme: "basic", parameters: ["realm": "r"]),
      ]),
    Case(header: "", expected: []),
    // Unterminated quote: what parsed before stays, nothing is invented.
    Case(header: #"Bearer realm="oops"#, expected: [AuthChallenge(scheme: "bearer")]),
  ]

  @Test("parses", arguments: cases)
  func parses(_ c: Case) {
    #expect(AuthChallenge.parse(c.header) == c.expected)
  }

  @Test func accessors() throws {
    let challenge = try #require(
      AuthChallenge.parse(#"Bearer realm="https://r/token",service="reg",scope="repository:a/b:pull""#).first)
    #expect(challenge.isBearer)
    #expect(!challenge.isBasic)
    #expect(challenge.realm == "https://r/token")
    #expect(challenge.service == "reg")
    #expect(challenge.scope == "repository:a/b:pull")
  }
}

@Suite("Endpoints, scopes and encodings")
struct EndpointTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var domain: String
    var insecure: Set<String> = []
    var url: String
    var testDescription: String { domain }
  }

  static let rows: [Row] = [
    Row(domain: "docker.io", url: "https://registry-1.docker.io/v2/"),
    Row(domain: "index.docker.io", url: "https://registry-1.docker.io/v2/"),
    Row(domain: "quay.io", url: "https://quay.io/v2/"),
    Row(domain: "ghcr.io", insecure: ["quay.io"], url: "https://ghcr.io/v2/"),
    Row(domain: "localhost", url: "http://localhost/v2/"),
    Row(domain: "localhost:5000", url: "http://localhost:5000/v2/"),
    Row(domain: "127.0.0.1:5000", url: "http://127.0.0.1:5000/v2/"),
    Row(domain: "127.1.2.3", url: "http://127.1.2.3/v2/"),
    Row(domain: "127.0.0.256:5000", url: "https://127.0.0.256:5000/v2/"),
    Row(domain: "128.0.0.1:5000", url: "https://128.0.0.1:5000/v2/"),
    Row(domain: "localhost.example.com", url: "https://localhost.example.com/v2/"),
    Row(domain: "reg.lan:5000", insecure: ["reg.lan:5000"], url: "http://reg.lan:5000/v2/"),
    Row(domain: "reg.lan:5000", insecure: ["reg.lan"], url: "http://reg.lan:5000/v2/"),
    Row(domain: "reg.lan:5001", insecure: ["reg.lan:5000"], url: "https://reg.lan:5001/v2/"),
  ]

  @Test("endpoint", arguments: rows)
  func endpoint(_ row: Row) {
    #expect(RegistryEndpoint.of(domain: row.domain, insecure: row.insecure).baseURL == row.url)
  }

  @Test func scopes() throws {
    #expect(RegistryClient.scope(repository: "library/busybox") == "repository:library/busybox:pull")
    #expect(RegistryClient.scope(repository: "a/b/c", actions: "pull,push") == "repository:a/b/c:pull,push")
    let ref = try Reference(parsing: "busybox")
    #expect(RegistryClient.scope(repository: ref.path) == "repository:library/busybox:pull")
  }

  @Test func tokenURLs() {
    #expect(
      RegistryClient.tokenURL(realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull")
        == "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull")
    #expect(
      RegistryClient.tokenURL(realm: "https://r/t?x=1", service: nil, scope: "repository:a:pull")
        == "https://r/t?x=1&scope=repository%3Aa%3Apull")
  }

  @Test func basicAuthorization() {
    #expect(RegistryClient.base64(Array("".utf8)) == "")
    #expect(RegistryClient.base64(Array("f".utf8)) == "Zg==")
    #expect(RegistryClient.base64(Array("fo".utf8)) == "Zm8=")
    #expect(RegistryClient.base64(Array("foobar".utf8)) == "Zm9vYmFy")
    #expect(
      RegistryClient.basicAuthorization(RegistryCredentials(user: "Aladdin", password: "open sesame"))
        == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
  }

  @Test func ingestRef() throws {
    let ref = try Reference(parsing: "127.0.0.1:5000/test/busybox:latest")
    let digest = try Digest.sha256(hex: String(repeating: "a", count: 64))
    #expect(RegistryClient.ingestRef(ref, digest: digest) == "127.0.0.1:5000/test/busybox@sha256:" + String(repeating: "a", count: 64))
  }

  @Test func mediaTypeDetection() throws {
    let ref = try Reference(parsing: "localhost/a:b")
    let schema1 = Array(#"{"schemaVersion":1,"name":"a","fsLayers":[]}"#.utf8)
    #expect(try RegistryClient.mediaType(of: schema1, contentType: "application/json", ref: ref).isSchema1)
    let index = Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8)
    #expect(try RegistryClient.mediaType(of: index, contentType: nil, ref: ref) == .ociIndex)
    let typed = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#.utf8)
    #expect(try RegistryClient.mediaType(of: typed, contentType: "text/plain", ref: ref) == .dockerManifest)
    #expect(RegistryClient.bareMediaType("application/json; charset=utf-8") == "application/json")
    #expect(throws: Error.self) { try RegistryClient.checkSupported(.dockerSchema1SignedManifest, ref: ref) }
    #expect(throws: Error.self) { try RegistryClient.checkSupported("application/x-unknown", ref: ref) }
    try RegistryClient.checkSupported(.dockerManifestList, ref: ref)
  }
}
