import BerthError
import BerthOCI

/// ADD, CHECK and DEL of a whole list, as the spec orders them: ADD runs the plugins in order,
/// each one's result the next one's `prevResult`; CHECK runs them in order and DEL in reverse,
/// each with the cached final result as `prevResult` (from 0.4.0 on).
extension NetworkList {
  /// The configuration plugin `index` reads on stdin: its own object (every key kept) with the
  /// list's `name` and `cniVersion`, the `prevResult` if any, and a `runtimeConfig` of the
  /// capability arguments its `capabilities` enable (and no others).
  func pluginConfig(_ index: Int, prevResult: JSONValue?, attachment: Attachment) -> JSONValue {
    let plugin = plugins[index]
    var config = plugin.setting("name", to: .string(name)).setting("cniVersion", to: .string(cniVersion))
    if let prevResult { config = config.setting("prevResult", to: prevResult) }
    var runtimeConfig: [(String, JSONValue)] = []
    for (capability, enabled) in plugin.member("capabilities")?.members ?? [] where enabled.flag == true {
      if runtimeConfig.contains(where: { $0.0 == capability }) { continue }
      if let value = attachment.capabilityArgs.last(where: { $0.0 == capability })?.1 {
        runtimeConfig.append((capability, value))
      }
    }
    if !runtimeConfig.isEmpty { config = config.setting("runtimeConfig", to: .object(runtimeConfig)) }
    return config
  }

  /// Runs ADD through the chain and returns the final result, in this list's version.
  /// `partial` holds the last result obtained, for the DEL that undoes a failed ADD.
  func add(_ attachment: Attachment, invoker: PluginInvoker, partial: inout JSONValue?) throws -> JSONValue {
    var previous: JSONValue?
    for (index, type) in types.enumerated() {
      let output = try invoker.run(
        "ADD", network: name, type: type, config: pluginConfig(index, prevResult: previous, attachment: attachment),
        attachment: attachment)
      do {
        previous = try CNIResult.convert(try CNIResult.parse(output), to: version)
      } catch let error as BerthError {
        throw BerthError(error.code, "network \"\(name)\": plugin \(type) ADD \(error.message)")
      }
      partial = previous
    }
    guard let previous else { throw BerthError.invalid("network \"\(name)\" has no plugins") }
    return previous
  }

  /// Whether CHECK applies: spec 0.4.0 or later, and not `disableCheck`.
  var checks: Bool { version >= CNIVersion.check && !disableCheck }

  /// Runs CHECK through the chain with `result` (the cached ADD result) as `prevResult`.
  /// Nothing runs when `checks` is false.
  func check(_ attachment: Attachment, result: JSONValue, invoker: PluginInvoker) throws {
    guard checks else { return }
    let prevResult = try CNIResult.convert(result, to: version)
    for (index, type) in types.enumerated() {
      _ = try invoker.run(
        "CHECK", network: name, type: type, config: pluginConfig(index, prevResult: prevResult, attachment: attachment),
        attachment: attachment)
    }
  }

  /// Runs DEL through the chain in reverse, with `result` as `prevResult` from 0.4.0 on (a
  /// result that cannot be converted is left out: DEL must work without one).
  func delete(_ attachment: Attachment, result: JSONValue?, invoker: PluginInvoker) throws {
    var prevResult: JSONValue?
    if version >= CNIVersion.check, let result { prevResult = try? CNIResult.convert(result, to: version) }
    for (index, type) in types.enumerated().reversed() {
      _ = try invoker.run(
        "DEL", network: name, type: type, config: pluginConfig(index, prevResult: prevResult, attachment: attachment),
        attachment: attachment)
    }
  }

  /// Plugins whose IPAM is host-local without any range: they need the pod CIDR.
  var needsPodCIDR: Bool {
    plugins.contains { plugin in
      guard let ipam = plugin.member("ipam"), ipam.member("type")?.text == "host-local" else { return false }
      return ipam.member("ranges") == nil && ipam.member("subnet") == nil
    }
  }

  /// The list with the pod CIDRs as the ranges of every host-local IPAM that has none (one range
  /// set per CIDR: "10.244.1.0/24,fd00:1::/64" gives dual stack). Unchanged when `cidrs` is empty.
  func fillingPodCIDR(_ cidrs: [String]) throws -> NetworkList {
    guard !cidrs.isEmpty, needsPodCIDR else { return self }
    let ranges = JSONValue.array(cidrs.map { .array([.object([("subnet", .string($0))])]) })
    return try replacingPlugins(
      plugins.map { plugin in
        guard let ipam = plugin.member("ipam"), ipam.member("type")?.text == "host-local",
          ipam.member("ranges") == nil, ipam.member("subnet") == nil
        else { return plugin }
        return plugin.setting("ipam", to: ipam.setting("ranges", to: ranges))
      })
  }
}
