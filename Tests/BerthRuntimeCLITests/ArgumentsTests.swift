import BerthError
import Testing

@testable import BerthRuntimeCLI

private let options: [OptionSpec] = [
  .value("bundle", "b", "bundle directory"),
  .value("name", nil, "a name"),
  .value("env", "e", "environment (repeatable)"),
  .flag("detach", "d", "detach"),
  .flag("tty", "t", "terminal"),
]

private func parse(_ arguments: [String], stopAtPositional: Bool = true) throws -> Arguments {
  try Arguments(arguments[...], options: options, stopAtPositional: stopAtPositional)
}

@Suite struct ArgumentsTests {
  @Test(arguments: [
    ["--bundle", "/b", "c1"], ["--bundle=/b", "c1"], ["-bundle", "/b", "c1"], ["-bundle=/b", "c1"], ["-b", "/b", "c1"],
    ["-b=/b", "c1"], ["--b", "/b", "c1"],
  ])
  func valueSpellings(arguments: [String]) throws {
    let parsed = try parse(arguments)
    #expect(parsed.value("bundle") == "/b")
    #expect(parsed.positional == ["c1"])
  }

  @Test func valuesMayStartWithADashOrBeEmpty() throws {
    let parsed = try parse(["--name", "-x", "--bundle=", "c1"])
    #expect(parsed.value("name") == "-x")
    #expect(parsed.value("bundle") == "")
    #expect(parsed.positional == ["c1"])
  }

  @Test(arguments: [
    (["--detach"], true), (["-d"], true), (["-detach"], true), (["--detach=true"], true), (["--detach=1"], true),
    (["--detach=false"], false), (["--detach", "--detach=false"], false), (["--detach=0", "-d"], true), ([], false),
  ])
  func boolFlags(arguments: [String], set: Bool) throws {
    let parsed = try parse(arguments + ["c1"])
    #expect(parsed.flag("detach") == set)
    #expect(parsed.positional == ["c1"])
  }

  @Test func boolFlagTakesNoSeparateValue() throws {
    let parsed = try parse(["--detach", "false"])
    #expect(parsed.flag("detach"))
    #expect(parsed.positional == ["false"])
  }

  @Test func invalidBoolean() {
    let error = #expect(throws: BerthError.self) { try parse(["--tty=yes", "c1"]) }
    #expect(error?.message == "invalid boolean value \"yes\" for -tty")
  }

  @Test(arguments: [(["--bogus", "c1"], "bogus"), (["-x", "c1"], "x"), (["--bogus=1"], "bogus"), (["-name2", "v"], "name2")])
  func unknownFlag(arguments: [String], name: String) {
    let error = #expect(throws: BerthError.self) { try parse(arguments) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message == "flag provided but not defined: -\(name)")
  }

  @Test(arguments: [["--bundle"], ["-b"], ["c0", "--name"]])
  func missingValue(arguments: [String]) {
    let error = #expect(throws: BerthError.self) { try parse(arguments, stopAtPositional: false) }
    #expect(error?.message.hasPrefix("flag needs an argument: -") == true)
  }

  @Test func optionsStopAtTheFirstPositional() throws {
    let parsed = try parse(["-e", "A=1", "c1", "sh", "-c", "x", "--detach"])
    #expect(parsed.positional == ["c1", "sh", "-c", "x", "--detach"])
    #expect(parsed.all("env") == ["A=1"])
    #expect(!parsed.flag("detach"))
  }

  @Test func optionsMayFollowPositionalsWhenAsked() throws {
    let parsed = try parse(["c1", "--detach", "sh", "-b", "/b"], stopAtPositional: false)
    #expect(parsed.positional == ["c1", "sh"])
    #expect(parsed.flag("detach"))
    #expect(parsed.value("bundle") == "/b")
  }

  @Test func doubleDashEndsOptions() throws {
    let parsed = try parse(["-d", "--", "--bundle", "x", "--"])
    #expect(parsed.flag("detach"))
    #expect(parsed.value("bundle") == nil)
    #expect(parsed.positional == ["--bundle", "x", "--"])
  }

  @Test func singleDashIsPositional() throws {
    #expect(try parse(["-", "-d"]).positional == ["-", "-d"])
  }

  @Test func repeatedValues() throws {
    let parsed = try parse(["--env", "a=1", "-e", "b=2", "--env=c=3", "c1"])
    #expect(parsed.all("env") == ["a=1", "b=2", "c=3"])
    #expect(parsed.value("env") == "c=3")
    #expect(parsed.all("name").isEmpty)
  }

  @Test func parsesASliceThatDoesNotStartAtZero() throws {
    let full = ["berth-runtime", "--root", "/r", "create", "--bundle", "/b", "c1"]
    let parsed = try Arguments(full[4...], options: options)
    #expect(parsed.value("bundle") == "/b")
    #expect(parsed.positional == ["c1"])
  }

  @Test func numbers() throws {
    let parsed = try parse(["--name", "42", "--bundle", "x"])
    #expect(try parsed.int("name") == 42)
    #expect(try parsed.number("name", as: UInt8.self) == 42)
    #expect(try parsed.int("env") == nil)
    let error = #expect(throws: BerthError.self) { try parsed.int("bundle") }
    #expect(error?.message == "invalid value \"x\" for -bundle: not a number")
    #expect(throws: BerthError.self) { try parse(["--name", "300"]).number("name", as: UInt8.self) }
  }

  @Test func containerID() throws {
    #expect(try parse(["c1", "extra"]).id("start") == "c1")
    let error = #expect(throws: BerthError.self) { try parse([]).id("start") }
    #expect(error?.message == "\"start\" requires a container id")
    #expect(throws: BerthError.self) { try parse([""]).id("start") }
  }

  @Test func verbOptionTablesHaveUniqueNames() {
    for verb in RuntimeCommand.verbs {
      let names = verb.options.map(\.name)
      #expect(Set(names).count == names.count, "\(verb.name)")
      let shorts = verb.options.compactMap(\.short)
      #expect(Set(shorts).count == shorts.count, "\(verb.name)")
    }
    let verbNames = RuntimeCommand.verbs.map { $0.name }
    #expect(Set(verbNames).count == verbNames.count)
  }

  @Test func globalOptionsGrammar() throws {
    let parsed = try Arguments(
      ["--root", "/run/x", "--log-format=json", "--debug", "exec", "-t", "c1"][...], options: RuntimeCommand.globalOptions)
    #expect(parsed.value("root") == "/run/x")
    #expect(parsed.value("log-format") == "json")
    #expect(parsed.flag("debug"))
    #expect(parsed.positional == ["exec", "-t", "c1"])
  }

  @Test func helpListsOptions() {
    let help = RuntimeCommand.help(for: Kill.self)
    #expect(help.hasPrefix("usage: berth-runtime kill [options] <container-id> [signal]"))
    #expect(help.contains("--all, -a"))
    #expect(RuntimeCommand.help().contains("  update    "))
  }
}
