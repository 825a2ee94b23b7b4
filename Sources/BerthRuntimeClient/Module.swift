// BerthRuntimeClient: see Package.swift.
