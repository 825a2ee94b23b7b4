import BerthOCI
import Foundation
import Testing

/// A `runc spec`-style config with the optional sections a real engine fills in.
let fullConfig = """
  {
    "ociVersion": "1.2.0",
    "process": {
      "terminal": true,
      "consoleSize": {"height": 24, "width": 80},
      "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 10]},
      "args": ["/bin/sh", "-c", "echo hi"],
      "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      "cwd": "/srv",
      "capabilities": {
        "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "effective": ["CAP_AUDIT_WRITE", "CAP_KILL"],
        "inheritable": [],
        "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "ambient": ["CAP_NET_BIND_SERVICE"]
      },
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024}],
      "noNewPrivileges": true,
      "oomScoreAdj": 100,
      "apparmorProfile": "berth-default"
    },
    "root": {"path": "rootfs", "readonly": true},
    "hostname": "web-1",
    "domainname": "example.org",
    "mounts": [
      {"destination": "/proc", "type": "proc", "source": "proc"},
      {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
      {"destination": "/data", "type": "bind", "source": "/var/lib/data", "options": ["rbind", "ro", "rprivate"]}
    ],
    "hooks": {
      "prestart": [{"path": "/usr/bin/netns-hook", "args": ["netns-hook", "setup"], "env": ["A=1"]}],
      "createRuntime": [{"path": "/usr/libexec/oci/hooks.d/oci-systemd-hook"}],
      "poststop": [{"path": "/usr/bin/cleanup", "timeout": 5}]
    },
    "annotations": {"org.opencontainers.image.ref.name": "busybox"},
    "linux": {
      "namespaces": [
        {"type": "pid"},
        {"type": "network", "path": "/var/run/netns/web"},
        {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}
      ],
      "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
      "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}],
      "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
      "cgroupsPath": "/berth/web-1",
      "resources": {
        "devices": [
          {"allow": false, "access": "rwm"},
          {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}
        ],
        "memory": {"limit": 536870912, "reservation": 268435456, "swap": 1073741824, "swappiness": 0, "disableOOMKiller": false},
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0"},
        "pids": {"limit": 512},
        "unified": {"memory.high": "400000000"}
      },
      "rootfsPropagation": "rslave",
      "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "68719476736"},
      "seccomp": {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
          {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
        ]
      },
      "maskedPaths": ["/proc/kcore", "/sys/firmware"],
      "readonlyPaths": ["/proc/sys"],
      "mountLabel": "system_u:object_r:container_file_t:s0"
    }
  }
  """

func decodeSpec(_ json: String) throws -> Spec {
  try JSONDecoder().decode(Spec.self, from: Data(json.utf8))
}

@Suite struct SpecDecodingTests {
  @Test func decodesProcess() throws {
    let spec = try decodeSpec(fullConfig)
    #expect(spec.ociVersion == "1.2.0")
    let process = try #require(spec.process)
    #expect(process.terminal == true)
    #expect(process.consoleSize == Spec.ConsoleSize(height: 24, width: 80))
    #expect(process.user == Spec.User(uid: 1000, gid: 1000, umask: 18, additionalGids: [5, 10]))
    #expect(process.args == ["/bin/sh", "-c", "echo hi"])
    #expect(process.env?.count == 2)
    #expect(process.cwd == "/srv")
    #expect(process.capabilities?.bounding == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
    #expect(process.capabilities?.effective == ["CAP_AUDIT_WRITE", "CAP_KILL"])
    #expect(process.capabilities?.inheritable == [])
    #expect(process.capabilities?.ambient == ["CAP_NET_BIND_SERVICE"])
    #expect(process.rlimits == [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 4096, soft: 1024)])
    #expect(process.noNewPrivileges == true)
    #expect(process.oomScoreAdj == 100)
    #expect(process.apparmorProfile == "berth-default")
  }

