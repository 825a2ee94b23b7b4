import ArgumentParser
import BerthOCI
import BerthRuntime
import BerthSeccomp
import BerthSys

struct FeaturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "features", abstract: "Print what this runtime supports as JSON.")
  @OptionGroup var globals: GlobalOptions

  func run() throws {
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
    print(try JSON.pretty(features))
  }
}
