/// An image config (OCI `application/vnd.oci.image.config.v1+json`, Docker
/// `application/vnd.docker.container.image.v1+json`): how to run the image and the diff IDs of its
/// layers. Docker's extra fields (`container_config`, `docker_version`, ...) are ignored.
public struct ImageConfig: Hashable, Sendable, Codable {
  /// When the image was created, RFC 3339.
  public var created: String?
  /// Who made the image.
  public var author: String?
  /// The CPU architecture, such as `amd64`.
  public var architecture: String
  /// The operating system, such as `linux`.
  public var os: String
  /// The OS version (Windows).
  public var osVersion: String?
  /// Required OS features (Windows).
  public var osFeatures: [String]?
  /// The CPU variant, such as `v8`.
  public var variant: String?
  /// The defaults for a container run from the image.
  public var config: Config?
  /// The uncompressed layer digests.
  public var rootfs: RootFS
  /// How each layer was made, base first; entries with `empty_layer` have no layer.
  public var history: [History]?

  /// Creates an image config.
  /// - Parameters:
  ///   - architecture: the CPU architecture
  ///   - os: the operating system
  ///   - rootfs: the layer diff IDs
  ///   - config: the container defaults
  ///   - created: the creation time, RFC 3339
  ///   - history: the layer history
  public init(
    architecture: String, os: String = "linux", rootfs: RootFS, config: Config? = nil, created: String? = nil,
    history: [History]? = nil
  ) {
    self.architecture = architecture
    self.os = os
    self.rootfs = rootfs
    self.config = config
    self.created = created
    self.history = history
  }

  enum CodingKeys: String, CodingKey {
    case created, author, architecture, os, variant, config, rootfs, history
    case osVersion = "os.version"
    case osFeatures = "os.features"
  }

  /// The platform the config declares.
  public var platform: Platform {
    Platform(architecture: architecture, os: os, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
  }

  /// The execution defaults (`config`); keys are capitalized as the spec and Docker write them.
  public struct Config: Hashable, Sendable, Codable {
    /// `user`, `uid`, `user:group` or `uid:gid`.
    public var user: String?
    /// Ports to expose, as `port/proto` keys (`"80/tcp": {}`).
    public var exposedPorts: [String: EmptyObject]?
    /// `NAME=value` entries.
    public var env: [String]?
    /// The command's fixed prefix.
    public var entrypoint: [String]?
    /// The default arguments (or command, without an entrypoint).
    public var cmd: [String]?
    /// Directories that should be volumes (`"/data": {}`).
    public var volumes: [String: EmptyObject]?
    /// The working directory.
    public var workingDir: String?
    /// Arbitrary metadata.
    public var labels: [String: String]?
    /// The signal that stops the container, such as `SIGTERM`.
    public var stopSignal: String?

    /// Creates execution defaults; every field is optional.
    public init(
      user: String? = nil, exposedPorts: [String: EmptyObject]? = nil, env: [String]? = nil,
      entrypoint: [String]? = nil, cmd: [String]? = nil, volumes: [String: EmptyObject]? = nil,
      workingDir: String? = nil, labels: [String: String]? = nil, stopSignal: String? = nil
    ) {
      self.user = user
      self.exposedPorts = exposedPorts
      self.env = env
      self.entrypoint = entrypoint
      self.cmd = cmd
      self.volumes = volumes
      self.workingDir = workingDir
      self.labels = labels
      self.stopSignal = stopSignal
    }

    enum CodingKeys: String, CodingKey {
      case user = "User"
      case exposedPorts = "ExposedPorts"
      case env = "Env"
      case entrypoint = "Entrypoint"
      case cmd = "Cmd"
      case volumes = "Volumes"
      case workingDir = "WorkingDir"
      case labels = "Labels"
      case stopSignal = "StopSignal"
    }
  }

  /// The layer digests of the unpacked filesystem (`rootfs`).
  public struct RootFS: Hashable, Sendable, Codable {
    /// Always `layers`.
    public var type: String
    /// The digests of the uncompressed layer tars, base first.
    public var diffIDs: [Digest]

    /// Creates a rootfs section.
    /// - Parameters:
    ///   - type: `layers`
    ///   - diffIDs: the uncompressed layer digests, base first
    public init(type: String = "layers", diffIDs: [Digest]) {
      self.type = type
      self.diffIDs = diffIDs
    }

    enum CodingKeys: String, CodingKey {
      case type
      case diffIDs = "diff_ids"
    }
  }

  /// One step of the image's build (`history`).
  public struct History: Hashable, Sendable, Codable {
    /// When the step ran, RFC 3339.
    public var created: String?
    /// The command that made the step.
    public var createdBy: String?
    /// Who made the step.
    public var author: String?
    /// A free-form comment.
    public var comment: String?
    /// True when the step changed no files and so has no layer.
    public var emptyLayer: Bool?

    /// Creates a history entry.
    public init(
      created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil,
      emptyLayer: Bool? = nil
    ) {
      self.created = created
      self.createdBy = createdBy
      self.author = author
      self.comment = comment
      self.emptyLayer = emptyLayer
    }

    enum CodingKeys: String, CodingKey {
      case created, author, comment
      case createdBy = "created_by"
      case emptyLayer = "empty_layer"
    }
  }
}