  @Test func decodesRootMountsAndHooks() throws {
    let spec = try decodeSpec(fullConfig)
    #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
    #expect(spec.hostname == "web-1")
    #expect(spec.domainname == "example.org")
    #expect(spec.mounts?.count == 3)
    #expect(spec.mounts?[1].options == ["nosuid", "strictatime", "mode=755", "size=65536k"])
    #expect(spec.mounts?[2] == Spec.Mount(destination: "/data", type: "bind", source: "/var/lib/data", options: ["rbind", "ro", "rprivate"]))
    let hooks = try #require(spec.hooks)
    #expect(hooks.prestart == [Spec.Hook(path: "/usr/bin/netns-hook", args: ["netns-hook", "setup"], env: ["A=1"])])
    #expect(hooks.createRuntime?.first?.path == "/usr/libexec/oci/hooks.d/oci-systemd-hook")
    #expect(hooks.createContainer == nil)
    #expect(hooks.poststop?.first?.timeout == 5)
    #expect(hooks.all.map(\.0) == Known.hookNames)
    #expect(hooks.all.map(\.1.count) == [1, 1, 0, 0, 0, 1])
    #expect(spec.annotations == ["org.opencontainers.image.ref.name": "busybox"])
  }

  @Test func decodesLinux() throws {
    let linux = try #require(try decodeSpec(fullConfig).linux)
    #expect(linux.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount", "user"])
    #expect(linux.namespaces?[1] == Spec.Namespace(type: "network", path: "/var/run/netns/web"))
    #expect(linux.namespaces?[0].path == nil)
    #expect(linux.has("user") && !linux.has("cgroup"))
    #expect(linux.uidMappings == [IDMapping(containerID: 0, hostID: 100000, size: 65536)])
    #expect(linux.gidMappings == [IDMapping(containerID: 0, hostID: 200000, size: 65536)])
    let device = try #require(linux.devices?.first)
    #expect(device.path == "/dev/fuse" && device.major == 10 && device.minor == 229 && device.fileMode == 0o666)
    #expect(linux.cgroupsPath == "/berth/web-1")
    #expect(linux.rootfsPropagation == "rslave")
    #expect(linux.sysctl == ["net.ipv4.ip_forward": "1", "kernel.shmmax": "68719476736"])
    #expect(linux.maskedPaths == ["/proc/kcore", "/sys/firmware"])
    #expect(linux.readonlyPaths == ["/proc/sys"])
    #expect(linux.mountLabel == "system_u:object_r:container_file_t:s0")
  }

