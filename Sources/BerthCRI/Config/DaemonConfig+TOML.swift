import BerthError
import BerthSys
import TOMLKit

extension DaemonConfig {
  /// Loads the main file (missing is fine: the defaults) and its drop-in directory
  /// (`<path>.d/*.toml`, in name order), and validates the result.
  /// - Parameter path: the main file
  public static func load(path: String = defaultPath) throws -> DaemonConfig {
    var config = DaemonConfig()
    var files: [String] = []
    if Sys.exists(path) { files.append(path) }
    let dropIns = path + ".d"
    if Sys.exists(dropIns) {
      files += try Sys.listDirectory(dropIns).filter { $0.hasSuffix(".toml") }.sorted().map { dropIns + "/" + $0 }
    }
    for file in files { try config.apply(toml: try Sys.readFile(file), source: file) }
    try config.validate()
    return config
  }

  /// Applies the keys of one TOML document over the current values.
  /// - Parameters:
  ///   - text: the document
  ///   - source: its file name, for errors
  public mutating func apply(toml text: String, source: String) throws {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch { throw BerthError.invalid("\(source): \(error)") }
    let reader = KeyReader(source: source)
    try reader.only(table, ["berthd", "images", "cni", "runtime"], at: "")
    if let berthd = try reader.table(table, "berthd", at: "") {
      try reader.only(berthd, ["listen", "root", "state", "log_level", "metrics_listen"], at: "berthd.")
      try reader.string(berthd, "listen", at: "berthd.").map { listen = $0 }
      try reader.string(berthd, "root", at: "berthd.").map { root = $0 }
      try reader.string(berthd, "state", at: "berthd.").map { state = $0 }
      try reader.string(berthd, "log_level", at: "berthd.").map { logLevel = $0 }
      try reader.string(berthd, "metrics_listen", at: "berthd.").map { metricsListen = $0 }
    }
    if let images = try reader.table(table, "images", at: "") {
      try reader.only(images, ["registries_conf", "pause_image"], at: "images.")
      try reader.string(images, "registries_conf", at: "images.").map { registriesConf = $0 }
      try reader.string(images, "pause_image", at: "images.").map { pauseImage = $0 }
    }
    if let cni = try reader.table(table, "cni", at: "") {
      try reader.only(cni, ["conf_dir", "bin_dirs"], at: "cni.")
      try reader.string(cni, "conf_dir", at: "cni.").map { cniConfDir = $0 }
      try reader.strings(cni, "bin_dirs", at: "cni.").map { cniBinDirs = $0 }
    }
    if let runtime = try reader.table(table, "runtime", at: "") {
      try reader.only(runtime, ["default_handler", "handlers"], at: "runtime.")
      try reader.string(runtime, "default_handler", at: "runtime.").map { defaultHandler = $0 }
      if let list = try reader.table(runtime, "handlers", at: "runtime.") {
        for name in list.keys.sorted() {
          let at = "runtime.handlers.\(name)."
          guard let entry = try reader.table(list, name, at: "runtime.handlers.") else { continue }
          try reader.only(entry, ["path", "root", "options"], at: at)
          var handler = handlers[name] ?? RuntimeHandler(path: "")
          try reader.string(entry, "path", at: at).map { handler.path = $0 }
          try reader.string(entry, "root", at: at).map { handler.root = $0 }
          try reader.strings(entry, "options", at: at).map { handler.options = $0 }
          guard !handler.path.isEmpty else { throw BerthError.invalid("\(source): \(at)path is required for a new handler") }
          handlers[name] = handler
        }
      }
    }
  }
}

/// Typed reads of TOML keys with errors that name the file and the key.
struct KeyReader {
  let source: String

  func only(_ table: TOMLTable, _ allowed: [String], at prefix: String) throws {
    for key in table.keys where !allowed.contains(key) {
      throw BerthError.invalid("\(source): unknown key \(prefix)\(key) (known here: \(allowed.joined(separator: ", ")))")
    }
  }

  func table(_ table: TOMLTable, _ key: String, at prefix: String) throws -> TOMLTable? {
    guard let value = table[key] else { return nil }
    guard let sub = value.table else { throw BerthError.invalid("\(source): \(prefix)\(key): expected a table") }
    return sub
  }

  func string(_ table: TOMLTable, _ key: String, at prefix: String) throws -> String? {
    guard let value = table[key] else { return nil }
    guard let text = value.string else { throw BerthError.invalid("\(source): \(prefix)\(key): expected a string") }
    return text
  }

  func strings(_ table: TOMLTable, _ key: String, at prefix: String) throws -> [String]? {
    guard let value = table[key] else { return nil }
    guard let array = value.array else { throw BerthError.invalid("\(source): \(prefix)\(key): expected an array of strings") }
    return try array.enumerated().map { index, item in
      guard let text = item.string else { throw BerthError.invalid("\(source): \(prefix)\(key)[\(index)]: expected a string") }
      return text
    }
  }
}
