// MonitorOptions, ExitRecord and the monitor's file names are defined next to the monitor,
// which reads them; callers of the client get them with `import BerthRuntimeClient`.
@_exported import BerthMonitor
