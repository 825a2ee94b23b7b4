import BerthError
import BerthOCI
import BerthSys
import Testing

@testable import BerthCNI

@Suite("CNIManager with fake plugins: protocol, chaining, capabilities, cache, errors")
struct ManagerTests {
  @Test("status: no config, a missing plugin, a missing pod CIDR, ready")
  func status() throws {
    let fake = try FakePlugins(types: ["bridge", "portmap"])
    let manager = fake.manager()
    var status = manager.status()
    #expect(!status.ready)
    #expect(status.reason == "NetworkPluginNotReady")
    #expect(status.message == "no network config found in \(fake.confDir)")

    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    status = manager.status()
    #expect(!status.ready)
    #expect(status.message == "network \"testnet\" (\(fake.confDir)/10-net.conflist): plugin loopback not found in \(fake.root)/nonexistent, \(fake.binDir)")
    #expect(fake.manager(loopback: false).status() == (true, "", ""))

    try fake.writeConf("05-net.conf", #"{"cniVersion": "1.0.0", "name": "cidr", "type": "bridge", "ipam": {"type": "host-local"}}"#)
    let noLoopback = fake.manager(loopback: false)
    status = noLoopback.status()
    #expect(!status.ready)
    #expect(status.message.contains("host-local IPAM has no range and no pod CIDR is set yet"))
    noLoopback.updatePodCIDR("10.244.1.0/24, fd00:1::/64")
    #expect(noLoopback.podCIDRs == ["10.244.1.0/24", "fd00:1::/64"])
    #expect(noLoopback.status().ready)
  }

  @Test("setUp: loopback then the chain, CNI_* env, stdin with name/version, prevResult chaining, runtimeConfig by capability")
  func setUpProtocol() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    try fake.result("portmap", fake.bridgeResult())
    let manager = fake.manager()
    let ports = [PortMapping(hostPort: 8080, containerPort: 80, protocol: "TCP", hostIP: "127.0.0.1"), PortMapping(hostPort: 0, containerPort: 81)]
    var request = fake.request(ports: ports)
    request.capabilityArgs = ["bandwidth": try json(#"{"ingressRate": 1000}"#)]
    let status = try manager.setUp(request)
    #expect(fake.calls() == ["ADD loopback", "ADD bridge", "ADD portmap"])
    #expect(status.network == "testnet")
    #expect(status.ips == ["10.1.2.5"])
    #expect(status.interfaces.map(\.name) == ["cni0", "veth1", "eth0"])

    let env = try fake.env(2)
    #expect(env["CNI_COMMAND"] == "ADD")
    #expect(env["CNI_CONTAINERID"] == "pod1")
    #expect(env["CNI_NETNS"] == fake.netns)
    #expect(env["CNI_IFNAME"] == "eth0")
    #expect(env["CNI_PATH"] == "\(fake.root)/nonexistent:\(fake.binDir)")
    #expect(env["CNI_ARGS"] == "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=pod1;K8S_POD_UID=uid-1")
    #expect(try fake.env(1)["CNI_IFNAME"] == "lo")

    let loopback = try fake.stdin(1)
    #expect(loopback == (try json(#"{"type": "loopback", "name": "cni-loopback", "cniVersion": "1.0.0"}"#)))
    let bridge = try fake.stdin(2)
    #expect(bridge.member("name")?.text == "testnet")
    #expect(bridge.member("cniVersion")?.text == "1.0.0")
    #expect(bridge.member("prevResult") == nil)
    #expect(bridge.member("runtimeConfig") == nil, "bridge declares no capability")
    #expect(bridge.member("custom") == (try json(#"{"keep": [1, "two"]}"#)))
    #expect(bridge.member("hairpinMode") == .bool(true))

    let portmap = try fake.stdin(3)
    #expect(portmap.member("prevResult") == (try json(fake.bridgeResult())))
    // portMappings is enabled and given; bandwidth is given but disabled; hostPort 0 is not forwarded.
    let expected = #"{"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": "127.0.0.1"}]}"#
    #expect(portmap.member("runtimeConfig") == (try json(expected)))
    #expect(portmap.member("snat") == .bool(true))
  }

  @Test("a 0.4.0 plugin result in a 1.0.0 list reaches the next plugin without ips[].version")
  func chainConversion() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult("0.4.0"))
    try fake.result("portmap", fake.bridgeResult())
    _ = try fake.manager(loopback: false).setUp(fake.request())
    let prev = try #require(try fake.stdin(2).member("prevResult"))
    #expect(prev.member("cniVersion")?.text == "1.0.0")
    #expect(prev.member("ips")?.elements?.first?.member("version") == nil)
  }

