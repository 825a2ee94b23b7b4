import BerthRuntimeCLI

RuntimeCommand.main(Array(CommandLine.arguments.dropFirst()))
