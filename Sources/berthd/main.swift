import BerthCRI

await Daemon.runMain()
