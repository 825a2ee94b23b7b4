/// The output: one JSON object per line, so a script can collect samples from many invocations
/// (`jq -s`) and a person can read a single run's summary.
enum Report {
  /// One line per lifecycle:
  /// `{"type":"sample","label":…,"parallel":…,"round":…,"slot":…,"<RPC>":ms,…,"podStart":ms,"lifecycle":ms}`.
  /// - Parameters:
  ///   - sample: The lifecycle's timings.
  ///   - label: The run's `--label`.
  ///   - parallel: How many lifecycles ran at once.
  static func sampleLine(_ sample: Sample, label: String, parallel: Int) -> String {
    var fields = [
      ("type", string("sample")), ("label", string(label)), ("parallel", "\(parallel)"),
      ("round", "\(sample.round)"), ("slot", "\(sample.slot)"),
    ]
    for step in Step.allCases { fields.append((step.rawValue, number(sample.rpc[step] ?? 0))) }
    fields.append(("podStart", number(sample.podStart)))
    fields.append(("lifecycle", number(sample.lifecycle)))
    return object(fields)
  }

  /// The final line: p50, p90 and mean of every RPC, of pod start and of the whole lifecycle.
  /// - Parameters:
  ///   - samples: Every lifecycle of the run.
  ///   - label: The run's `--label`.
  ///   - parallel: How many lifecycles ran at once.
  static func summaryLine(_ samples: [Sample], label: String, parallel: Int) -> String {
    var stats: [(String, String)] = []
    for step in Step.allCases { stats.append((step.rawValue, statistics(samples.map { $0.rpc[step] ?? 0 }))) }
    stats.append(("podStart", statistics(samples.map(\.podStart))))
    stats.append(("lifecycle", statistics(samples.map(\.lifecycle))))
    return object([
      ("type", string("summary")), ("label", string(label)), ("parallel", "\(parallel)"),
      ("samples", "\(samples.count)"), ("stats", object(stats)),
    ])
  }

  /// `{"p50":…,"p90":…,"mean":…}` of `values`.
  static func statistics(_ values: [Double]) -> String {
    let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    return object([
      ("p50", number(percentile(values, 0.5))), ("p90", number(percentile(values, 0.9))), ("mean", number(mean)),
    ])
  }

  /// The `fraction` percentile with linear interpolation between the closest ranks (the median
  /// of an even count is the mean of the middle two), as `scripts/bench-cri` computes it.
  /// - Parameters:
  ///   - values: The samples, in any order.
  ///   - fraction: 0.5 for the median, 0.9 for p90.
  static func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let position = fraction * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
  }

  /// A JSON number with three decimals (microseconds, for milliseconds).
  static func number(_ value: Double) -> String {
    let thousandths = Int64((value * 1000).rounded())
    let sign = thousandths < 0 ? "-" : ""
    let magnitude = thousandths.magnitude
    let fraction = String(magnitude % 1000)
    return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
  }

  /// A JSON string; labels are plain words, but quotes, backslashes and control characters are
  /// escaped anyway.
  static func string(_ value: String) -> String {
    var escaped = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }

  /// A JSON object from already-encoded values, keys in the given order.
  static func object(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
  }
}