  @Test func decodesResources() throws {
    let resources = try #require(try decodeSpec(fullConfig).linux?.resources)
    #expect(resources.devices == [
      Resources.DeviceRule(allow: false, access: "rwm"),
      Resources.DeviceRule(allow: true, type: "c", major: 10, minor: 229, access: "rw"),
    ])
    #expect(resources.memory?.limit == 536_870_912)
    #expect(resources.memory?.reservation == 268_435_456)
    #expect(resources.memory?.swap == 1_073_741_824)
    #expect(resources.memory?.swappiness == 0)
    #expect(resources.memory?.disableOOMKiller == false)
    #expect(resources.cpu == Resources.CPU(shares: 1024, quota: 50000, period: 100_000, cpus: "0-1", mems: "0"))
    #expect(resources.pids == Resources.Pids(limit: 512))
    #expect(resources.unified == ["memory.high": "400000000"])
    #expect(resources.blockIO == nil)
  }

  @Test func decodesSeccomp() throws {
    let seccomp = try #require(try decodeSpec(fullConfig).linux?.seccomp)
    #expect(seccomp.defaultAction == "SCMP_ACT_ERRNO")
    #expect(seccomp.defaultErrnoRet == 1)
    #expect(seccomp.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
    #expect(seccomp.flags == ["SECCOMP_FILTER_FLAG_LOG"])
    #expect(seccomp.syscalls?.count == 2)
    #expect(seccomp.syscalls?[0].names == ["read", "write", "exit_group"])
    #expect(seccomp.syscalls?[1].args == [Spec.Seccomp.Arg(index: 0, value: 8, op: "SCMP_CMP_EQ")])
  }

  @Test func fullConfigIsValid() throws {
    try decodeSpec(fullConfig).validate()
  }

  /// The runtime reads configs with its own codec (`JSON`); it must see the same spec.
  @Test func runtimeCodecAgreesWithFoundation() throws {
    let ours = try JSON.decode(Spec.self, from: Array(fullConfig.utf8))
    #expect(ours == (try decodeSpec(fullConfig)))
    #expect(try JSON.decode(Spec.self, from: try JSON.encode(ours)) == ours)
  }

  @Test func unknownFieldsAreIgnored() throws {
    let json = """
      {
        "ociVersion": "1.0.2-dev", "futureTopLevel": {"x": [1, 2]}, "windows": {"layerFolders": []},
        "root": {"path": "/rootfs", "futureRootField": true},
        "process": {"user": {"uid": 0, "gid": 0, "sid": "S-1-5"}, "cwd": "/", "args": ["true"], "unknownKey": 7},
        "linux": {"namespaces": [{"type": "pid", "flavour": "new"}], "vendorExtension": "on"}
      }
      """
    let spec = try decodeSpec(json)
    #expect(spec.ociVersion == "1.0.2-dev")
    #expect(spec.root == Spec.Root(path: "/rootfs"))
    #expect(spec.process?.args == ["true"])
    #expect(spec.linux?.namespaces == [Spec.Namespace(type: "pid")])
    try spec.validate()
  }

  @Test func minimalConfigLeavesOptionalsNil() throws {
    let spec = try decodeSpec(#"{"ociVersion": "1.2.0"}"#)
    #expect(spec.process == nil && spec.root == nil && spec.mounts == nil && spec.hooks == nil && spec.linux == nil)
  }

  @Test(arguments: [false, true])
  func templateRoundTripsAndValidates(rootless: Bool) throws {
    let spec = Spec.template(rootless: rootless, uid: 1000, gid: 1001)
    try spec.validate()
    let data = try JSONEncoder().encode(spec)
    let decoded = try JSONDecoder().decode(Spec.self, from: data)
    #expect(decoded == spec)
    try decoded.validate()
  }

  @Test func defaultTemplateIsRuncLike() throws {
    let spec = Spec.template()
    #expect(spec.ociVersion == Spec.version)
    #expect(spec.process?.args == ["sh"])
    #expect(spec.process?.terminal == true)
    #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
    #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount", "cgroup"])
    #expect(spec.linux?.uidMappings == nil)
    #expect(spec.linux?.resources?.devices == [Resources.DeviceRule(allow: false, access: "rwm")])
    #expect(spec.linux?.maskedPaths == Spec.defaultMaskedPaths)
    #expect(spec.linux?.readonlyPaths == Spec.defaultReadonlyPaths)
    #expect(spec.mounts?.contains { $0.destination == "/sys/fs/cgroup" } == true)
  }

  @Test func rootlessTemplateMapsTheUser() throws {
    let spec = Spec.template(rootless: true, uid: 1000, gid: 1001)
    let linux = try #require(spec.linux)
    #expect(linux.has("user") && !linux.has("network"))
    #expect(linux.uidMappings == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
    #expect(linux.gidMappings == [IDMapping(containerID: 0, hostID: 1001, size: 1)])
    #expect(linux.resources == nil)
    #expect(spec.mounts?.contains { $0.destination == "/sys/fs/cgroup" } == false)
    let sys = try #require(spec.mounts?.first { $0.destination == "/sys" })
    #expect(sys.options?.contains("rbind") == true)
    let pts = try #require(spec.mounts?.first { $0.destination == "/dev/pts" })
    #expect(pts.options?.contains("gid=5") == false)
  }
}
