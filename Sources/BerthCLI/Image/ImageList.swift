#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthImages
import BerthOCI

/// `berth images`: the stored images, one row per name (untagged images as `<none>`).
struct ImageList: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "images", abstract: "List images.", aliases: ["ls", "list"])

  @OptionGroup var options: StoreOptions

  @Option(help: "Output format: table or json.")
  var format: OutputFormat = .table

  @Flag(name: .shortAndLong, help: "Print only image ids.")
  var quiet = false

  @Flag(help: "Show the repository digest column.")
  var digests = false

  @Flag(help: "Do not truncate ids.")
  var noTrunc = false

  func run() async throws {
    let images = try options.store().list()
    if format == .json {
      print(try JSONOutput.encode(images.map(ImageSummary.init)))
      return
    }
    if quiet {
      var seen = Set<Digest>()
      for image in images where seen.insert(image.id).inserted { print(noTrunc ? image.id.description : image.shortID) }
      return
    }
    var rows: [[String]] = [["REPOSITORY", "TAG"] + (digests ? ["DIGEST"] : []) + ["IMAGE ID", "CREATED", "SIZE"]]
    let now = Int64(time(nil))
    for image in images {
      let names = image.names.isEmpty ? ["<none>:<none>"] : image.names
      for name in names {
        let (repository, tag) = Self.split(name)
        let digest = image.repoDigests.first { $0.hasPrefix(repository + "@") }.map { String($0.split(separator: "@")[1]) } ?? "<none>"
        // Full names, as Podman shows them (docker.io/library/ kept).
        rows.append(
          [repository, tag] + (digests ? [digest] : []) + [
            noTrunc ? image.id.description : image.shortID, Self.age(image.created, now: now), PullDisplay.bytes(image.unpackedSize),
          ])
      }
    }
    print(Table.render(rows), terminator: "")
  }

  /// `docker.io/library/busybox:latest` → (`docker.io/library/busybox`, `latest`).
  static func split(_ name: String) -> (String, String) {
    guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") else { return (name, "<none>") }
    return (String(name[..<colon]), String(name[name.index(after: colon)...]))
  }

  /// "3 days ago", from an RFC 3339 time.
  static func age(_ created: String?, now: Int64) -> String {
    guard let created, let seconds = RFC3339.seconds(created) else { return "unknown" }
    let delta = max(0, now - seconds)
    let steps: [(Int64, String)] = [(365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"), (86400, "day"), (3600, "hour"), (60, "minute")]
    for (size, unit) in steps where delta >= size {
      let n = delta / size
      return "\(n) \(unit)\(n == 1 ? "" : "s") ago"
    }
    return "\(delta) seconds ago"
  }
}

/// The JSON shape of one image in `berth images --format json` (Podman's field names).
struct ImageSummary: Encodable {
  var Id: String
  var Names: [String]
  var Digest: String
  var RepoDigests: [String]
  var Created: String?
  var Size: Int64
  var ContentSize: Int64
  var Platform: String

  init(_ image: ImageRecord) {
    Id = image.id.encoded
    Names = image.names
    Digest = (image.indexDigest ?? image.manifestDigest).description
    RepoDigests = image.repoDigests
    Created = image.created
    Size = image.unpackedSize
    ContentSize = image.size
    Platform = image.platform
  }
}
