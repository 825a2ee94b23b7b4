/// runc's grammar puts global options before the verb (`runtime --root R --log L create ...`);
/// ArgumentParser wants them after it. This moves them there, and also accepts Go's
/// single-dash spelling (`-root R`) of the global options.
enum GlobalArguments {
  /// Global options that take a value.
  static let valued: Set<String> = ["root", "log", "log-format", "rootless", "criu"]
  /// Global flags.
  static let flags: Set<String> = ["debug", "systemd-cgroup"]

  static func reorder(_ arguments: [String]) -> [String] {
    var globals: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      guard argument.hasPrefix("-"), argument != "-", argument != "--" else { break }
      var name = String(argument.drop { $0 == "-" })
      var inlineValue: String?
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      if valued.contains(name) {
        if let inlineValue {
          globals.append("--\(name)=\(inlineValue)")
          index += 1
        } else if index + 1 < arguments.count {
          globals += ["--\(name)", arguments[index + 1]]
          index += 2
        } else {
          break
        }
        if name == "criu" { globals.removeLast(inlineValue == nil ? 2 : 1) }
      } else if flags.contains(name) {
        globals.append(inlineValue.map { $0 == "false" ? "" : "--\(name)" } ?? "--\(name)")
        if globals.last == "" { globals.removeLast() }
        index += 1
      } else {
        break  // --help, --version, or an unknown option: leave it to the parser
      }
    }
    guard index < arguments.count, !globals.isEmpty else { return arguments }
    // The verb, then the globals, then the verb's own arguments. `spec` takes no globals.
    let verb = arguments[index]
    if verb == "spec" { return [verb] + arguments[(index + 1)...] }
    return [verb] + globals + arguments[(index + 1)...]
  }
}
