import BerthCRIProto
import BerthError
import BerthOCI
import Foundation
import Testing

@testable import BerthCRI

/// Shared inputs for the Spec* tests: a busybox-like image, a pod with pinned namespaces, and
/// helpers to tweak one request field at a time.
enum SpecFixtures {
  static let passwd = """
    root:x:0:0:root:/root:/bin/sh
    daemon:x:1:1:daemon:/usr/sbin:/bin/false
    www-data:x:33:33:www-data:/var/www:/bin/false
    app:x:1000:1000:app:/home/app:/bin/sh
    nobody:x:65534:65534:nobody:/home:/bin/false

    # comment
    broken:line
    """
  static let group = """
    root:x:0:root
    daemon:x:1:
    tty:x:5:app
    www-data:x:33:
    audio:x:29:app,www-data
    app:x:1000:
    video:x:44: app
    staff:x:50:
    nogroup:x:65534:
    """

  /// Reads `/etc/passwd` and `/etc/group` of the fake rootfs.
  static let readFile: @Sendable (String) -> String? = { path in
    switch path {
    case "/etc/passwd": passwd
    case "/etc/group": group
    default: nil
    }
  }

  static func image(
    user: String? = nil, env: [String]? = ["PATH=/usr/local/bin:/usr/bin:/bin", "IMAGE=1"],
    entrypoint: [String]? = nil, cmd: [String]? = ["sh"], workingDir: String? = nil
  ) -> ImageConfig {
    ImageConfig(
      architecture: "amd64", rootfs: ImageConfig.RootFS(diffIDs: []),
      config: ImageConfig.Config(user: user, env: env, entrypoint: entrypoint, cmd: cmd, workingDir: workingDir))
  }

  static func environment(hostNetwork: Bool = false, hostIPC: Bool = false, hostPID: Bool = false, sharedPID: Bool = false)
    -> SandboxEnvironment
  {
    var paths = ["network": "/run/berth/netns/pod1", "ipc": "/run/berth/ipcns/pod1", "uts": "/run/berth/utsns/pod1"]
    if sharedPID { paths["pid"] = "/proc/4242/ns/pid" }
    return SandboxEnvironment(
      podID: "pod1", namespacePaths: paths, hostnamePath: "/var/lib/berth/pods/pod1/hostname",
      hostsPath: "/var/lib/berth/pods/pod1/hosts", resolvConfPath: "/var/lib/berth/pods/pod1/resolv.conf",
      shmPath: "/run/berth/pods/pod1/shm", cgroupParent: "/kubepods/besteffort/podabc", hostNetwork: hostNetwork,
      hostIPC: hostIPC, hostPID: hostPID)
  }

  static func sandbox(privileged: Bool = false, hostname: String = "pod-host") -> Runtime_V1_PodSandboxConfig {
    var sandbox = Runtime_V1_PodSandboxConfig()
    sandbox.metadata.name = "web"
    sandbox.metadata.namespace = "default"
    sandbox.metadata.uid = "uid-1"
    sandbox.hostname = hostname
    sandbox.logDirectory = "/var/log/pods/default_web_uid-1"
    sandbox.linux.securityContext.privileged = privileged
    return sandbox
  }

  static func config(_ edit: (inout Runtime_V1_ContainerConfig) -> Void = { _ in }) -> Runtime_V1_ContainerConfig {
    var config = Runtime_V1_ContainerConfig()
    config.metadata.name = "app"
    config.image.image = "busybox"
    config.linux.securityContext.namespaceOptions.pid = .container
    edit(&config)
    return config
  }

  static func input(
    image: ImageConfig = image(), sandbox: Runtime_V1_PodSandboxConfig = sandbox(),
    environment: SandboxEnvironment = environment(), _ edit: (inout Runtime_V1_ContainerConfig) -> Void = { _ in }
  ) -> ContainerSpecInput {
    ContainerSpecInput(
      containerID: "ctr1", config: config(edit), sandbox: sandbox, image: image, imageName: "docker.io/library/busybox:1",
      rootfs: "/var/lib/berth/containers/ctr1/rootfs", environment: environment, readFile: readFile,
      readProfile: { path in
        path == "/etc/berth/seccomp/block-chmod.json"
          ? Array(#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod"],"action":"SCMP_ACT_ERRNO"}]}"#.utf8)
          : path == "/etc/berth/seccomp/garbage.json" ? Array("not json".utf8) : nil
      },
      nodeHostname: "node1")
  }

  static func build(
    image: ImageConfig = image(), sandbox: Runtime_V1_PodSandboxConfig = sandbox(),
    environment: SandboxEnvironment = environment(), _ edit: (inout Runtime_V1_ContainerConfig) -> Void = { _ in }
  ) throws -> Spec {
    try ContainerSpec.build(input(image: image, sandbox: sandbox, environment: environment, edit))
  }

  /// The error `body` throws, or nil.
  static func error(_ body: () throws -> Any) -> BerthError? {
    do {
      _ = try body()
      return nil
    } catch let error as BerthError {
      return error
    } catch {
      Issue.record("unexpected error type: \(error)")
      return nil
    }
  }

  static func int64(_ value: Int64) -> Runtime_V1_Int64Value {
    var wrapped = Runtime_V1_Int64Value()
    wrapped.value = value
    return wrapped
  }

  static func keyValue(_ key: String, _ value: String) -> Runtime_V1_KeyValue {
    var pair = Runtime_V1_KeyValue()
    pair.key = key
    pair.value = Data(value.utf8)
    return pair
  }
}
