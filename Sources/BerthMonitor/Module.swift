// BerthMonitor: see Package.swift.
