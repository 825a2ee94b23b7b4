import BerthCRIProto
import BerthError

/// The pod's sysctls (`LinuxPodSandboxConfig.sysctls`): only those of a namespace the pod owns.
public enum PodSysctls {
  /// The IPC-namespaced sysctls outside `fs.mqueue.*`.
  static let ipcKeys: Set<String> = [
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
    "kernel.shmmni", "kernel.shm_rmid_forced",
  ]

  /// Checks the pod's sysctls and returns them.
  ///
  /// `net.*` needs the pod's own network namespace, the IPC ones (`kernel.shm*`, `kernel.msg*`,
  /// `kernel.sem`, `fs.mqueue.*`) its own IPC namespace, and `kernel.domainname` its own UTS
  /// namespace (which Kubernetes ties to the network one). Everything else (`kernel.hostname`,
  /// which PodSandboxConfig.hostname sets, and every sysctl the kernel does not namespace) is
  /// refused: setting it would change the host.
  /// - Throws: `.invalidArgument` naming the first refused key
  public static func validated(_ config: Runtime_V1_PodSandboxConfig, hostNetwork: Bool, hostIPC: Bool) throws
    -> [String: String]
  {
    let sysctls = config.linux.sysctls
    for key in sysctls.keys.sorted() {
      let field = "linux.sysctls: \(key)"
      if ipcKeys.contains(key) || key.hasPrefix("fs.mqueue.") {
        if hostIPC { throw BerthError.invalid("\(field) cannot be set: the pod uses the host's IPC namespace") }
      } else if key.hasPrefix("net.") {
        if hostNetwork { throw BerthError.invalid("\(field) cannot be set: the pod uses the host's network namespace") }
      } else if key == "kernel.domainname" {
        if hostNetwork { throw BerthError.invalid("\(field) cannot be set: the pod uses the host's UTS namespace") }
      } else if key == "kernel.hostname" {
        throw BerthError.invalid("\(field) cannot be set: use PodSandboxConfig.hostname")
      } else {
        throw BerthError.invalid("\(field) is not namespaced; setting it would change the host")
      }
    }
    return sysctls
  }
}
