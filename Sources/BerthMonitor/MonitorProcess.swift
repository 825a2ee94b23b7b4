#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthOCI
import BerthSys

/// The berth-monitor program: `berth-monitor --config <stateDir>/monitor.json --sync-fd 3`.
///
/// It forks at once and the parent exits 0, so the caller can reap it and the monitor (now an
/// orphan, adopted by init or the nearest subreaper) outlives the caller. The child becomes a
/// subreaper, runs `runtime create` with pipes as the container's stdio, reports
/// `{"pid":N}` or `{"error":"..."}` on the sync fd (see `SyncReport`), then copies the
/// container's output to the CRI log, serves `monitor.sock` (see `MonitorFiles`), and writes the
/// `ExitRecord` when the container's init ends.
public enum MonitorProcess {
  /// Runs the monitor with `arguments` (argv without the program name). Never returns.
  public static func main(_ arguments: [String]) -> Never {
    var configPath: String?
    var syncFD: Int32 = -1
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "--config": configPath = rest.popFirst()
      case "--sync-fd": syncFD = rest.popFirst().flatMap { Int32($0) } ?? -1
      default:
        usage("unknown argument \(argument)", syncFD: syncFD)
      }
    }
    guard let configPath, !configPath.isEmpty else { usage("--config is required", syncFD: syncFD) }

    // Detach first, before anything else is loaded or allocated, so the long-lived child
    // starts from a small process.
    let child = fork()
    if child < 0 {
      report(SyncReport(error: "berth-monitor: fork: \(Sys.describe(errno))"), on: syncFD)
      exit(1)
    }
    if child > 0 { _exit(0) }
    exit(Supervisor.run(configPath: configPath, syncFD: syncFD))
  }

  private static func usage(_ message: String, syncFD: Int32) -> Never {
    let text = "berth-monitor: \(message)\nusage: berth-monitor --config FILE [--sync-fd N]\n"
    _ = try? Sys.writeAll(fd: 2, Array(text.utf8), what: "stderr")
    report(SyncReport(error: "berth-monitor: \(message)"), on: syncFD)
    exit(2)
  }

  /// Writes the report as one JSON line on `fd` (if there is one).
  static func report(_ report: SyncReport, on fd: Int32) {
    guard fd >= 0, var bytes = try? JSON.encode(report) else { return }
    bytes.append(0x0a)
    _ = try? Sys.writeAll(fd: fd, bytes, what: "sync fd")
  }
}
