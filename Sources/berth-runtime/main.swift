import BerthRuntimeCLI

RuntimeCommand.runMain()
