import BerthOCI
import BerthRuntime
import BerthSeccomp
import BerthSys

/// `features`: what this runtime supports, as the runtime-spec's features.md document.
enum FeaturesVerb: Verb {
  static let name = "features"
  static let summary = "print what this runtime supports as JSON"
  static let usage = ""
  static let options: [OptionSpec] = []

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let lsms = (try? Sys.readFile("/sys/kernel/security/lsm")) ?? ""
    let features = Features(
      ociVersionMin: "1.0.0", ociVersionMax: Spec.version, hooks: Known.hookNames, mountOptions: MountOptions.known,
      linux: Features.LinuxFeatures(
        namespaces: Known.namespaces, capabilities: Capability.names,
        cgroup: Features.Cgroup(v1: true, v2: true, systemd: false, systemdUser: false, rdma: false),
        seccomp: Features.Seccomp(
          enabled: true, actions: Seccomp.supportedActions, operators: Seccomp.supportedOperators,
          archs: Seccomp.supportedArchitectures, knownFlags: Seccomp.knownFlags, supportedFlags: Seccomp.supportedFlags),
        apparmor: Features.Enabled(enabled: lsms.contains("apparmor")),
        selinux: Features.Enabled(enabled: lsms.contains("selinux")),
        intelRdt: Features.Enabled(enabled: false),
        mountExtensions: Features.MountExtensions(idmap: Features.Enabled(enabled: false))),
      annotations: ["org.opencontainers.runtime-spec.features": Spec.version, "berth.runtime.version": RuntimeCommand.version])
    output(try JSON.pretty(features))
    return 0
  }
}
