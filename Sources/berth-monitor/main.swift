// berth-monitor: the per-container monitor (see BerthMonitor.MonitorProcess).
import BerthMonitor

MonitorProcess.main(Array(CommandLine.arguments.dropFirst()))
