import BerthOCI

extension Cgroups {
  /// The devices every OCI container may use after a deny-all rule: null, zero, full, random,
  /// urandom, tty, console, ptmx and the pty slaves, all "rwm".
  public static let defaultDeviceRules: [Resources.DeviceRule] = [
    (1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, nil),
  ].map { major, minor in
    Resources.DeviceRule(allow: true, type: "c", major: major, minor: minor, access: "rwm")
  }

  /// A rule in the v1 devices.allow/devices.deny format "TYPE MAJOR:MINOR ACCESS", with "a" for a
  /// missing type, "*" for a missing (or negative) major or minor, and "rwm" for missing access.
  /// - Parameter rule: the OCI device rule
  /// - Returns: the line to write
  public static func deviceRuleString(_ rule: Resources.DeviceRule) -> String {
    func number(_ value: Int64?) -> String { value.flatMap { $0 < 0 ? nil : String($0) } ?? "*" }
    let type = rule.type.flatMap { $0.isEmpty ? nil : $0 } ?? "a"
    let access = rule.access.flatMap { $0.isEmpty ? nil : $0 } ?? "rwm"
    return "\(type) \(number(rule.major)):\(number(rule.minor)) \(access)"
  }
}

extension Resources.DeviceRule {
  /// Whether this rule matches every device with every access ("a *:* rwm").
  var matchesAll: Bool {
    let type = self.type ?? "a"
    let access = Set(self.access ?? "rwm")
    return (type == "a" || type.isEmpty) && (major ?? -1) < 0 && (minor ?? -1) < 0
      && (access.isEmpty || access == Set("rwm"))
  }
}
