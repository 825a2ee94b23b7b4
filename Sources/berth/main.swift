import BerthCLI

await Application.runMain()
