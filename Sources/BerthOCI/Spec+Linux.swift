extension Spec {
  /// `linux`: the Linux-specific part of the config.
  public struct Linux: Codable, Sendable, Equatable {
    public var namespaces: [Namespace]?
    public var uidMappings: [IDMapping]?
    public var gidMappings: [IDMapping]?
    public var timeOffsets: [String: TimeOffset]?
    public var devices: [Device]?
    public var cgroupsPath: String?
    public var resources: Resources?
    public var rootfsPropagation: String?
    public var seccomp: Seccomp?
    public var sysctl: [String: String]?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var intelRdt: IntelRdt?
    public var personality: Personality?
    public init(namespaces: [Namespace]? = nil) { self.namespaces = namespaces }
  }

  public struct Namespace: Codable, Sendable, Equatable {
    public var type: String
    public var path: String?
    public init(type: String, path: String? = nil) {
      self.type = type
      self.path = path
    }
  }

  public struct TimeOffset: Codable, Sendable, Equatable {
    public var secs: Int64?
    public var nanosecs: UInt32?
  }

  public struct Device: Codable, Sendable, Equatable {
    public var type: String
    public var path: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public init(type: String, path: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil) {
      self.type = type
      self.path = path
      self.major = major
      self.minor = minor
      self.fileMode = fileMode
    }
  }

  public struct IntelRdt: Codable, Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
  }

  public struct Personality: Codable, Sendable, Equatable {
    public var domain: String
    public var flags: [String]?
  }

  /// `linux.seccomp`.
  public struct Seccomp: Codable, Sendable, Equatable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [Syscall]?
    public init(defaultAction: String, syscalls: [Syscall]? = nil) {
      self.defaultAction = defaultAction
      self.syscalls = syscalls
    }

    public struct Syscall: Codable, Sendable, Equatable {
      public var names: [String]
      public var action: String
      public var errnoRet: UInt32?
      public var args: [Arg]?
      public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [Arg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
      }
    }

    public struct Arg: Codable, Sendable, Equatable {
      public var index: UInt32
      public var value: UInt64
      public var valueTwo: UInt64?
      public var op: String
      public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
      }
    }
  }
}
