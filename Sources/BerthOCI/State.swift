/// The state of a container as `state` prints it: the OCI fields plus runc's `rootfs`, `created`
/// and `owner`, which containerd's go-runc and Podman read.
public struct State: Codable, Sendable, Equatable {
  public var ociVersion: String
  public var id: String
  public var status: Status
  public var pid: Int32
  public var bundle: String
  public var rootfs: String
  /// RFC 3339 with nanoseconds, UTC.
  public var created: String
  public var owner: String
  public var annotations: [String: String]?

  public init(
    id: String, status: Status, pid: Int32, bundle: String, rootfs: String, created: String,
    owner: String = "", annotations: [String: String]? = nil
  ) {
    self.ociVersion = Spec.version
    self.id = id
    self.status = status
    self.pid = pid
    self.bundle = bundle
    self.rootfs = rootfs
    self.created = created
    self.owner = owner
    self.annotations = annotations
  }

  /// The lifecycle states of the runtime spec.
  public enum Status: String, Codable, Sendable, Equatable {
    case creating, created, running, stopped, paused

    /// `start` is only valid on a created container.
    public var canStart: Bool { self == .created }
    /// Signals only reach a live process.
    public var canKill: Bool { self == .created || self == .running || self == .paused }
    /// `delete` without `--force` only removes what has stopped.
    public var canDelete: Bool { self == .stopped }
    public var canPause: Bool { self == .running || self == .created }
    public var canResume: Bool { self == .paused }
  }
}
