import BerthOCI
/// `list`: the containers under --root.
enum List: Verb {
  static let name = "list"
  static let summary = "list the containers under --root"
  static let usage = ""
  static let options: [OptionSpec] = [
    .flag("quiet", "q", "print only the ids"),
    .value("format", "f", "table (default) or json"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let states = try context.runtime().list()
    if arguments.flag("quiet") {
      for state in states { output(state.id) }
    } else if arguments.value("format") == "json" {
      output(try JSON.compact(states))
    } else {
      let rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        + states.map { [$0.id, String($0.pid), $0.status.rawValue, $0.bundle, $0.created, $0.owner.isEmpty ? "root" : $0.owner] }
      print(Table.render(rows), terminator: "")
    }
    return 0
  }
}

/// Columns padded like Go's tabwriter with padding 3.
enum Table {
  static func render(_ rows: [[String]]) -> String {
    var widths: [Int] = []
    for row in rows {
      for (index, cell) in row.enumerated() {
        if index >= widths.count { widths.append(0) }
        widths[index] = max(widths[index], cell.count)
      }
    }
    var out = ""
    for row in rows {
      for (index, cell) in row.enumerated() {
        out += cell
        if index < row.count - 1 { out += String(repeating: " ", count: widths[index] - cell.count + 3) }
      }
      out += "\n"
    }
    return out
  }
}
