// BerthCNI: see Package.swift.
