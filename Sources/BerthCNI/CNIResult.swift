import BerthError
import BerthOCI

/// ADD results: parsing, conversion between the spec versions this client speaks, and the
/// `NetworkStatus` view of them.
///
/// Results of 0.3.0 to 0.4.0 and of 1.x have the same shape (`interfaces`, `ips`, `routes`,
/// `dns`) except for `ips[].version` ("4" or "6"), which 1.0.0 dropped. A plugin's result is
/// brought to the network's version before it becomes the next plugin's `prevResult`.
enum CNIResult {
  /// Parses a plugin's ADD output.
  static func parse(_ bytes: [UInt8]) throws -> JSONValue {
    let trimmed = bytes.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    guard !trimmed.isEmpty else { throw BerthError.invalid("printed no result") }
    let value: JSONValue
    do {
      value = try JSONValue.parse(Array(trimmed))
    } catch let error as BerthError {
      throw BerthError.invalid("printed an invalid result: \(error.message)")
    }
    guard value.members != nil else { throw BerthError.invalid("printed a result that is not a JSON object") }
    return value
  }

  /// `result` in spec version `version`. A result without `cniVersion` is taken as already in it.
  static func convert(_ result: JSONValue, to version: CNIVersion) throws -> JSONValue {
    let from: CNIVersion
    if let text = result.member("cniVersion")?.text {
      guard let parsed = CNIVersion(text) else { throw BerthError.invalid("result has an invalid cniVersion \"\(text)\"") }
      from = parsed
    } else {
      from = version
    }
    guard from >= CNIVersion.supported[0] else {
      throw BerthError(.unsupported, "result version \(from) is not supported (0.3.0 or later)")
    }
    guard version >= CNIVersion.supported[0] else {
      throw BerthError(.unsupported, "cannot convert a result to version \(version)")
    }
    var converted = result.setting("cniVersion", to: .string(version.description))
    guard let ips = result.member("ips")?.elements else { return converted }
    let newIPs: [JSONValue] = ips.map { ip in
      if version >= CNIVersion.v1 { return ip.removing("version") }
      guard ip.member("version") == nil, let members = ip.members else { return ip }
      let family = (ip.member("address")?.text ?? "").contains(":") ? "6" : "4"
      return .object([("version", .string(family))] + members)
    }
    converted = converted.setting("ips", to: .array(newIPs))
    return converted
  }

  /// The status a result describes.
  static func status(network: String, result: JSONValue) -> NetworkStatus {
    let interfaces = (result.member("interfaces")?.elements ?? []).map { value in
      NetworkStatus.Interface(
        name: value.member("name")?.text ?? "", mac: value.member("mac")?.text ?? "",
        sandbox: value.member("sandbox")?.text ?? "")
    }
    let configs: [NetworkStatus.IPConfig] = (result.member("ips")?.elements ?? []).compactMap { value in
      guard let address = value.member("address")?.text else { return nil }
      var index: Int?
      if case .number(let text)? = value.member("interface") { index = Int(text) }
      return NetworkStatus.IPConfig(address: address, gateway: value.member("gateway")?.text, interface: index)
    }
    // Addresses of host-side interfaces (sandbox empty) are not the pod's.
    let podIPs = configs.filter { config in
      guard let index = config.interface, interfaces.indices.contains(index) else { return true }
      return !interfaces[index].sandbox.isEmpty
    }
    var dns = NetworkStatus.DNS()
    if let value = result.member("dns") {
      dns.nameservers = (value.member("nameservers")?.elements ?? []).compactMap(\.text)
      dns.domain = value.member("domain")?.text ?? ""
      dns.search = (value.member("search")?.elements ?? []).compactMap(\.text)
      dns.options = (value.member("options")?.elements ?? []).compactMap(\.text)
    }
    return NetworkStatus(
      network: network, ips: podIPs.map(\.ip), ipConfigs: configs, interfaces: interfaces, dns: dns, raw: result)
  }
}
