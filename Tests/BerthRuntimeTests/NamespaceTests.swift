import BerthOCI
import Testing

@testable import BerthRuntime

private func linux(_ namespaces: [(String, String?)]) -> Spec.Linux {
  Spec.Linux(namespaces: namespaces.map { Spec.Namespace(type: $0.0, path: $0.1) })
}

@Suite struct NamespaceTests {
  /// CLONE_NEW* from <linux/sched.h> and the /proc/PID/ns entry names.
  @Test(arguments: [
    (NamespaceKind.pid, Int32(0x2000_0000), "pid"), (.network, 0x4000_0000, "net"), (.mount, 0x0002_0000, "mnt"),
    (.ipc, 0x0800_0000, "ipc"), (.uts, 0x0400_0000, "uts"), (.user, 0x1000_0000, "user"),
    (.cgroup, 0x0200_0000, "cgroup"), (.time, 0x0000_0080, "time"),
  ])
  func kindValues(kind: NamespaceKind, flag: Int32, procName: String) {
    #expect(kind.flag == flag)
    #expect(kind.procName == procName)
  }

  @Test func kindsMatchTheSpecNames() {
    #expect(Set(NamespaceKind.allCases.map(\.rawValue)) == Set(Known.namespaces))
    #expect(Set(NamespaceKind.joinOrder) == Set(NamespaceKind.allCases))
    #expect(NamespaceKind.joinOrder.count == NamespaceKind.allCases.count)
  }

  @Test func createVersusJoin() {
    let plan = NamespacePlan(linux([("pid", nil), ("network", "/var/run/netns/x"), ("ipc", ""), ("mount", nil), ("bogus", nil)]))
    #expect(plan.create == [.pid, .ipc, .mount])
    #expect(plan.join.map(\.kind) == [.network])
    #expect(plan.join.map(\.path) == ["/var/run/netns/x"])
    #expect(plan.creates(.pid) && !plan.creates(.network))
    #expect(plan.joins(.network) && !plan.joins(.pid))
  }

  @Test func joinOrderIsUserFirstMountLast() {
    let plan = NamespacePlan(linux([
      ("mount", "/proc/9/ns/mnt"), ("pid", "/proc/9/ns/pid"), ("network", "/proc/9/ns/net"), ("time", "/proc/9/ns/time"),
      ("uts", "/proc/9/ns/uts"), ("cgroup", "/proc/9/ns/cgroup"), ("ipc", "/proc/9/ns/ipc"), ("user", "/proc/9/ns/user"),
    ]))
    #expect(plan.join.map(\.kind) == [.user, .ipc, .uts, .network, .cgroup, .pid, .time, .mount])
    #expect(plan.join.first?.path == "/proc/9/ns/user")
    #expect(plan.join.last?.path == "/proc/9/ns/mnt")
    #expect(plan.create.isEmpty)
  }

  @Test func singleClone() {
    #expect(NamespacePlan(linux([("pid", nil), ("mount", nil), ("user", nil), ("cgroup", nil)])).singleClone)
    #expect(NamespacePlan(nil).singleClone)
    #expect(!NamespacePlan(linux([("pid", nil), ("network", "/run/netns/a")])).singleClone)
    #expect(!NamespacePlan(linux([("pid", nil), ("time", nil)])).singleClone)
  }

  @Test func ownsPidNamespace() {
    #expect(NamespacePlan(linux([("pid", nil)])).ownsPidNamespace)
    // A joined namespace (a pod's) is not the container's own: its init's children outlive it.
    #expect(!NamespacePlan(linux([("pid", "/proc/1/ns/pid")])).ownsPidNamespace)
    #expect(!NamespacePlan(linux([("mount", nil)])).ownsPidNamespace)
  }

  @Test func cloneFlagsExcludeCgroupAndTime() {
    let all = NamespacePlan(linux(NamespaceKind.allCases.map { ($0.rawValue, nil) }))
    #expect(all.cloneFlags == 0x2000_0000 | 0x4000_0000 | 0x0002_0000 | 0x0800_0000 | 0x0400_0000 | 0x1000_0000)
    #expect(all.cloneFlags & 0x0200_0000 == 0)
    #expect(all.cloneFlags & 0x80 == 0)
    let joined = NamespacePlan(linux([("mount", nil), ("network", "/run/netns/a")]))
    #expect(joined.cloneFlags == 0x0002_0000)
    #expect(NamespacePlan(nil).cloneFlags == 0)
  }
}
