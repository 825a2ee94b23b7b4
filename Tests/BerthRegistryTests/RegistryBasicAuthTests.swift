import BerthContent
import BerthError
import BerthOCI
import Foundation
import Testing

@testable import BerthRegistry

/// The client against a docker-registry that asks for Basic auth (`auth: htpasswd`, bcrypt):
/// the configured credentials open the registry; none, or a wrong password, get a clear
/// `.permissionDenied` and leave the content store empty.
@Suite("Registry client against a docker-registry with htpasswd basic auth", .serialized)
struct RegistryBasicAuthTests {
  static let user = "alice"
  static let password = "s3cret-alice"

  @Test(
    "resolve and fetch blobs with the configured credentials",
    .enabled(if: AuthRegistryFixture.available, AuthRegistryFixture.skipReason))
  func pullWithCredentials() async throws {
    try await AuthRegistryFixture.with { fixture in
      let domain = try await fixture.startHtpasswdRegistry(user: Self.user, password: Self.password)
      try fixture.pushImage(to: domain, repository: "test/busybox", user: Self.user, password: Self.password)
      let ref = try Reference(parsing: "\(domain)/test/busybox:latest")

      // The registry asks for Basic auth before anything else.
      let anonymous = fixture.client()
      let challenges = try await anonymous.ping(domain)
      #expect(challenges.map(\.scheme) == ["basic"])

      let client = fixture.client(credentials: [domain: (user: Self.user, password: Self.password)])
      let store = try fixture.store()
      let manifest = try await AuthRegistryFixture.pull(ref, with: client, into: store)
      #expect(manifest.layers.count == 1)
      for blob in [manifest.config] + manifest.layers {
        #expect(try store.info(blob.digest.description)?.size == blob.size)
        #expect(try store.verify(blob.digest.description))
      }
      #expect(try store.list().count == 2)
      // The Basic header is cached per host: a pull by digest needs no second challenge.
      let (_, descriptor) = try await client.resolve(ref, platform: .host)
      #expect(try await client.resolve(ref.withDigest(descriptor.digest), platform: .host).manifest == manifest)
    }
  }

  @Test(
    "no credentials, or a wrong password, is refused and commits nothing",
    .enabled(if: AuthRegistryFixture.available, AuthRegistryFixture.skipReason),
    arguments: [nil, "not-the-password"] as [String?])
  func pullRefused(password: String?) async throws {
    try await AuthRegistryFixture.with { fixture in
      let domain = try await fixture.startHtpasswdRegistry(user: Self.user, password: Self.password)
      try fixture.pushImage(to: domain, repository: "test/busybox", user: Self.user, password: Self.password)
      let ref = try Reference(parsing: "\(domain)/test/busybox:latest")
      // The descriptors, read with the right credentials, so the blob fetches below are real.
      let allowed = fixture.client(credentials: [domain: (user: Self.user, password: Self.password)])
      let (manifest, _) = try await allowed.resolve(ref, platform: .host)

      let client = fixture.client(credentials: password.map { [domain: (user: Self.user, password: $0)] } ?? [:])
      let store = try fixture.store()
      await AuthRegistryFixture.expectPermissionDenied("resolve") {
        _ = try await client.resolve(ref, platform: .host)
      }
      for blob in [manifest.config] + manifest.layers {
        await AuthRegistryFixture.expectPermissionDenied("fetch \(blob.digest)") {
          try await client.fetchBlob(ref, descriptor: blob, into: store)
        }
      }
      #expect(try store.list().isEmpty)
      #expect(try store.abandonedIngests(olderThan: 0).isEmpty)
    }
  }
}
