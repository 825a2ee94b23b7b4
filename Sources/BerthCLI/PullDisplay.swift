#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthImages
import BerthOCI
import Synchronization

/// Shows a pull's progress: on a terminal, one redrawn line per layer with a bar; otherwise one
/// plain line per step (resolved, each layer done, stored), which logs and CI read well.
final class PullDisplay: Sendable {
  private struct Line {
    var digest: Digest
    var size: Int64
    var state: LayerState?
  }

  private struct State {
    var lines: [Line] = []
    var drawn = 0
    var lastDraw = ContinuousClock.now - .seconds(1)
  }

  private let quiet: Bool
  private let terminal: Bool
  private let state = Mutex(State())

  init(quiet: Bool, terminal: Bool) {
    self.quiet = quiet
    self.terminal = terminal
  }

  /// Takes one event of the pull.
  func handle(_ event: PullEvent) {
    guard !quiet else { return }
    state.withLock { state in
      switch event {
      case .resolved(let reference, let source, let manifest, let layers):
        emit("Resolved \(reference) from \(source): manifest \(manifest)", &state)
        state.lines = layers.map { Line(digest: $0.digest, size: $0.size) }
      case .mirrorFailed(let mirror, let reason):
        emit("Mirror \(mirror) failed (\(reason)); trying the next source", &state)
      case .layer(let digest, let layerState):
        guard let index = state.lines.firstIndex(where: { $0.digest == digest }) else { return }
        state.lines[index].state = layerState
        if terminal {
          if case .downloading = layerState, ContinuousClock.now - state.lastDraw < .milliseconds(100) { return }
          redraw(&state)
        } else if let word = Self.plainWord(layerState) {
          emit("Layer \(digest.encoded.prefix(12)) \(word) (\(Self.bytes(state.lines[index].size)))", &state)
        }
      case .stored(let image):
        if terminal { redraw(&state) }
        state.drawn = 0
        emit("Stored \(image.names.first ?? image.shortID) as \(image.shortID), \(Self.bytes(image.unpackedSize)) unpacked", &state)
      }
    }
  }

  /// Leaves the cursor below the bars.
  func finish() {
    state.withLock { $0.drawn = 0 }
  }

  private func emit(_ line: String, _ state: inout State) {
    if terminal { state.drawn = 0 }
    write(line + "\n")
  }

  private func redraw(_ state: inout State) {
    var text = state.drawn > 0 ? "\u{1B}[\(state.drawn)A" : ""
    for line in state.lines {
      text += "\u{1B}[2K" + Self.render(line) + "\n"
    }
    write(text)
    state.drawn = state.lines.count
    state.lastDraw = .now
  }

  private static func render(_ line: Line) -> String {
    let id = String(line.digest.encoded.prefix(12))
    switch line.state {
    case nil: return "\(id)  Waiting"
    case .present: return "\(id)  Already present"
    case .downloading(let done, let total):
      let width = 30
      let filled = total > 0 ? Int(Int64(width) * done / total) : 0
      let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
      return "\(id)  Downloading [\(bar)] \(bytes(done)) / \(bytes(total))"
    case .downloaded: return "\(id)  Downloaded \(bytes(line.size))"
    case .extracting: return "\(id)  Extracting"
    case .unpacked: return "\(id)  Done"
    }
  }

  private static func plainWord(_ state: LayerState) -> String? {
    switch state {
    case .present: return "already present"
    case .downloaded: return "downloaded"
    case .unpacked: return "unpacked"
    case .downloading, .extracting: return nil
    }
  }

  /// Sizes as `docker`/`podman` print them: decimal units, three significant digits.
  static func bytes(_ count: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    if unit == 0 { return "\(count)B" }
    let rounded = value >= 100 ? (value).rounded() : value >= 10 ? (value * 10).rounded() / 10 : (value * 100).rounded() / 100
    var text = "\(rounded)"
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text + units[unit]
  }

  private func write(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
      var done = 0
      while done < buffer.count {
        let n = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + done, buffer.count - done)
        if n <= 0 { return }
        done += n
      }
    }
  }
}
