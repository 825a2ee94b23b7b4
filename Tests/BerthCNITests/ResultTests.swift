import BerthError
import BerthOCI
import Testing

@testable import BerthCNI

@Suite("Results: parsing, version conversion, status; JSON and base64 helpers")
struct ResultTests {
  static let result040 = """
    {"cniVersion": "0.4.0",
     "interfaces": [{"name": "cni0", "mac": "aa:aa:aa:aa:aa:01"}, {"name": "eth0", "mac": "aa:aa:aa:aa:aa:03", "sandbox": "/run/netns/p"}],
     "ips": [{"version": "4", "address": "10.1.2.5/24", "gateway": "10.1.2.1", "interface": 1},
             {"version": "6", "address": "fd00::5/64", "gateway": "fd00::1", "interface": 1},
             {"version": "4", "address": "10.1.2.1/24", "interface": 0}],
     "routes": [{"dst": "0.0.0.0/0"}], "dns": {"nameservers": ["10.1.2.1"], "domain": "cluster.local", "search": ["a", "b"], "options": ["ndots:5"]}}
    """
  static let result100 = """
    {"cniVersion": "1.0.0",
     "interfaces": [{"name": "eth0", "mac": "aa:aa:aa:aa:aa:03", "sandbox": "/run/netns/p"}],
     "ips": [{"address": "10.1.2.6/24", "gateway": "10.1.2.1", "interface": 0}, {"address": "fd00::6/64"}],
     "dns": {}}
    """

  @Test("a 0.4.0 result: pod addresses first-class, host-side ones left out of ips, DNS read")
  func status040() throws {
    let status = CNIResult.status(network: "n", result: try CNIResult.parse(Array(Self.result040.utf8)))
    #expect(status.network == "n")
    #expect(status.ips == ["10.1.2.5", "fd00::5"])
    #expect(status.ipConfigs.count == 3)
    #expect(status.ipConfigs[0] == NetworkStatus.IPConfig(address: "10.1.2.5/24", gateway: "10.1.2.1", interface: 1))
    #expect(status.interfaces.map(\.name) == ["cni0", "eth0"])
    #expect(status.interfaces[1].sandbox == "/run/netns/p")
    #expect(status.dns == NetworkStatus.DNS(nameservers: ["10.1.2.1"], domain: "cluster.local", search: ["a", "b"], options: ["ndots:5"]))
  }

  @Test("a 1.0.0 result: addresses without an interface index count as the pod's")
  func status100() throws {
    let status = CNIResult.status(network: "n", result: try CNIResult.parse(Array(Self.result100.utf8)))
    #expect(status.ips == ["10.1.2.6", "fd00::6"])
    #expect(status.ipConfigs[1].interface == nil)
    #expect(status.dns == NetworkStatus.DNS())
  }

  @Test(
    "results convert between 0.3.x/0.4.0 (ips[].version) and 1.x (none)",
    arguments: [
      (result040, "1.0.0", [String?](repeating: nil, count: 3)),
      (result100, "0.4.0", ["4", "6"]),
      (result100, "0.3.1", ["4", "6"]),
      (result040, "0.3.0", ["4", "6", "4"]),
      (result100, "1.1.0", [nil, nil]),
    ])
  func convert(text: String, to version: String, families: [String?]) throws {
    let converted = try CNIResult.convert(try json(text), to: try #require(CNIVersion(version)))
    #expect(converted.member("cniVersion")?.text == version)
    let ips = try #require(converted.member("ips")?.elements)
    #expect(ips.map { $0.member("version")?.text } == families)
    // Everything else is untouched.
    #expect(converted.member("interfaces") == (try json(text)).member("interfaces"))
  }

  @Test("legacy results and broken output are refused", arguments: [
    (#"{"cniVersion": "0.2.0", "ip4": {"ip": "10.0.0.2/24"}}"#, "not supported"),
    ("", "printed no result"),
    ("  \n", "printed no result"),
    ("{", "printed an invalid result"),
    ("[]", "not a JSON object"),
  ])
  func badResults(text: String, expected: String) throws {
    let error = #expect(throws: BerthError.self) {
      try CNIResult.convert(try CNIResult.parse(Array(text.utf8)), to: CNIVersion.v1)
    }
    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
  }

  @Test("encoded JSON keeps member order and escapes what it must")
  func encoding() throws {
    let value = JSONValue.object([
      ("z", .number("1")), ("a", .string("q\"b\\n\n\t\u{01}é")), ("list", .array([.null, .bool(true), .object([])])),
    ])
    let text = String(decoding: value.encoded(), as: UTF8.self)
    #expect(text == #"{"z":1,"a":"q\"b\\n\n\t\u0001é","list":[null,true,{}]}"#)
    #expect(try JSONValue.parse(value.encoded()) == value)
  }

  @Test("setting replaces in place and drops duplicates; removing takes every copy")
  func editing() throws {
    let value = try json(#"{"a": 1, "b": 2, "a": 3, "c": 4}"#)
    #expect(value.member("a") == .number("3"))
    #expect(value.setting("a", to: .null).members?.map(\.0) == ["a", "b", "c"])
    #expect(value.setting("a", to: .null).member("a") == .null)
    #expect(value.setting("d", to: .null).members?.map(\.0) == ["a", "b", "a", "c", "d"])
    #expect(value.removing("a").members?.map(\.0) == ["b", "c"])
  }

  @Test("base64 as Go's encoding/json writes []byte", arguments: [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("hello", "aGVsbG8="),
  ])
  func base64(plain: String, encoded: String) throws {
    #expect(Base64.encode(Array(plain.utf8)) == encoded)
    #expect(Base64.decode(encoded) == Array(plain.utf8))
  }

  @Test("base64 of every byte value round-trips; garbage is refused")
  func base64Bytes() {
    let bytes = (0...255).map(UInt8.init) + [0xff, 0x00]
    #expect(Base64.decode(Base64.encode(bytes)) == bytes)
    #expect(Base64.decode("Zm9v!") == nil)
    #expect(Base64.decode("Zg=") == nil)
  }
}
