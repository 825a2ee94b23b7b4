import BerthRuntimeCLI

RuntimeCommand.main()
