import BerthContent
import BerthError
import BerthOCI
import Foundation
import Testing

@testable import BerthRegistry

/// The client against a docker-registry that asks for Bearer tokens (`auth: token`) from a
/// token server written for the test (`TokenServer`): anonymous tokens for public pulls, Basic
/// credentials at the token endpoint for private ones, and one token per scope reused until it
/// expires.
@Suite("Registry client against a docker-registry with bearer token auth", .serialized)
struct RegistryTokenAuthTests {
  /// The user skopeo pushes as; the token server grants it every action it asks for.
  static let user = "alice"
  static let password = "s3cret-alice"
  static let users = [user: password]

  @Test(
    "an anonymous token pulls a public repository, asked for with the pull scope",
    .enabled(if: AuthRegistryFixture.available, AuthRegistryFixture.skipReason))
  func anonymousPull() async throws {
    try await AuthRegistryFixture.with { fixture in
      let (tokens, domain) = try await fixture.startTokenRegistry(users: Self.users, anonymousActions: ["pull"])
      try fixture.pushImage(to: domain, repository: "test/busybox", user: Self.user, password: Self.password)
      tokens.issuer.resetRequests()

      let client = fixture.client()
      let challenges = try await client.ping(domain)
      #expect(challenges.first?.isBearer == true)
      #expect(challenges.first?.realm == "http://127.0.0.1:\(tokens.port)/token")
      #expect(challenges.first?.service == AuthRegistryFixture.service)

      let store = try fixture.store()
      let ref = try Reference(parsing: "\(domain)/test/busybox:latest")
      let manifest = try await AuthRegistryFixture.pull(ref, with: client, into: store)
      #expect(try store.list().count == 1 + manifest.layers.count)
      for blob in [manifest.config] + manifest.layers {
        #expect(try store.verify(blob.digest.description))
      }
      let expected = TokenRequest(
        service: AuthRegistryFixture.service, scopes: ["repository:test/busybox:pull"], user: nil, issued: true)
      #expect(tokens.issuer.requests == [expected], "\(fixture.registryLog)")
    }
  }

  @Test(
    "a private repository: credentials at the token endpoint pull, none or wrong ones are refused",
    .enabled(if: AuthRegistryFixture.available, AuthRegistryFixture.skipReason))
  func credentialsRequired() async throws {
    try await AuthRegistryFixture.with { fixture in
      // Anonymous requests get a token with empty access, as Docker Hub does for private
      // repositories: the registry then answers 401 to the retried request.
      let (tokens, domain) = try await fixture.startTokenRegistry(users: Self.users, anonymousActions: [])
      try fixture.pushImage(to: domain, repository: "test/busybox", user: Self.user, password: Self.password)
      let ref = try Reference(parsing: "\(domain)/test/busybox:latest")
      let scope = "repository:test/busybox:pull"

      // The right credentials.
      tokens.issuer.resetRequests()
      let client = fixture.client(credentials: [domain: (user: Self.user, password: Self.password)])
      let store = try fixture.store()
      let manifest = try await AuthRegistryFixture.pull(ref, with: client, into: store)
      #expect(try store.list().count == 1 + manifest.layers.count)
      #expect(
        tokens.issuer.requests
          == [TokenRequest(service: AuthRegistryFixture.service, scopes: [scope], user: Self.user, issued: true)])

      // No credentials: a token is issued, but it grants nothing.
      tokens.issuer.resetRequests()
      let anonymous = fixture.client()
      let anonymousStore = try fixture.store()
      await AuthRegistryFixture.expectPermissionDenied("resolve without credentials") {
        _ = try await anonymous.resolve(ref, platform: .host)
      }
      await AuthRegistryFixture.expectPermissionDenied("fetch without credentials") {
        try await anonymous.fetchBlob(ref, descriptor: manifest.layers[0], into: anonymousStore)
      }
      #expect(try anonymousStore.list().isEmpty)
      #expect(try anonymousStore.abandonedIngests(olderThan: 0).isEmpty)
      #expect(tokens.issuer.requests.allSatisfy { $0.user == nil && $0.issued && $0.scopes == [scope] })

      // A wrong password: the token endpoint itself answers 401.
      tokens.issuer.resetRequests()
      let wrong = fixture.client(credentials: [domain: (user: Self.user, password: "not-the-password")])
      let wrongStore = try fixture.store()
      await AuthRegistryFixture.expectPermissionDenied("resolve with a wrong password") {
        _ = try await wrong.resolve(ref, platform: .host)
      }
      await AuthRegistryFixture.expectPermissionDenied("fetch with a wrong password") {
        try await wrong.fetchBlob(ref, descriptor: manifest.layers[0], into: wrongStore)
      }
      #expect(try wrongStore.list().isEmpty)
      #expect(try wrongStore.abandonedIngests(olderThan: 0).isEmpty)
      #expect(!tokens.issuer.requests.isEmpty)
      #expect(tokens.issuer.requests.allSatisfy { $0.user == Self.user && !$0.issued })
    }
  }

  @Test(
    "one token per scope, reused across the requests of a pull and later pulls",
    .enabled(if: AuthRegistryFixture.available, AuthRegistryFixture.skipReason))
  func tokenReusedPerScope() async throws {
    try await AuthRegistryFixture.with { fixture in
      let (tokens, domain) = try await fixture.startTokenRegistry(users: Self.users, anonymousActions: ["pull"])
      try fixture.pushImage(to: domain, repository: "test/busybox", user: Self.user, password: Self.password)
      try fixture.pushImage(to: domain, repository: "test/other", user: Self.user, password: Self.password)
      tokens.issuer.resetRequests()

      let client = fixture.client()
      let ref = try Reference(parsing: "\(domain)/test/busybox:latest")
      // Manifest by tag, config, layer, then the manifest again by digest: one token.
      let manifest = try await AuthRegistryFixture.pull(ref, with: client, into: try fixture.store())
      let (_, descriptor) = try await client.resolve(ref, platform: .host)
      #expect(try await client.resolve(ref.withDigest(descriptor.digest), platform: .host).manifest == manifest)
      _ = try await AuthRegistryFixture.pull(ref, with: client, into: try fixture.store())
      #expect(tokens.issuer.requests.map(\.scopes) == [["repository:test/busybox:pull"]])

      // Another repository is another scope: a second token, and the first is still reused.
      let other = try Reference(parsing: "\(domain)/test/other:latest")
      _ = try await AuthRegistryFixture.pull(other, with: client, into: try fixture.store())
      _ = try await client.resolve(ref, platform: .host)
      _ = try await client.resolve(other, platform: .host)
      #expect(
        tokens.issuer.requests.map(\.scopes) == [["repository:test/busybox:pull"], ["repository:test/other:pull"]])

      // The cache is per client: a new client asks again.
      let fresh = fixture.client()
      _ = try await fresh.resolve(ref, platform: .host)
      #expect(tokens.issuer.requests.count == 3)
    }
  }
}
