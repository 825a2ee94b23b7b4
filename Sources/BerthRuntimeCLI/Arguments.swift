import BerthError

/// One option of a verb: `--name`, an optional one-letter `-x`, with or without a value.
struct OptionSpec {
  let name: String
  let short: Character?
  let takesValue: Bool
  let help: String

  static func flag(_ name: String, _ short: Character? = nil, _ help: String) -> OptionSpec {
    OptionSpec(name: name, short: short, takesValue: false, help: help)
  }
  static func value(_ name: String, _ short: Character? = nil, _ help: String) -> OptionSpec {
    OptionSpec(name: name, short: short, takesValue: true, help: help)
  }
}

/// Parsed command-line arguments of one verb, in the grammar of runc (Go's flag package through
/// urfave/cli): `--name value`, `--name=value`, `-name value`, `-x value`, `--flag`,
/// `--flag=false`; options come first and the first non-option argument ends them (so `exec ID
/// CMD -x` passes `-x` to CMD). `--` ends the options too.
struct Arguments {
  private(set) var values: [String: [String]] = [:]
  private(set) var flags: Set<String> = []
  private(set) var positional: [String] = []

  init(_ arguments: ArraySlice<String>, options: [OptionSpec], stopAtPositional: Bool = true) throws {
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        positional += arguments[index...]
        return
      }
      guard argument.hasPrefix("-"), argument != "-" else {
        positional.append(argument)
        if stopAtPositional {
          positional += arguments[index...]
          return
        }
        continue
      }
      var name = String(argument.drop { $0 == "-" })
      var inline: String?
      if let equals = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      let spec = options.first { $0.name == name } ?? (name.count == 1 ? options.first { $0.short == name.first } : nil)
      guard let spec else { throw BerthError.invalid("flag provided but not defined: -\(name)") }
      if spec.takesValue {
        if let inline {
          values[spec.name, default: []].append(inline)
        } else {
          guard index < arguments.endIndex else { throw BerthError.invalid("flag needs an argument: -\(name)") }
          values[spec.name, default: []].append(arguments[index])
          index += 1
        }
      } else {
        switch inline {
        case nil, "true", "1": flags.insert(spec.name)
        case "false", "0": flags.remove(spec.name)
        default: throw BerthError.invalid("invalid boolean value \"\(inline!)\" for -\(name)")
        }
      }
    }
  }

  func flag(_ name: String) -> Bool { flags.contains(name) }
  func value(_ name: String) -> String? { values[name]?.last }
  func all(_ name: String) -> [String] { values[name] ?? [] }

  func int(_ name: String) throws -> Int? {
    guard let text = value(name) else { return nil }
    guard let number = Int(text) else { throw BerthError.invalid("invalid value \"\(text)\" for -\(name): not a number") }
    return number
  }

  func number<T: FixedWidthInteger>(_ name: String, as: T.Type = T.self) throws -> T? {
    guard let text = value(name) else { return nil }
    guard let number = T(text) else { throw BerthError.invalid("invalid value \"\(text)\" for -\(name): not a number") }
    return number
  }

  /// The container id: the one positional argument a verb takes.
  func id(_ verb: String) throws -> String {
    guard let first = positional.first, !first.isEmpty else {
      throw BerthError.invalid("\"\(verb)\" requires a container id")
    }
    return first
  }
}
