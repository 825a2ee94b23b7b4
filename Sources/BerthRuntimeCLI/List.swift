import ArgumentParser
import BerthOCI
import BerthRuntime

struct List: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the containers under --root.")
  @OptionGroup var globals: GlobalOptions
  @Flag(name: [.short, .long], help: "Print only the ids.") var quiet = false
  @Option(name: [.short, .long], help: "table or json.") var format: String = "table"

  func run() throws {
    let states = try globals.perform { try $0.list() }
    if quiet {
      for state in states { print(state.id) }
    } else if format == "json" {
      print(try JSON.compact(states))
    } else {
      let rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        + states.map { [$0.id, String($0.pid), $0.status.rawValue, $0.bundle, $0.created, $0.owner.isEmpty ? "root" : $0.owner] }
      print(Table.render(rows), terminator: "")
    }
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
