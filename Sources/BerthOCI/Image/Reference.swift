import BerthError

/// An image reference as the distribution ecosystem writes it (`busybox`, `ubuntu:22.04`,
/// `localhost:5000/foo/bar:1`, `registry.example.com/a/b@sha256:...`), parsed and normalized the
/// way docker and containerd do: `busybox` is `docker.io/library/busybox:latest`.
///
/// Grammar (distribution/reference): `[domain/]path[:tag][@digest]`. The first path component is
/// the domain when it contains `.` or `:`, is `localhost`, or has an upper-case letter; otherwise
/// the domain is `docker.io`. `index.docker.io` becomes `docker.io`, and a one-component path on
/// Docker Hub gets `library/`. A reference with neither tag nor digest gets the tag `latest`; one
/// with both keeps both (the digest is what gets pulled).
public struct Reference: Hashable, Sendable, StringCoded {
  /// The registry host, with its port if any: `docker.io`, `localhost:5000`.
  public let domain: String
  /// The repository path inside the registry: `library/busybox`, `foo/bar`.
  public let path: String
  /// The tag, if any; `latest` when the reference named neither tag nor digest.
  public let tag: String?
  /// The digest, if any.
  public let digest: Digest?

  /// Docker Hub's canonical domain.
  public static let dockerHub = "docker.io"
  /// The tag a reference without tag or digest gets.
  public static let defaultTag = "latest"

  /// Parses and normalizes a reference.
  /// - Parameter text: such as `busybox`, `ubuntu:22.04` or `localhost:5000/foo/bar@sha256:...`
  /// - Throws: `BerthError.invalid` ("invalid reference \"X\": why").
  public init(parsing text: String) throws {
    let parsed = try ReferenceParser.parse(text)
    self.domain = parsed.domain
    self.path = parsed.path
    self.tag = parsed.tag
    self.digest = parsed.digest
  }

  /// Creates a reference from its parts, validating each one. Nothing is defaulted: a nil `tag`
  /// and `digest` stay nil.
  /// - Parameters:
  ///   - domain: the registry host and port, `docker.io` by default
  ///   - path: the repository path (Docker Hub's `library/` is not added)
  ///   - tag: the tag, if any
  ///   - digest: the digest, if any
  /// - Throws: `BerthError.invalid` naming the invalid part.
  public init(domain: String = Reference.dockerHub, path: String, tag: String? = nil, digest: Digest? = nil) throws {
    var text = domain + "/" + path
    if let tag { text += ":" + tag }
    if let digest { text += "@" + digest.description }
    try ReferenceParser.checkDomain(domain, in: text)
    try ReferenceParser.checkPath(path, in: text)
    if let tag { try ReferenceParser.checkTag(tag, in: text) }
    try ReferenceParser.checkLength(domain, path, in: text)
    self.domain = domain == "index.docker.io" ? Self.dockerHub : domain
    self.path = path
    self.tag = tag
    self.digest = digest
  }

  /// `domain/path`: `docker.io/library/busybox`.
  public var name: String { domain + "/" + path }

  /// The full normalized form: `docker.io/library/busybox:latest`, `name@digest` or
  /// `name:tag@digest`.
  public var description: String { name + suffix }

  /// The short name docker prints: `busybox` for `docker.io/library/busybox`, `foo/bar` for
  /// `docker.io/foo/bar`, the full name for any other registry.
  public var familiarName: String {
    guard domain == Self.dockerHub else { return name }
    let library = "library/"
    if path.hasPrefix(library), !path.dropFirst(library.count).contains("/") {
      return String(path.dropFirst(library.count))
    }
    return path
  }

  /// The short form docker prints: `busybox:latest`, `quay.io/a/b@sha256:...`.
  public var familiar: String { familiarName + suffix }

  /// What to ask the registry's manifests endpoint for: the digest when there is one (it pins
  /// the content), else the tag.
  public var manifestReference: String { digest?.description ?? tag ?? Self.defaultTag }

  /// Whether the registry is Docker Hub.
  public var isDockerHub: Bool { domain == Self.dockerHub }

  /// The same repository with another tag (the digest is dropped: it would pin other content).
  /// - Parameter tag: the new tag
  /// - Throws: `BerthError.invalid` when the tag is not valid.
  public func withTag(_ tag: String) throws -> Reference {
    try Reference(domain: domain, path: path, tag: tag)
  }

  /// The same reference pinned to a digest (the tag is kept, as `name:tag@digest`).
  /// - Parameter digest: the manifest digest
  public func withDigest(_ digest: Digest) -> Reference {
    Reference(uncheckedDomain: domain, path: path, tag: tag, digest: digest)
  }

  private var suffix: String {
    var text = ""
    if let tag { text += ":" + tag }
    if let digest { text += "@" + digest.description }
    return text
  }

  init(uncheckedDomain domain: String, path: String, tag: String?, digest: Digest?) {
    self.domain = domain
    self.path = path
    self.tag = tag
    self.digest = digest
  }

}
