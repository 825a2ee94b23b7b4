import BerthOCI

extension CgroupV1Manager {
  /// Writes the device rules in order. A list that starts with deny-all resets the cgroup to
  /// deny everything ("a" to devices.deny) and then gets the OCI default devices after its own rules.
  func applyDevices(_ rules: [Resources.DeviceRule]?) throws {
    guard let rules, let dir = try dir("devices", needed: !rules.isEmpty) else { return }
    let denyAll = rules.first.map { !$0.allow && $0.matchesAll } ?? false
    var remaining = rules[...]
    if denyAll {
      try fs.write(dir, "devices.deny", "a")
      remaining = remaining.dropFirst()
    }
    for rule in remaining {
      try fs.write(dir, rule.allow ? "devices.allow" : "devices.deny", Cgroups.deviceRuleString(rule))
    }
    if denyAll {
      for rule in Cgroups.defaultDeviceRules {
        try fs.write(dir, "devices.allow", Cgroups.deviceRuleString(rule))
      }
    }
  }
}
