import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: mounts")
struct SpecMountTests {
  typealias F = SpecFixtures

  static func mount(
    _ host: String, _ container: String, readonly: Bool = false, rro: Bool = false,
    propagation: Runtime_V1_MountPropagation = .propagationPrivate
  ) -> Runtime_V1_Mount {
    var mount = Runtime_V1_Mount()
    mount.hostPath = host
    mount.containerPath = container
    mount.readonly = readonly
    mount.recursiveReadOnly = rro
    mount.propagation = propagation
    mount.selinuxRelabel = true
    return mount
  }

  @Test("an unprivileged container gets the defaults, then the pod's files, shallowest first")
  func defaults() throws {
    let spec = try F.build()
    #expect(
      spec.mounts?.map(\.destination) == [
        "/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/hostname", "/etc/hosts",
        "/etc/resolv.conf", "/dev/shm",
      ])
    let byDestination = Dictionary(uniqueKeysWithValues: (spec.mounts ?? []).map { ($0.destination, $0) })
    #expect(byDestination["/sys"]?.options?.contains("ro") == true)
    #expect(byDestination["/sys/fs/cgroup"]?.options?.contains("ro") == true)
    #expect(byDestination["/etc/hosts"]?.source == "/var/lib/berth/pods/pod1/hosts")
    #expect(byDestination["/etc/hosts"]?.options == ["rbind", "rprivate", "nosuid", "nodev", "noexec", "rw"])
    #expect(byDestination["/dev/shm"]?.source == "/run/berth/pods/pod1/shm")
    #expect(byDestination["/dev/shm"]?.type == "bind")
  }

  @Test("with a read-only rootfs the pod's files are read-only too, /dev/shm stays writable")
  func readonlyRootfs() throws {
    let spec = try F.build { $0.linux.securityContext.readonlyRootfs = true }
    for mount in spec.mounts ?? [] where mount.destination.hasPrefix("/etc/") {
      #expect(mount.options?.last == "ro")
    }
    #expect(spec.mounts?.first { $0.destination == "/dev/shm" }?.options?.last == "rw")
  }

  @Test("without pod files nothing is bound; host IPC binds the host's /dev/shm")
  func podFilesAbsent() throws {
    var environment = F.environment(hostIPC: true)
    environment.hostnamePath = nil
    environment.hostsPath = nil
    environment.resolvConfPath = nil
    environment.shmPath = nil
    let spec = try F.build(environment: environment)
    #expect(spec.mounts?.filter { $0.type == "bind" }.map(\.source) == ["/dev/shm"])
  }

  @Test(
    "CRI mounts: rbind, the propagation, ro/rro/rw; slave and shared open the rootfs propagation",
    arguments: [
      (Runtime_V1_MountPropagation.propagationPrivate, false, false, ["rbind", "rprivate", "rw"], nil),
      (.propagationPrivate, true, false, ["rbind", "rprivate", "ro"], nil),
      (.propagationPrivate, true, true, ["rbind", "rprivate", "rro"], nil),
      (.propagationHostToContainer, false, false, ["rbind", "rslave", "rw"], "rslave"),
      (.propagationBidirectional, true, false, ["rbind", "rshared", "ro"], "rshared"),
    ] as [(Runtime_V1_MountPropagation, Bool, Bool, [String], String?)])
  func criMount(
    _ propagation: Runtime_V1_MountPropagation, readonly: Bool, rro: Bool, options: [String], rootfs: String?
  ) throws {
    let spec = try F.build { $0.mounts = [Self.mount("/data/x", "/x", readonly: readonly, rro: rro, propagation: propagation)] }
    let mount = try #require(spec.mounts?.first { $0.destination == "/x" })
    #expect(mount == Spec.Mount(destination: "/x", type: "bind", source: "/data/x", options: options))
    #expect(spec.linux?.rootfsPropagation == rootfs)
  }

  @Test("a shared mount keeps the rootfs rshared whatever comes after it")
  func sharedWins() throws {
    let spec = try F.build {
      $0.mounts = [
        Self.mount("/a", "/a", propagation: .propagationBidirectional),
        Self.mount("/b", "/b", propagation: .propagationHostToContainer),
      ]
    }
    #expect(spec.linux?.rootfsPropagation == "rshared")
  }

  @Test(
    "bad CRI mounts are refused",
    arguments: [
      (mount("/a", "rel"), BerthError.Code.invalidArgument, "container_path"),
      (mount("", "/a"), .invalidArgument, "host_path"),
      (mount("data/a", "/a"), .invalidArgument, "host_path \"data/a\" must be an absolute path"),
      (mount("/a", "/a", readonly: false, rro: true), .invalidArgument, "recursive_read_only needs readonly"),
      (mount("/a", "/a", readonly: true, rro: true, propagation: .propagationHostToContainer), .invalidArgument,
       "PROPAGATION_PRIVATE"),
      (mount("/a", "/a", readonly: true, rro: true, propagation: .propagationBidirectional), .invalidArgument,
       "PROPAGATION_PRIVATE"),
      ({ () -> Runtime_V1_Mount in
        var image = mount("", "/img")
        image.image.image = "sha256:abc"
        return image
      }(), .unsupported, "image volumes"),
      ({ () -> Runtime_V1_Mount in
        var mapped = mount("/a", "/a")
        mapped.uidMappings = [Runtime_V1_IDMapping()]
        return mapped
      }(), .unsupported, "ID-mapped"),
    ] as [(Runtime_V1_Mount, BerthError.Code, String)])
  func badMounts(_ mount: Runtime_V1_Mount, code: BerthError.Code, needle: String) {
    let error = F.error { try F.build { $0.mounts = [mount] } }
    #expect(error?.code == code && error?.message.hasPrefix("mounts[0]") == true)
    #expect(error?.message.contains(needle) == true, "\(error?.message ?? "")")
  }

  @Test("CRI mounts replace the pod's files and the defaults at the same destination")
  func overrides() throws {
    let spec = try F.build {
      $0.mounts = [Self.mount("/my/hosts", "/etc/hosts"), Self.mount("/my/shm", "/dev/shm/"), Self.mount("/my/sys", "/sys")]
    }
    let mounts = spec.mounts ?? []
    #expect(mounts.filter { $0.destination == "/etc/hosts" }.map(\.source) == ["/my/hosts"])
    #expect(mounts.filter { SpecMounts.clean($0.destination) == "/dev/shm" }.map(\.source) == ["/my/shm"])
    #expect(mounts.filter { $0.destination == "/sys" }.map(\.source) == ["/my/sys"])
  }

  @Test("a CRI /dev mount drops every default under /dev; deeper mounts come after shallower ones")
  func devAndOrder() throws {
    let spec = try F.build {
      $0.mounts = [Self.mount("/h/deep", "/a/b/c"), Self.mount("/h/dev", "/dev"), Self.mount("/h/a", "/a")]
    }
    let destinations = spec.mounts?.map(\.destination) ?? []
    #expect(!destinations.contains("/dev/pts") && !destinations.contains("/dev/mqueue"))
    #expect(destinations.filter { $0 == "/dev" }.count == 1)
    let cri = destinations.filter { ["/a/b/c", "/dev", "/a"].contains($0) }
    #expect(cri == ["/dev", "/a", "/a/b/c"])
  }

  @Test("host paths of CRI mounts are listed for creation; image mounts are not")
  func hostPaths() {
    var image = Self.mount("", "/img")
    image.image.image = "sha256:abc"
    let config = F.config { $0.mounts = [Self.mount("/data/a", "/a"), image, Self.mount("/data/b", "/b")] }
    #expect(ContainerSpec.hostPathsToCreate(config) == ["/data/a", "/data/b"])
  }

  @Test("paths are cleaned lexically", arguments: [
    ("/", "/"), ("", "/"), ("/a//b/", "/a/b"), ("/a/./b/../c", "/a/c"), ("/../x", "/x"), ("a/b", "/a/b"),
  ])
  func clean(_ path: String, expected: String) {
    #expect(SpecMounts.clean(path) == expected)
  }
}
