import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: users and groups")
struct SpecUserTests {
  typealias F = SpecFixtures

  @Test(
    "user strings resolve through passwd and group",
    arguments: [
      ("", ResolvedUser(uid: 0, gid: 0, additionalGids: [0], username: "root")),
      ("0", ResolvedUser(uid: 0, gid: 0, additionalGids: [0], username: "root")),
      ("1000", ResolvedUser(uid: 1000, gid: 1000, additionalGids: [5, 29, 44], username: "app")),
      ("app", ResolvedUser(uid: 1000, gid: 1000, additionalGids: [5, 29, 44], username: "app")),
      ("www-data", ResolvedUser(uid: 33, gid: 33, additionalGids: [29], username: "www-data")),
      ("1000:50", ResolvedUser(uid: 1000, gid: 50, additionalGids: [5, 29, 44], username: "app")),
      ("app:staff", ResolvedUser(uid: 1000, gid: 50, additionalGids: [5, 29, 44], username: "app")),
      ("nobody:nogroup", ResolvedUser(uid: 65534, gid: 65534, additionalGids: [], username: "nobody")),
      ("4321", ResolvedUser(uid: 4321, gid: 0, additionalGids: [], username: nil)),
      ("4321:77", ResolvedUser(uid: 4321, gid: 77, additionalGids: [], username: nil)),
      ("4321:staff", ResolvedUser(uid: 4321, gid: 50, additionalGids: [], username: nil)),
    ])
  func resolves(_ user: String, expected: ResolvedUser) throws {
    #expect(try UserResolver.resolve(user: user, passwd: F.passwd, group: F.group) == expected)
  }

  @Test(
    "unresolvable users and groups are errors naming them",
    arguments: [
      ("ghost", F.passwd, "ghost"), ("app:ghosts", F.passwd, "ghosts"), ("app", nil, "no /etc/passwd"),
      ("1000:", F.passwd, "empty group"), ("1000:-1", F.passwd, "\"-1\" is not in the image's /etc/group"),
    ] as [(String, String?, String)])
  func refuses(_ user: String, passwd: String?, needle: String) {
    let error = F.error { try UserResolver.resolve(user: user, passwd: passwd, group: F.group) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains(needle) == true, "\(error?.message ?? "no error")")
  }

  @Test("a numeric uid needs no passwd at all")
  func numericWithoutFiles() throws {
    #expect(try UserResolver.resolve(user: "65535:65535", passwd: nil, group: nil) == ResolvedUser(uid: 65535, gid: 65535))
    #expect(try UserResolver.resolve(user: "7", passwd: nil, group: nil) == ResolvedUser(uid: 7, gid: 0))
  }

  enum Who: Sendable { case none, uid(Int64), name(String), uidGroup(Int64, Int64), nameGroup(String, Int64) }

  @Test(
    "the container user comes from the security context, else the image USER",
    arguments: [
      (Who.none, nil, 0, 0, [0]), (.none, "app", 1000, 1000, [5, 29, 44, 1000]), (.uid(1001), "app", 1001, 0, [0]),
      (.name("nobody"), nil, 65534, 65534, [65534]), (.uidGroup(1001, 1002), nil, 1001, 1002, [1002]),
      (.nameGroup("app", 7), nil, 1000, 7, [5, 7, 29, 44]), (.uid(33), nil, 33, 33, [29, 33]),
    ] as [(Who, String?, UInt32, UInt32, [UInt32])])
  func containerUser(_ who: Who, imageUser: String?, uid: UInt32, gid: UInt32, gids: [UInt32]) throws {
    let spec = try F.build(image: F.image(user: imageUser)) { config in
      switch who {
      case .none: break
      case .uid(let uid): config.linux.securityContext.runAsUser = F.int64(uid)
      case .name(let name): config.linux.securityContext.runAsUsername = name
      case .uidGroup(let uid, let gid):
        config.linux.securityContext.runAsUser = F.int64(uid)
        config.linux.securityContext.runAsGroup = F.int64(gid)
      case .nameGroup(let name, let gid):
        config.linux.securityContext.runAsUsername = name
        config.linux.securityContext.runAsGroup = F.int64(gid)
      }
    }
    #expect(spec.process?.user == Spec.User(uid: uid, gid: gid, additionalGids: gids))
  }

  @Test(
    "supplemental groups merge with /etc/group, or replace it with Strict",
    arguments: [
      (Runtime_V1_SupplementalGroupsPolicy.merge, [1000, 1234, 5678, 5, 29, 44] as [UInt32]),
      (.strict, [1000, 1234, 5678]),
    ])
  func supplementalGroups(_ policy: Runtime_V1_SupplementalGroupsPolicy, expected: [UInt32]) throws {
    let spec = try F.build { config in
      config.linux.securityContext.runAsUsername = "app"
      config.linux.securityContext.supplementalGroups = [5678, 1234]
      config.linux.securityContext.supplementalGroupsPolicy = policy
    }
    #expect(spec.process?.user.additionalGids == expected.sorted())
  }

  @Test(
    "bad user requests are INVALID_ARGUMENT naming the field",
    arguments: [
      ("run_as_group", { @Sendable (config: inout Runtime_V1_ContainerConfig) in
        config.linux.securityContext.runAsGroup = F.int64(5)
      }),
      ("run_as_user", { config in config.linux.securityContext.runAsUser = F.int64(-1) }),
      ("supplemental_groups[0]", { config in config.linux.securityContext.supplementalGroups = [-3] }),
      ("ghost", { config in config.linux.securityContext.runAsUsername = "ghost" }),
    ] as [(String, @Sendable (inout Runtime_V1_ContainerConfig) -> Void)])
  func refusesRequests(_ needle: String, edit: @Sendable (inout Runtime_V1_ContainerConfig) -> Void) {
    let error = F.error { try F.build(edit) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains(needle) == true, "\(error?.message ?? "no error")")
  }
}
