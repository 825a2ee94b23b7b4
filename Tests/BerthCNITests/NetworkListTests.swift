import BerthError
import BerthOCI
import BerthSys
import Testing

@testable import BerthCNI

@Suite("Network configuration lists: parsing, validation, conf dir order")
struct NetworkListTests {
  @Test("a conflist keeps every plugin key, in order")
  func conflist() throws {
    let list = try NetworkList.parse(Array(FakePlugins.chain(extra: #", "disableCheck": true"#).utf8), source: "x.conflist")
    #expect(list.name == "testnet")
    #expect(list.cniVersion == "1.0.0")
    #expect(list.disableCheck)
    #expect(list.types == ["bridge", "portmap"])
    let bridge = list.plugins[0]
    #expect(bridge.members?.map(\.0) == ["type", "bridge", "hairpinMode", "custom", "ipam"])
    #expect(bridge.member("custom") == (try json(#"{"keep": [1, "two"]}"#)))
    #expect(list.plugins[1].member("snat") == .bool(true))
  }

  @Test("a single-plugin .conf becomes a list of one")
  func singleConf() throws {
    let text = #"{"cniVersion": "0.4.0", "name": "single", "type": "bridge", "bridge": "br9", "ipam": {"type": "host-local"}}"#
    let list = try NetworkList.parse(Array(text.utf8), source: "10-single.conf")
    #expect(list.name == "single")
    #expect(list.cniVersion == "0.4.0")
    #expect(list.types == ["bridge"])
    #expect(list.plugins[0].member("bridge")?.text == "br9")
    #expect(!list.disableCheck)
  }

  @Test("cniVersions (1.1) picks the highest version this client speaks")
  func cniVersions() throws {
    let text = #"{"cniVersions": ["0.4.0", "1.0.0", "9.0.0"], "cniVersion": "0.3.1", "name": "n", "plugins": [{"type": "bridge"}]}"#
    let list = try NetworkList.parse(Array(text.utf8))
    #expect(list.cniVersion == "1.0.0")
    #expect(list.document.member("cniVersion")?.text == "1.0.0")
  }

  static let invalid: [(String, String)] = [
    ("not json", "malformed JSON"),
    ("[1, 2]", "not a JSON object"),
    (#"{"cniVersion": "1.0.0", "plugins": [{"type": "bridge"}]}"#, "missing network name"),
    (#"{"cniVersion": "1.0.0", "name": "-bad", "plugins": [{"type": "bridge"}]}"#, "invalid network name \"-bad\""),
    (#"{"cniVersion": "1.0.0", "name": "a b", "plugins": [{"type": "bridge"}]}"#, "invalid network name"),
    (#"{"name": "n", "plugins": [{"type": "bridge"}]}"#, "missing \"cniVersion\""),
    (#"{"cniVersion": "0.2.0", "name": "n", "plugins": [{"type": "bridge"}]}"#, "unsupported cniVersion \"0.2.0\""),
    (#"{"cniVersion": "banana", "name": "n", "plugins": [{"type": "bridge"}]}"#, "unsupported cniVersion"),
    (#"{"cniVersion": "1.0.0", "name": "n"}"#, "missing \"plugins\" array"),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": {}}"#, "missing \"plugins\" array"),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": []}"#, "\"plugins\" is empty"),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": [3]}"#, "plugins[0] is not an object"),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "bridge"}, {"bridge": "x"}]}"#, "plugins[1] has no \"type\""),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "../bin/sh"}]}"#, "invalid type \"../bin/sh\""),
    (#"{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "p", "capabilities": {"portMappings": "yes"}}]}"#, "must map names to booleans"),
    (#"{"cniVersion": "1.0.0", "name": "n", "disableCheck": 1, "plugins": [{"type": "p"}]}"#, "\"disableCheck\" must be a boolean"),
  ]

  @Test("invalid configurations are refused with the file and the field at fault", arguments: invalid)
  func invalidConfig(text: String, expected: String) throws {
    let error = #expect(throws: BerthError.self) { try NetworkList.parse(Array(text.utf8), source: "/etc/cni/net.d/10-x.conflist") }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.hasPrefix("/etc/cni/net.d/10-x.conflist: ") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "") lacks \(expected)")
  }

  @Test("conf dir: *.conf, *.conflist, *.json by byte order; the first valid one wins, invalid ones are reported")
  func confDirOrder() throws {
    let fake = try FakePlugins()
    #expect(NetworkList.configFiles(in: fake.confDir).isEmpty)
    #expect(NetworkList.first(in: fake.root + "/missing").list == nil)
    try fake.writeConf("30-c.conflist", FakePlugins.chain(name: "third"))
    try fake.writeConf("20-b.conf", #"{"cniVersion": "1.0.0", "name": "second", "type": "bridge"}"#)
    try fake.writeConf("10-a.json", #"{"cniVersion": "1.0.0", "name": "first", "plugins": [{"type": "bridge"}]}"#)
    try fake.writeConf("05-notes.txt", "not a config")
    try fake.writeConf("Z-upper.conf", #"{"cniVersion": "1.0.0", "name": "upper", "type": "bridge"}"#)
    try Sys.mkdirAll(fake.confDir + "/00-dir.conf")
    let files = NetworkList.configFiles(in: fake.confDir).map { String($0.split(separator: "/").last!) }
    #expect(files == ["10-a.json", "20-b.conf", "30-c.conflist", "Z-upper.conf"])
    #expect(NetworkList.first(in: fake.confDir).list?.name == "first")

    try fake.writeConf("01-broken.conflist", #"{"cniVersion": "1.0.0", "name": "broken"}"#)
    let (list, problems) = NetworkList.first(in: fake.confDir)
    #expect(list?.name == "first")
    #expect(problems.count == 1)
    #expect(problems.first?.contains("01-broken.conflist") == true)
  }

  @Test("versions compare numerically", arguments: [("0.3.1", "0.4.0"), ("0.4.0", "1.0.0"), ("0.10.0", "1.0.0"), ("0.9.0", "0.10.0")])
  func versionOrder(lower: String, higher: String) throws {
    #expect(try #require(CNIVersion(lower)) < (try #require(CNIVersion(higher))))
  }
}