  @Test("a failing plugin: its error object becomes the message, what was added is deleted, nothing stays cached")
  func addFailure() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    try fake.log("fail-portmap-ADD", #"{"cniVersion": "1.0.0", "code": 11, "msg": "cannot open hostport", "details": "port 8080\nin use"}"#)
    let error = #expect(throws: BerthError.self) { try fake.manager().setUp(fake.request()) }
    #expect(error?.message == "network \"testnet\": plugin portmap ADD failed: cannot open hostport: port 8080; in use (code 11)")
    #expect(error?.code == .invalidState)
    #expect(fake.calls() == ["ADD loopback", "ADD bridge", "ADD portmap", "DEL portmap", "DEL bridge", "DEL loopback"])
    // The undo passes what ADD got so far.
    #expect(try fake.stdin(4).member("prevResult") == (try json(fake.bridgeResult())))
    #expect(fake.cacheFiles().isEmpty)
  }

  @Test("a plugin failing without an error object: its stderr, on one line")
  func stderrFailure() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.log("stderr-bridge-ADD", "something broke\n  badly  \n")
    let error = #expect(throws: BerthError.self) { try fake.manager(loopback: false).setUp(fake.request()) }
    #expect(error?.message == "network \"testnet\": plugin bridge ADD failed: something broke; badly")
  }

  @Test("a plugin that prints no result fails the ADD")
  func noResult() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", "")
    let error = #expect(throws: BerthError.self) { try fake.manager(loopback: false).setUp(fake.request()) }
    #expect(error?.message == "network \"testnet\": plugin bridge ADD printed no result")
  }

  @Test("a result that cannot be cached undoes the ADD: DEL would otherwise lack it after a restart")
  func cacheWriteFailure() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    try Sys.writeFile(fake.cacheDir, "a file where the cache directory should be")
    let error = #expect(throws: BerthError.self) { try fake.manager(loopback: false).setUp(fake.request()) }
    #expect(error?.message.hasPrefix("network \"testnet\": cannot cache the ADD result: mkdir \(fake.cacheDir)") == true, "\(error?.message ?? "")")
    #expect(fake.calls() == ["ADD bridge", "ADD portmap", "DEL portmap", "DEL bridge"])
  }

  @Test("a plugin that hangs is killed at the timeout")
  func timeout() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.log("sleep-bridge", "30")
    let start = Clock.monotonicNanoseconds()
    let error = #expect(throws: BerthError.self) { try fake.manager(timeout: 0.5, loopback: false).setUp(fake.request()) }
    #expect(error?.code == .timeout)
    #expect(error?.message == "network \"testnet\": plugin bridge ADD: did not finish within 0.5s (killed)")
    #expect(Clock.monotonicNanoseconds() - start < 10_000_000_000)
  }

  @Test("requests are validated before any plugin runs", arguments: [
    ("bad id!", "eth0", true, "invalid container id"),
    ("pod1", "", true, "invalid interface name"),
    ("pod1", "a-very-long-ifname", true, "invalid interface name"),
    ("pod1", "eth:0", true, "invalid interface name"),
    ("pod1", "eth0", false, "does not exist"),
  ])
  func validation(id: String, ifName: String, netnsExists: Bool, expected: String) throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    var request = fake.request(id)
    request.ifName = ifName
    if !netnsExists { request.netnsPath = fake.root + "/gone" }
    let error = #expect(throws: BerthError.self) { try fake.manager().setUp(request) }
    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    #expect(fake.calls().isEmpty)
  }

  @Test("the cache file is libcni's: kind, ids, base64 config, args, result")
  func cacheFormat() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    try fake.result("portmap", fake.bridgeResult())
    _ = try fake.manager().setUp(fake.request(ports: [PortMapping(hostPort: 80, containerPort: 8080)]))
    #expect(fake.cacheFiles() == ["cni-loopback-pod1-lo", "testnet-pod1-eth0"])
    let entry = try JSONValue.parse(try Sys.readBytes(fake.cacheDir + "/testnet-pod1-eth0"))
    #expect(entry.member("kind")?.text == "cniCacheV1")
    #expect(entry.member("containerId")?.text == "pod1")
    #expect(entry.member("networkName")?.text == "testnet")
    #expect(entry.member("ifName")?.text == "eth0")
    #expect(entry.member("netns")?.text == fake.netns)
    #expect(entry.member("cniArgs")?.elements?.first == .array([.string("IgnoreUnknown"), .string("1")]))
    #expect(entry.member("capabilityArgs")?.member("portMappings")?.elements?.count == 1)
    #expect(entry.member("result") == (try json(fake.bridgeResult())))
    let encoded = try #require(entry.member("config")?.text)
    let config = try #require(Base64.decode(encoded))
    #expect(try NetworkList.parse(config).types == ["bridge", "portmap"])
    #expect(Sys.stat(fake.cacheDir + "/testnet-pod1-eth0")!.st_mode & 0o777 == 0o600)
  }

  @Test("after a restart with the conf dir emptied: cachedStatus, then tearDown with the cached config, args and result")
  func tearDownFromCache() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    try fake.result("portmap", fake.bridgeResult())
    let first = try fake.manager().setUp(fake.request(ports: [PortMapping(hostPort: 80, containerPort: 8080)]))
    try Sys.removeAll(fake.confDir + "/10-net.conflist")
    try fake.resetCalls()

    let restarted = fake.manager()
    #expect(restarted.cachedStatus(containerID: "pod1") == first)
    #expect(restarted.cachedStatus(containerID: "pod2") == nil)
    try restarted.tearDown(containerID: "pod1", netnsPath: nil)
    #expect(fake.calls() == ["DEL portmap", "DEL bridge", "DEL loopback"])
    let portmap = try fake.stdin(1)
    #expect(portmap.member("prevResult") == (try json(fake.bridgeResult())))
    #expect(portmap.member("runtimeConfig")?.member("portMappings") != nil, "DEL gets ADD's capability args")
    #expect(try fake.stdin(2).member("hairpinMode") == .bool(true))
    let env = try fake.env(1)
    #expect(env["CNI_NETNS"] == "", "the cached netns is a plain file, not a namespace: passed empty")
    #expect(env["CNI_ARGS"]?.contains("K8S_POD_NAME=web") == true)
    #expect(fake.cacheFiles().isEmpty)
    #expect(restarted.cachedStatus(containerID: "pod1") == nil)

    // Again: nothing cached and no network: nothing to run.
    try restarted.tearDown(containerID: "pod1", netnsPath: nil)
    #expect(fake.calls().count == 3)
  }

  @Test("tearDown with nothing cached runs DEL with the current network and no prevResult")
  func tearDownUncached() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain("0.4.0"))
    try fake.manager().tearDown(containerID: "lost", netnsPath: fake.root + "/gone")
    #expect(fake.calls() == ["DEL portmap", "DEL bridge"])
    #expect(try fake.stdin(1).member("prevResult") == nil)
    #expect(try fake.env(1)["CNI_CONTAINERID"] == "lost")
    #expect(try fake.env(1)["CNI_NETNS"] == "")
  }

  @Test("a failed DEL keeps its cache entry for a retry")
  func delFailure() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    let manager = fake.manager()
    _ = try manager.setUp(fake.request())
    try fake.log("fail-bridge-DEL", #"{"code": 5, "msg": "disk on fire"}"#)
    let error = #expect(throws: BerthError.self) { try manager.tearDown(containerID: "pod1", netnsPath: nil) }
    #expect(error?.message == "network \"testnet\": plugin bridge DEL failed: disk on fire (code 5)")
    #expect(error?.code == .io)
    #expect(fake.cacheFiles() == ["testnet-pod1-eth0"], "loopback went; the failed network stays")
    try Sys.removeAll(fake.logDir + "/fail-bridge-DEL")
    try manager.tearDown(containerID: "pod1", netnsPath: nil)
    #expect(fake.cacheFiles().isEmpty)
  }

  @Test("CHECK runs with the cached result from 0.4.0 on; not for 0.3.1 or disableCheck", arguments: [
    ("1.0.0", "", true), ("0.4.0", "", true), ("0.3.1", "", false), ("1.0.0", #", "disableCheck": true"#, false),
  ])
  func check(version: String, extra: String, runs: Bool) throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain(version, extra: extra))
    try fake.result("bridge", fake.bridgeResult(version))
    try fake.result("portmap", fake.bridgeResult(version))
    let manager = fake.manager()
    #expect(throws: BerthError.self) { try manager.check(fake.request()) }
    _ = try manager.setUp(fake.request())
    try fake.resetCalls()
    try manager.check(fake.request())
    #expect(fake.calls() == (runs ? ["CHECK bridge", "CHECK portmap"] : []))
    if runs {
      #expect(try fake.stdin(1).member("prevResult") == (try json(fake.bridgeResult(version))))
      #expect(try fake.env(2)["CNI_NETNS"] == fake.netns)
    }
  }

  @Test("the pod CIDR fills host-local ranges and goes to plugins with the ipRanges capability; the cache keeps it")
  func podCIDR() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", """
      {"cniVersion": "1.0.0", "name": "cidrnet", "plugins": [
        {"type": "bridge", "capabilities": {"ipRanges": true}, "ipam": {"type": "host-local", "dataDir": "/x"}},
        {"type": "tuning"}]}
      """)
    try fake.result("bridge", fake.bridgeResult())
    try fake.result("tuning", fake.bridgeResult())
    let manager = fake.manager(loopback: false)
    manager.updatePodCIDR("10.244.3.0/24")
    _ = try manager.setUp(fake.request())
    let bridge = try fake.stdin(1)
    let ranges = try json(#"[[{"subnet": "10.244.3.0/24"}]]"#)
    #expect(bridge.member("ipam") == (try json(#"{"type": "host-local", "dataDir": "/x", "ranges": [[{"subnet": "10.244.3.0/24"}]]}"#)))
    #expect(bridge.member("runtimeConfig")?.member("ipRanges") == ranges)
    #expect(try fake.stdin(2).member("runtimeConfig") == nil)

    manager.updatePodCIDR("")
    try fake.resetCalls()
    try manager.tearDown(containerID: "pod1", netnsPath: nil)
    #expect(try fake.stdin(2).member("ipam")?.member("ranges") == ranges, "DEL uses the ranges ADD used")
  }

  @Test("setUp of a container with a cached attachment deletes that one first")
  func repeatedSetUp() throws {
    let fake = try FakePlugins()
    try fake.writeConf("10-net.conflist", FakePlugins.chain())
    try fake.result("bridge", fake.bridgeResult())
    let manager = fake.manager(loopback: false)
    _ = try manager.setUp(fake.request())
    try fake.resetCalls()
    _ = try manager.setUp(fake.request())
    #expect(fake.calls() == ["DEL portmap", "DEL bridge", "ADD bridge", "ADD portmap"])
  }
}
