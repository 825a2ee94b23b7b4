import BerthCRIProto
import BerthError
import BerthOCI
import Testing

@testable import BerthCRI

@Suite("Spec: process arguments, environment and working directory")
struct SpecProcessTests {
  typealias F = SpecFixtures

  @Test(
    "command and args merge with the image's Entrypoint and Cmd as containerd does",
    arguments: [
      // command, args, entrypoint, cmd → args
      ([], [], nil, ["sh"], ["sh"]),
      ([], [], ["/entry"], ["a", "b"], ["/entry", "a", "b"]),
      ([], ["x"], ["/entry"], ["a", "b"], ["/entry", "x"]),
      (["/bin/true"], [], ["/entry"], ["a"], ["/bin/true"]),
      (["/bin/echo"], ["hi"], ["/entry"], ["a"], ["/bin/echo", "hi"]),
      ([], ["x"], nil, ["a"], ["x"]),
      ([], [], [""], ["a"], ["a"]),
      ([], ["x"], [""], nil, ["x"]),
    ] as [([String], [String], [String]?, [String]?, [String])])
  func arguments(command: [String], args: [String], entrypoint: [String]?, cmd: [String]?, expected: [String]) throws {
    let spec = try F.build(image: F.image(entrypoint: entrypoint, cmd: cmd)) { config in
      config.command = command
      config.args = args
    }
    #expect(spec.process?.args == expected)
  }

  @Test("no command anywhere is INVALID_ARGUMENT")
  func noCommand() {
    let error = F.error { try F.build(image: F.image(entrypoint: nil, cmd: nil)) }
    #expect(error?.code == .invalidArgument && error?.message.hasPrefix("command") == true)
  }

  @Test(
    "env: default PATH, HOSTNAME, image Env, then request envs, same names replaced in place",
    arguments: [
      (
        ["A=1", "B=2"], [("B", "3"), ("C", "4")], "pod-host",
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=pod-host", "A=1", "B=3", "C=4"]
      ),
      (
        ["PATH=/bin", "NOEQUALS"], [("PATH", "/x"), ("HOSTNAME", "mine")], "",
        ["PATH=/x", "HOSTNAME=mine"]
      ),
      (
        ["X=a=b"], [("EMPTY", "")], "pod-host",
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=pod-host", "X=a=b", "EMPTY="]
      ),
    ] as [([String], [(String, String)], String, [String])])
  func environment(image: [String], request: [(String, String)], hostname: String, expected: [String]) throws {
    let sandbox = F.sandbox(hostname: hostname)
    let spec = try ContainerSpec.build(
      { () -> ContainerSpecInput in
        var input = F.input(image: F.image(env: image), sandbox: sandbox) { config in
          config.envs = request.map { F.keyValue($0.0, $0.1) }
        }
        input.nodeHostname = ""
        return input
      }())
    #expect(spec.process?.env == expected)
  }

  @Test("a pod without a hostname gets the node's in HOSTNAME")
  func nodeHostname() throws {
    let spec = try F.build(sandbox: F.sandbox(hostname: ""))
    #expect(spec.process?.env?.contains("HOSTNAME=node1") == true)
    #expect(spec.hostname == nil)
  }

  @Test(
    "bad env names are refused",
    arguments: ["", "A=B"])
  func badEnv(_ name: String) {
    let error = F.error { try F.build { $0.envs = [F.keyValue(name, "v")] } }
    #expect(error?.code == .invalidArgument && error?.message.hasPrefix("envs[0]") == true)
  }

  @Test(
    "cwd: request working_dir, else image WorkingDir, else /",
    arguments: [("", nil, "/"), ("", "/srv", "/srv"), ("", "data", "/data"), ("/work", "/srv", "/work")]
      as [(String, String?, String)])
  func workingDirectory(request: String, image: String?, expected: String) throws {
    let spec = try F.build(image: F.image(workingDir: image)) { $0.workingDir = request }
    #expect(spec.process?.cwd == expected)
  }

  @Test("a relative working_dir is refused")
  func relativeWorkingDirectory() {
    #expect(F.error { try F.build { $0.workingDir = "rel" } }?.message.contains("working_dir") == true)
  }

  @Test("tty, no_new_privs and read-only rootfs map to terminal, noNewPrivileges and root.readonly")
  func flags() throws {
    let plain = try F.build()
    #expect(plain.process?.terminal == nil && plain.process?.noNewPrivileges == nil && plain.root?.readonly == nil)
    #expect(plain.process?.rlimits == nil && plain.process?.oomScoreAdj == nil)
    let set = try F.build { config in
      config.tty = true
      config.linux.securityContext.noNewPrivs = true
      config.linux.securityContext.readonlyRootfs = true
    }
    #expect(set.process?.terminal == true && set.process?.noNewPrivileges == true && set.root?.readonly == true)
    #expect(set.root?.path == "/var/lib/berth/containers/ctr1/rootfs")
  }

  @Test(
    "oomScoreAdj is raised to the daemon's floor and never set below it",
    arguments: [
      // requested, floor, expected
      (Int64(0), 0, 0), (-997, 0, 0), (-997, -999, -997), (500, 0, 500), (100, 300, 300), (1000, 0, 1000),
      (-1000, -1000, -1000),
    ] as [(Int64, Int, Int)])
  func oomFloor(requested: Int64, floor: Int, expected: Int) throws {
    var input = F.input { $0.linux.resources.oomScoreAdj = requested }
    input.oomScoreAdjFloor = floor
    #expect(try ContainerSpec.build(input).process?.oomScoreAdj == expected)
  }

  @Test("an oom_score_adj outside -1000...1000 is refused")
  func oomRange() {
    let error = F.error { try F.build { $0.linux.resources.oomScoreAdj = 1001 } }
    #expect(error?.message.contains("oom_score_adj") == true)
  }

  @Test("annotations carry the request's and the CRI identity ones")
  func annotations() throws {
    let spec = try F.build { $0.annotations = ["user.io/x": "y", CRIAnnotations.sandboxID: "spoofed"] }
    #expect(
      spec.annotations == [
        "user.io/x": "y", CRIAnnotations.containerType: "container", CRIAnnotations.sandboxID: "pod1",
        CRIAnnotations.sandboxName: "web", CRIAnnotations.sandboxNamespace: "default", CRIAnnotations.sandboxUID: "uid-1",
        CRIAnnotations.containerName: "app", CRIAnnotations.imageName: "docker.io/library/busybox:1",
      ])
  }
}
