import BerthOCI

/// Left-aligned columns separated by three spaces, as `docker`/`podman` tables.
enum Table {
  static func render(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    var widths = Array(repeating: 0, count: first.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    var out = ""
    for row in rows {
      var line = ""
      for (i, cell) in row.enumerated() {
        line += cell
        if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.count + 3) }
      }
      out += line + "\n"
    }
    return out
  }
}

/// JSON for `--format json` and `inspect`: pretty-printed with sorted keys.
enum JSONOutput {
  static func encode<T: Encodable>(_ value: T) throws -> String { try JSON.pretty(value) }
}

/// RFC 3339 times (image configs' `created`) to seconds since the epoch.
enum RFC3339 {
  static func seconds(_ text: String) -> Int64? {
    let chars = Array(text.utf8)
    guard chars.count >= 19 else { return nil }
    func number(_ from: Int, _ length: Int) -> Int64? {
      var value: Int64 = 0
      for c in chars[from..<(from + length)] {
        guard c >= 48 && c <= 57 else { return nil }
        value = value * 10 + Int64(c - 48)
      }
      return value
    }
    guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2), let mi = number(14, 2),
      let s = number(17, 2)
    else { return nil }
    // Days since 1970-01-01 of a proleptic Gregorian date, counted in 400-year eras.
    let yy = mo <= 2 ? y - 1 : y
    let era = (yy >= 0 ? yy : yy - 399) / 400
    let yoe = yy - era * 400
    let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146097 + doe - 719468
    var seconds = days * 86400 + h * 3600 + mi * 60 + s
    // Offset: Z, or ±hh:mm after optional fractional seconds.
    var i = 19
    if i < chars.count && chars[i] == UInt8(ascii: ".") {
      i += 1
      while i < chars.count && chars[i] >= 48 && chars[i] <= 57 { i += 1 }
    }
    if i + 6 <= chars.count && (chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-")), let oh = number(i + 1, 2), let om = number(i + 4, 2) {
      let offset = oh * 3600 + om * 60
      seconds += chars[i] == UInt8(ascii: "+") ? -offset : offset
    }
    return seconds
  }
}
