extension DaemonConfig {
  /// The effective configuration as TOML that `load` reads back, with a comment on every key
  /// (`berthd config`).
  public func rendered() -> String {
    var out = "# berthd configuration in effect: /etc/berth/berth.toml, then berth.toml.d/*.toml, then flags.\n\n"
    out += "[berthd]\n"
    out += line("listen", quote(listen), "the CRI socket (mode 0660, root only)")
    out += line("root", quote(root), "images, snapshots and metadata (persistent)")
    out += line("state", quote(state), "sockets and runtime state (gone at reboot)")
    out += line("log_level", quote(logLevel), "trace, debug, info, notice, warning, error, critical")
    out += line("metrics_listen", quote(metricsListen), "host:port of a Prometheus endpoint on localhost; empty: none")
    out += "\n[images]\n"
    out += line("registries_conf", quote(registriesConf), "mirrors, insecure registries, CA files (TOML)")
    out += line("pause_image", quote(pauseImage), "the image pause processes run from")
    out += "\n[cni]\n"
    out += line("conf_dir", quote(cniConfDir), "CNI network configuration lists")
    out += line("bin_dirs", list(cniBinDirs), "CNI plugin directories, searched in order")
    out += "\n[runtime]\n"
    out += line("default_handler", quote(defaultHandler), "the handler of pods without a RuntimeClass")
    for name in handlers.keys.sorted() {
      let handler = handlers[name]!
      out += "\n[runtime.handlers.\(name)]\n"
      out += line("path", quote(handler.path), "the OCI runtime binary")
      out += line("root", quote(handler.root), "its --root; empty: the runtime's default")
      out += line("options", list(handler.options), "global options before the verb")
    }
    return out
  }

  private func line(_ key: String, _ value: String, _ comment: String) -> String {
    "# \(comment)\n\(key) = \(value)\n"
  }

  private func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 { out += "\\u" + hex4(scalar.value) } else { out.unicodeScalars.append(scalar) }
      }
    }
    return out + "\""
  }

  private func hex4(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }

  private func list(_ items: [String]) -> String { "[" + items.map(quote).joined(separator: ", ") + "]" }
}
