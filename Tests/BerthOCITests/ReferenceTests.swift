import BerthError
import BerthOCI
import Testing

/// Reference parsing and normalization, checked against what docker and containerd produce for the
/// same strings.
@Suite struct ReferenceTests {
  static let hex = "39a89df0eec326f7e3c82645fb05b3253f443858dc210fcfaed317243f9ab261"

  /// A valid reference and its expected normalized parts.
  struct Valid: Sendable, CustomTestStringConvertible {
    let input: String
    let domain: String
    let path: String
    let tag: String?
    let digest: String?
    let description: String
    let familiar: String
    var testDescription: String { input }
  }

  static let valid: [Valid] = [
    Valid(
      input: "busybox", domain: "docker.io", path: "library/busybox", tag: "latest", digest: nil,
      description: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
    Valid(
      input: "ubuntu:22.04", domain: "docker.io", path: "library/ubuntu", tag: "22.04", digest: nil,
      description: "docker.io/library/ubuntu:22.04", familiar: "ubuntu:22.04"),
    Valid(
      input: "library/ubuntu", domain: "docker.io", path: "library/ubuntu", tag: "latest", digest: nil,
      description: "docker.io/library/ubuntu:latest", familiar: "ubuntu:latest"),
    Valid(
      input: "docker.io/busybox", domain: "docker.io", path: "library/busybox", tag: "latest", digest: nil,
      description: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
    Valid(
      input: "index.docker.io/library/busybox:1.36", domain: "docker.io", path: "library/busybox", tag: "1.36",
      digest: nil, description: "docker.io/library/busybox:1.36", familiar: "busybox:1.36"),
    Valid(
      input: "index.docker.io/busybox", domain: "docker.io", path: "library/busybox", tag: "latest", digest: nil,
      description: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
    Valid(
      input: "foo/bar", domain: "docker.io", path: "foo/bar", tag: "latest", digest: nil,
      description: "docker.io/foo/bar:latest", familiar: "foo/bar:latest"),
    Valid(
      input: "docker.io/foo/bar/baz:v1", domain: "docker.io", path: "foo/bar/baz", tag: "v1", digest: nil,
      description: "docker.io/foo/bar/baz:v1", familiar: "foo/bar/baz:v1"),
    Valid(
      input: "docker.io/library/foo/bar", domain: "docker.io", path: "library/foo/bar", tag: "latest", digest: nil,
      description: "docker.io/library/foo/bar:latest", familiar: "library/foo/bar:latest"),
    Valid(
      input: "localhost/foo", domain: "localhost", path: "foo", tag: "latest", digest: nil,
      description: "localhost/foo:latest", familiar: "localhost/foo:latest"),
    Valid(
      input: "localhost:5000/foo/bar:1", domain: "localhost:5000", path: "foo/bar", tag: "1", digest: nil,
      description: "localhost:5000/foo/bar:1", familiar: "localhost:5000/foo/bar:1"),
    // Without a slash, the port is a tag: docker reads it the same way.
    Valid(
      input: "localhost:5000", domain: "docker.io", path: "library/localhost", tag: "5000", digest: nil,
      description: "docker.io/library/localhost:5000", familiar: "localhost:5000"),
    Valid(
      input: "registry.example.com/a/b@sha256:\(hex)", domain: "registry.example.com", path: "a/b", tag: nil,
      digest: "sha256:\(hex)", description: "registry.example.com/a/b@sha256:\(hex)",
      familiar: "registry.example.com/a/b@sha256:\(hex)"),
    Valid(
      input: "quay.io/coreos/etcd:v3.5.0@sha256:\(hex)", domain: "quay.io", path: "coreos/etcd", tag: "v3.5.0",
      digest: "sha256:\(hex)", description: "quay.io/coreos/etcd:v3.5.0@sha256:\(hex)",
      familiar: "quay.io/coreos/etcd:v3.5.0@sha256:\(hex)"),
    Valid(
      input: "busybox:1.36@sha256:\(hex)", domain: "docker.io", path: "library/busybox", tag: "1.36",
      digest: "sha256:\(hex)", description: "docker.io/library/busybox:1.36@sha256:\(hex)",
      familiar: "busybox:1.36@sha256:\(hex)"),
    Valid(
      input: "busybox@sha256:\(hex)", domain: "docker.io", path: "library/busybox", tag: nil, digest: "sha256:\(hex)",
      description: "docker.io/library/busybox@sha256:\(hex)", familiar: "busybox@sha256:\(hex)"),
    Valid(
      input: "127.0.0.1:5000/pause:3.9", domain: "127.0.0.1:5000", path: "pause", tag: "3.9", digest: nil,
      description: "127.0.0.1:5000/pause:3.9", familiar: "127.0.0.1:5000/pause:3.9"),
    Valid(
      input: "[::1]:5000/foo:bar", domain: "[::1]:5000", path: "foo", tag: "bar", digest: nil,
      description: "[::1]:5000/foo:bar", familiar: "[::1]:5000/foo:bar"),
    Valid(
      input: "registry.k8s.io/e2e-test-images/busybox:1.29-4", domain: "registry.k8s.io",
      path: "e2e-test-images/busybox", tag: "1.29-4", digest: nil,
      description: "registry.k8s.io/e2e-test-images/busybox:1.29-4",
      familiar: "registry.k8s.io/e2e-test-images/busybox:1.29-4"),
    // An upper-case first component is a domain, as docker's splitDockerDomain decides.
    Valid(
      input: "Foo/bar", domain: "Foo", path: "bar", tag: "latest", digest: nil, description: "Foo/bar:latest",
      familiar: "Foo/bar:latest"),
    Valid(
      input: "foo/a.b-c_d__e---f:V1.2-rc_3", domain: "docker.io", path: "foo/a.b-c_d__e---f", tag: "V1.2-rc_3",
      digest: nil, description: "docker.io/foo/a.b-c_d__e---f:V1.2-rc_3", familiar: "foo/a.b-c_d__e---f:V1.2-rc_3"),
    Valid(
      input: "my-registry.local:443/ns/app:_x", domain: "my-registry.local:443", path: "ns/app", tag: "_x", digest: nil,
      description: "my-registry.local:443/ns/app:_x", familiar: "my-registry.local:443/ns/app:_x"),
    Valid(
      input: "busybox:" + String(repeating: "t", count: 128), domain: "docker.io", path: "library/busybox",
      tag: String(repeating: "t", count: 128), digest: nil,
      description: "docker.io/library/busybox:" + String(repeating: "t", count: 128),
      familiar: "busybox:" + String(repeating: "t", count: 128)),
  ]

  @Test(arguments: valid) func parsesAndNormalizes(_ c: Valid) throws {
    let reference = try Reference(parsing: c.input)
    #expect(reference.domain == c.domain)
    #expect(reference.path == c.path)
    #expect(reference.tag == c.tag)
    #expect(reference.digest?.description == c.digest)
    #expect(reference.description == c.description)
    #expect(reference.familiar == c.familiar)
    // The normalized and the familiar forms parse back to the same reference.
    #expect(try Reference(parsing: reference.description) == reference)
    #expect(try Reference(parsing: reference.familiar) == reference)
  }

  /// An invalid reference and text its error must contain.
  struct Invalid: Sendable, CustomTestStringConvertible {
    let input: String
    let why: String
    init(_ input: String, _ why: String) {
      self.input = input
      self.why = why
    }
    var testDescription: String { input.isEmpty ? "(empty)" : String(input.prefix(40)) }
  }

  static let invalid: [Invalid] = [
    Invalid("", "the reference is empty"),
    Invalid("FOO", "repository name \"library/FOO\" must be lowercase"),
    Invalid("docker.io/Library/busybox", "must be lowercase"),
    Invalid("localhost/Foo", "must be lowercase"),
    Invalid("busybox:a+b", "tag \"a+b\" may only contain"),
    Invalid("busybox:tag!", "may only contain"),
    Invalid("busybox:-tag", "must start with a letter, digit or '_'"),
    Invalid("busybox:.tag", "must start with"),
    Invalid("busybox:" + String(repeating: "t", count: 129), "tag is 129 characters long, the limit is 128"),
    Invalid("a//b", "empty path component in \"a//b\""),
    Invalid("foo/", "empty path component"),
    Invalid("/foo", "empty path component"),
    Invalid("localhost/", "missing repository path"),
    Invalid("foo:", "empty tag after ':'"),
    Invalid(":tag", "missing repository name before ':'"),
    Invalid("@sha256:short", "missing repository name before '@'"),
    Invalid("busybox@sha256:short", "invalid digest \"sha256:short\": sha256 must be lower-case hex digits"),
    Invalid("busybox@sha256:abc123", "sha256 must be 64 hex digits, found 6"),
    Invalid("busybox@", "invalid digest \"\": expected algorithm:encoded"),
    Invalid("busybox@sha256:\(hex)@sha256:\(hex)", "invalid digest"),
    Invalid("foo..bar", "path component \"foo..bar\" must be"),
    Invalid("foo-", "path component \"foo-\""),
    Invalid("-foo", "path component \"-foo\""),
    Invalid("foo___bar", "path component"),
    Invalid("foo._bar", "path component"),
    Invalid("foo bar", "path component"),
    Invalid("ünicode", "path component"),
    Invalid(hex, "a 64-digit hex string is an image id"),
    Invalid("localhost:abc/foo", "registry domain \"localhost:abc\" has an invalid port"),
    Invalid("localhost:/foo", "has an invalid port"),
    Invalid("-example.com/foo", "registry domain \"-example.com\" must be dot-separated labels"),
    Invalid("exa_mple.com/foo", "must be dot-separated labels"),
    Invalid("example..com/foo", "must be dot-separated labels"),
    Invalid("[::1/foo", "not a valid bracketed IPv6 address"),
    Invalid("[]:5000/foo", "not a valid bracketed IPv6 address"),
    Invalid("example.com/" + String(repeating: "a", count: 244), "repository name is 256 characters long, the limit is 255"),
  ]

  @Test(arguments: invalid) func rejects(_ c: Invalid) {
    let error = #expect(throws: BerthError.self) { try Reference(parsing: c.input) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.hasPrefix("invalid reference \"\(c.input)\": ") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains(c.why) == true, "\(error?.message ?? "")")
  }

  @Test func nameLengthLimitIsInclusive() throws {
    let path = String(repeating: "a", count: 255 - "example.com/".count)
    #expect(try Reference(parsing: "example.com/" + path).name.count == 255)
  }

  @Test func derivedForms() throws {
    let tagged = try Reference(parsing: "busybox:1.36")
    #expect(tagged.name == "docker.io/library/busybox")
    #expect(tagged.familiarName == "busybox")
    #expect(tagged.isDockerHub)
    #expect(tagged.manifestReference == "1.36")

    let digest = try Digest(parsing: "sha256:\(Self.hex)")
    let pinned = tagged.withDigest(digest)
    #expect(pinned.description == "docker.io/library/busybox:1.36@sha256:\(Self.hex)")
    #expect(pinned.manifestReference == "sha256:\(Self.hex)")

    let retagged = try pinned.withTag("musl")
    #expect(retagged.description == "docker.io/library/busybox:musl")
    #expect(throws: BerthError.self) { try pinned.withTag("bad tag") }

    let local = try Reference(parsing: "localhost:5000/foo")
    #expect(!local.isDockerHub)
    #expect(local.familiarName == "localhost:5000/foo")
  }

  @Test func initFromPartsValidates() throws {
    let reference = try Reference(domain: "quay.io", path: "a/b", tag: "v1")
    #expect(reference.description == "quay.io/a/b:v1")
    #expect(try Reference(path: "library/alpine").description == "docker.io/library/alpine")
    #expect(try Reference(domain: "index.docker.io", path: "library/alpine").domain == "docker.io")
    #expect(throws: BerthError.self) { try Reference(domain: "quay.io", path: "A/b") }
    #expect(throws: BerthError.self) { try Reference(domain: "bad_domain", path: "a") }
    #expect(throws: BerthError.self) { try Reference(domain: "quay.io", path: "a", tag: "") }
  }

  @Test func codableAsNormalizedString() throws {
    struct Entry: Codable, Equatable { var image: Reference }
    let entry = try JSON.decode(Entry.self, from: Array(#"{"image":"ubuntu:22.04"}"#.utf8))
    #expect(entry.image.description == "docker.io/library/ubuntu:22.04")
    #expect(try JSON.string(entry) == #"{"image":"docker.io/library/ubuntu:22.04"}"#)
    #expect(try JSON.decode(Entry.self, from: JSON.encode(entry)) == entry)
    let error = #expect(throws: BerthError.self) {
      try JSON.decode(Entry.self, from: Array(#"{"image":"UPPER"}"#.utf8))
    }
    #expect(error?.message.hasPrefix("image: invalid reference \"UPPER\"") == true)
  }
}
