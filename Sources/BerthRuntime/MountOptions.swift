import BerthError

/// The mount(2) flags of the Linux ABI (stable numbers; written out so this table can be unit
/// tested on any host).
public enum MountFlag {
  public static let rdonly: UInt = 1
  public static let nosuid: UInt = 2
  public static let nodev: UInt = 4
  public static let noexec: UInt = 8
  public static let synchronous: UInt = 16
  public static let remount: UInt = 32
  public static let mandlock: UInt = 64
  public static let dirsync: UInt = 128
  public static let nosymfollow: UInt = 256
  public static let noatime: UInt = 1024
  public static let nodiratime: UInt = 2048
  public static let bind: UInt = 4096
  public static let move: UInt = 8192
  public static let rec: UInt = 16384
  public static let silent: UInt = 32768
  public static let unbindable: UInt = 1 << 17
  public static let `private`: UInt = 1 << 18
  public static let slave: UInt = 1 << 19
  public static let shared: UInt = 1 << 20
  public static let relatime: UInt = 1 << 21
  public static let iversion: UInt = 1 << 23
  public static let strictatime: UInt = 1 << 24
  public static let lazytime: UInt = 1 << 25
  public static let propagationMask: UInt = unbindable | `private` | slave | shared
}

/// A mount's `options` split the way the kernel wants them: flags to set and clear, propagation
/// changes (applied by separate mount calls), and the rest as the filesystem's data string.
public struct MountOptions: Equatable, Sendable {
  public var flags: UInt = 0
  public var clearedFlags: UInt = 0
  public var propagation: [UInt] = []
  public var data: [String] = []
  /// "rro" and friends: recursive attributes set with mount_setattr(2).
  public var recursiveReadonly = false
  public var isBind: Bool { flags & MountFlag.bind != 0 }

  /// Flag options: name → (flag, true if the option clears it).
  static let flagTable: [String: (UInt, Bool)] = [
    "ro": (MountFlag.rdonly, false), "rw": (MountFlag.rdonly, true),
    "nosuid": (MountFlag.nosuid, false), "suid": (MountFlag.nosuid, true),
    "nodev": (MountFlag.nodev, false), "dev": (MountFlag.nodev, true),
    "noexec": (MountFlag.noexec, false), "exec": (MountFlag.noexec, true),
    "sync": (MountFlag.synchronous, false), "async": (MountFlag.synchronous, true),
    "dirsync": (MountFlag.dirsync, false), "remount": (MountFlag.remount, false),
    "mand": (MountFlag.mandlock, false), "nomand": (MountFlag.mandlock, true),
    "atime": (MountFlag.noatime, true), "noatime": (MountFlag.noatime, false),
    "diratime": (MountFlag.nodiratime, true), "nodiratime": (MountFlag.nodiratime, false),
    "bind": (MountFlag.bind, false), "rbind": (MountFlag.bind | MountFlag.rec, false),
    "relatime": (MountFlag.relatime, false), "norelatime": (MountFlag.relatime, true),
    "strictatime": (MountFlag.strictatime, false), "nostrictatime": (MountFlag.strictatime, true),
    "lazytime": (MountFlag.lazytime, false), "nolazytime": (MountFlag.lazytime, true),
    "silent": (MountFlag.silent, false), "loud": (MountFlag.silent, true),
    "iversion": (MountFlag.iversion, false), "noiversion": (MountFlag.iversion, true),
    "nosymfollow": (MountFlag.nosymfollow, false), "symfollow": (MountFlag.nosymfollow, true),
  ]

  static let propagationTable: [String: UInt] = [
    "private": MountFlag.private, "rprivate": MountFlag.private | MountFlag.rec,
    "shared": MountFlag.shared, "rshared": MountFlag.shared | MountFlag.rec,
    "slave": MountFlag.slave, "rslave": MountFlag.slave | MountFlag.rec,
    "unbindable": MountFlag.unbindable, "runbindable": MountFlag.unbindable | MountFlag.rec,
  ]

  /// Every option name this runtime understands (for `features`).
  public static var known: [String] {
    (Array(flagTable.keys) + Array(propagationTable.keys) + ["rro", "tmpcopyup"]).sorted()
  }

  /// Parses a mount's options.
  public init(_ options: [String]) throws {
    for option in options {
      if let (flag, clears) = Self.flagTable[option] {
        if clears { flags &= ~flag; clearedFlags |= flag } else { flags |= flag; clearedFlags &= ~flag }
      } else if let prop = Self.propagationTable[option] {
        propagation.append(prop)
      } else if option == "rro" {
        recursiveReadonly = true
      } else if option == "idmap" || option == "ridmap" {
        throw BerthError(.unsupported, "mount option \(option) (id-mapped mounts) is not supported")
      } else if option == "tmpcopyup" || option.hasPrefix("x-") {
        continue  // runtime extensions without kernel meaning here
      } else {
        data.append(option)
      }
    }
  }

  /// The filesystem data string ("mode=755,size=65536k").
  public var dataString: String { data.joined(separator: ",") }
}
