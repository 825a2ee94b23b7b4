import BerthError
import Testing

@testable import BerthRuntime

@Suite struct MountOptionsTests {
  @Test(arguments: [
    (["ro"], MountFlag.rdonly, UInt(0)),
    (["ro", "rw"], UInt(0), MountFlag.rdonly),
    (["rw"], UInt(0), MountFlag.rdonly),
    (["nosuid", "nodev", "noexec"], MountFlag.nosuid | MountFlag.nodev | MountFlag.noexec, UInt(0)),
    (["nosuid", "suid"], UInt(0), MountFlag.nosuid),
    (["exec"], UInt(0), MountFlag.noexec),
    (["bind"], MountFlag.bind, UInt(0)),
    (["rbind"], MountFlag.bind | MountFlag.rec, UInt(0)),
    (["noatime", "nodiratime"], MountFlag.noatime | MountFlag.nodiratime, UInt(0)),
    (["atime"], UInt(0), MountFlag.noatime),
    (["relatime", "strictatime", "lazytime"], MountFlag.relatime | MountFlag.strictatime | MountFlag.lazytime, UInt(0)),
    (["sync", "dirsync", "mand"], MountFlag.synchronous | MountFlag.dirsync | MountFlag.mandlock, UInt(0)),
    (["remount", "silent", "iversion", "nosymfollow"],
     MountFlag.remount | MountFlag.silent | MountFlag.iversion | MountFlag.nosymfollow, UInt(0)),
  ])
  func flags(options: [String], set: UInt, cleared: UInt) throws {
    let parsed = try MountOptions(options)
    #expect(parsed.flags == set)
    #expect(parsed.clearedFlags == cleared)
    #expect(parsed.data.isEmpty)
    #expect(parsed.propagation.isEmpty)
  }

  @Test func lastOfRoAndRwWins() throws {
    #expect(try MountOptions(["ro", "rw"]).flags & MountFlag.rdonly == 0)
    #expect(try MountOptions(["rw", "ro"]).flags & MountFlag.rdonly != 0)
    #expect(try MountOptions(["ro", "nosuid", "rw"]).flags == MountFlag.nosuid)
  }

  @Test func aLaterSetFlagIsNoLongerCleared() throws {
    // runc's parseMountOptions drops a flag from ClearedFlags when a later option sets it.
    let parsed = try MountOptions(["rw", "ro"])
    #expect(parsed.clearedFlags & MountFlag.rdonly == 0)
  }

  @Test func bindVersusRbind() throws {
    let bind = try MountOptions(["bind"])
    #expect(bind.isBind)
    #expect(bind.flags & MountFlag.rec == 0)
    let rbind = try MountOptions(["rbind"])
    #expect(rbind.isBind)
    #expect(rbind.flags & MountFlag.rec != 0)
    #expect(try !MountOptions(["nosuid"]).isBind)
  }

  @Test func propagationIsCollectedInOrder() throws {
    let parsed = try MountOptions(["rbind", "rprivate", "shared", "rslave", "unbindable", "runbindable", "private", "slave", "rshared"])
    #expect(parsed.propagation == [
      MountFlag.private | MountFlag.rec, MountFlag.shared, MountFlag.slave | MountFlag.rec, MountFlag.unbindable,
      MountFlag.unbindable | MountFlag.rec, MountFlag.private, MountFlag.slave, MountFlag.shared | MountFlag.rec,
    ])
    // Propagation is applied by separate calls: it must not leak into the mount flags.
    #expect(parsed.flags == MountFlag.bind | MountFlag.rec)
    #expect(parsed.flags & MountFlag.propagationMask == 0)
  }

  @Test func dataOptionsAreJoined() throws {
    let parsed = try MountOptions(["nosuid", "strictatime", "mode=755", "size=65536k"])
    #expect(parsed.data == ["mode=755", "size=65536k"])
    #expect(parsed.dataString == "mode=755,size=65536k")
    #expect(parsed.flags == MountFlag.nosuid | MountFlag.strictatime)
    #expect(try MountOptions(["ro"]).dataString == "")
    let pts = try MountOptions(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"])
    #expect(pts.dataString == "newinstance,ptmxmode=0666,mode=0620,gid=5")
  }

  @Test(arguments: ["idmap", "ridmap"])
  func idmapIsUnsupported(option: String) {
    let error = #expect(throws: BerthError.self) { try MountOptions(["bind", option]) }
    #expect(error?.code == .unsupported)
    #expect(error?.message.contains(option) == true)
  }

  @Test func extensionsAreIgnored() throws {
    let parsed = try MountOptions(["x-systemd.automount", "x-anything=1", "tmpcopyup", "ro"])
    #expect(parsed.data.isEmpty)
    #expect(parsed.flags == MountFlag.rdonly)
    #expect(!parsed.recursiveReadonly)
  }

  @Test func rroSetsRecursiveReadonly() throws {
    let parsed = try MountOptions(["rbind", "rro"])
    #expect(parsed.recursiveReadonly)
    #expect(parsed.flags & MountFlag.rdonly == 0)
    #expect(parsed.data.isEmpty)
  }

  @Test func knownListsEveryOption() {
    let known = MountOptions.known
    #expect(known == known.sorted())
    for option in ["ro", "rw", "rbind", "rprivate", "rro", "tmpcopyup", "nosymfollow"] {
      #expect(known.contains(option))
    }
    #expect(!known.contains("idmap"))
  }

  /// The values of <linux/mount.h> / <sys/mount.h> (MS_*).
  @Test(arguments: [
    (MountFlag.rdonly, 0x1), (MountFlag.nosuid, 0x2), (MountFlag.nodev, 0x4), (MountFlag.noexec, 0x8),
    (MountFlag.synchronous, 0x10), (MountFlag.remount, 0x20), (MountFlag.mandlock, 0x40), (MountFlag.dirsync, 0x80),
    (MountFlag.nosymfollow, 0x100), (MountFlag.noatime, 0x400), (MountFlag.nodiratime, 0x800), (MountFlag.bind, 0x1000),
    (MountFlag.move, 0x2000), (MountFlag.rec, 0x4000), (MountFlag.silent, 0x8000), (MountFlag.unbindable, 0x20000),
    (MountFlag.private, 0x40000), (MountFlag.slave, 0x80000), (MountFlag.shared, 0x100000),
    (MountFlag.relatime, 0x200000), (MountFlag.iversion, 0x800000), (MountFlag.strictatime, 0x1000000),
    (MountFlag.lazytime, 0x2000000),
  ] as [(UInt, UInt)])
  func linuxABI(flag: UInt, value: UInt) {
    #expect(flag == value)
  }

  @Test func propagationMaskCoversTheFourTypes() {
    #expect(MountFlag.propagationMask == 0x20000 | 0x40000 | 0x80000 | 0x100000)
  }
}
