import Foundation
import Testing

@testable import BerthOCI

/// The runtime's own JSON codec, checked against Foundation's JSONDecoder/JSONEncoder on the
/// same documents: both must agree on every value.
@Suite struct JSONCodecTests {
  static let config = """
    {"ociVersion":"1.2.0","process":{"terminal":false,"user":{"uid":1000,"gid":1000,"additionalGids":[5,6],"umask":18},
    "args":["sh","-c","echo \\"hi\\" \\u00e9 \\ud83d\\ude00"],"env":["PATH=/bin","A=b=c"],"cwd":"/",
    "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"]},"rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1024}],
    "noNewPrivileges":true,"oomScoreAdj":-100,"unknownField":{"nested":[1,2,{"x":null}]}},
    "root":{"path":"rootfs","readonly":true},"hostname":"h","mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
    "annotations":{"a":"1","b.c":"2"},
    "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],
    "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
    "resources":{"memory":{"limit":-1,"swap":9223372036854775807},"cpu":{"shares":1024,"quota":-1,"period":100000,"cpus":"0-1"},
    "pids":{"limit":10},"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]},
    "seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",
    "args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]},"sysctl":{"net.ipv4.ip_forward":"1"}}}
    """

  @Test func decodesLikeFoundation() throws {
    let bytes = Array(Self.config.utf8)
    let ours = try JSON.decode(Spec.self, from: bytes)
    let foundation = try JSONDecoder().decode(Spec.self, from: Data(bytes))
    #expect(ours == foundation)
    #expect(ours.process?.rlimits?.first?.hard == UInt64.max)
    #expect(ours.linux?.resources?.memory?.swap == Int64.max)
    #expect(ours.process?.args?.last == "echo \"hi\" é 😀")
  }

  @Test func encodesWhatFoundationReadsBack() throws {
    let spec = try JSON.decode(Spec.self, from: Array(Self.config.utf8))
    for pretty in [false, true] {
      let encoded = try JSON.encode(spec, pretty: pretty)
      #expect(try JSONDecoder().decode(Spec.self, from: Data(encoded)) == spec)
      #expect(try JSON.decode(Spec.self, from: encoded) == spec)
    }
  }

  @Test func prettyOutputIsSortedAndIndented() throws {
    let state = State(id: "c1", status: .running, pid: 42, bundle: "/b", rootfs: "/b/rootfs", created: "t")
    let text = try JSON.pretty(state)
    #expect(text.hasPrefix("{\n  \"bundle\": \"/b\",\n  \"created\": \"t\",\n  \"id\": \"c1\""))
    #expect(text.contains("\"pid\": 42"))
    #expect(!text.contains("annotations"))
    #expect(try JSON.compact([1, 2]) == "[1,2]")
    #expect(try JSON.compact(["a\u{1}\n\"b\\"]) == "[\"a\\u0001\\n\\\"b\\\\\"]")
  }

  @Test(arguments: [
    ("", "unexpected end"), ("{", "expected a member name"), ("{\"a\" 1}", "expected ':'"), ("[1,]", "unexpected character"),
    ("{\"a\":1}x", "after the JSON value"), ("\"\\x\"", "invalid escape"), ("\"\\ud800\"", "unpaired surrogate"),
    ("01", "after the JSON value"), ("-", "invalid number"), ("1.", "invalid number"), ("tru", "expected true"),
    ("\"a\u{1}\"", "control character"), (String(repeating: "[", count: 300), "nested more than"),
  ])
  func malformedDocumentsGetAClearError(input: String, message: String) {
    #expect {
      _ = try JSONValue.parse(Array(input.utf8))
    } throws: { error in
      "\(error)".contains("malformed JSON") && "\(error)".contains(message)
    }
  }

  @Test(arguments: [
    ("{\"ociVersion\":\"1.0.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\",\"args\":\"sh\"}}", "process.args: expected an array, found a string"),
    ("{\"ociVersion\":\"1.0.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0}}}", "missing required field process.cwd"),
    ("{\"ociVersion\":\"1.0.0\",\"process\":{\"user\":{\"uid\":-1,\"gid\":0},\"cwd\":\"/\"}}", "process.user.uid: -1 is not a valid UInt32"),
    ("{\"ociVersion\":1}", "ociVersion: expected a string, found the number 1"),
    ("[]", "the document: expected an object, found an array"),
    ("{\"ociVersion\":\"1.0.0\",\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]}", "missing required field mounts[1].destination"),
  ])
  func schemaErrorsNameTheKeyPath(input: String, message: String) {
    #expect {
      _ = try JSON.decode(Spec.self, from: Array(input.utf8))
    } throws: { error in
      "\(error)".contains(message)
    }
  }

  @Test func integersAcceptWholeExponentForms() throws {
    struct N: Codable { var a: UInt64; var b: Int32 }
    let n = try JSON.decode(N.self, from: Array("{\"a\":1e3,\"b\":-2.0}".utf8))
    #expect(n.a == 1000 && n.b == -2)
    #expect(throws: (any Error).self) { try JSON.decode(N.self, from: Array("{\"a\":1.5,\"b\":0}".utf8)) }
  }
}
