// BerthMetadata: see Package.swift.
