#if canImport(Musl)
import Musl
#elseif canImport(Glibc)
import Glibc
#endif
import BerthArchive
import BerthError
import BerthOCI
import BerthSys

/// The formats `save` writes and `load` reads.
public enum ImageArchiveFormat: String, Sendable, CaseIterable {
  /// A tar of an OCI image layout (`oci-layout`, `index.json`, `blobs/`).
  case ociArchive = "oci-archive"
  /// An OCI image layout directory.
  case ociDir = "oci-dir"
  /// A tar that `docker load` reads: the OCI layout plus Docker's `manifest.json`.
  case dockerArchive = "docker-archive"
}

/// Where `save` puts files: a tar or a directory.
protocol LayoutSink {
  func addFile(_ name: String, bytes: [UInt8]) throws
  func addFile(_ name: String, from source: String) throws
  func addDirectory(_ name: String) throws
  func finish() throws
}

extension TarWriter: LayoutSink {}

/// A directory being filled with an OCI layout.
struct DirectorySink: LayoutSink {
  let root: String
  func addFile(_ name: String, bytes: [UInt8]) throws { try Sys.writeFileAtomically(root + "/" + name, bytes, mode: 0o644) }
  func addFile(_ name: String, from source: String) throws {
    // Blobs are immutable: a hard link when on the same filesystem, else a copy.
    if link(source, root + "/" + name) == 0 || errno == EEXIST { return }
    try copyFile(from: source, to: root + "/" + name)
  }
  func addDirectory(_ name: String) throws { try Sys.mkdirAll(root + "/" + name, mode: 0o755) }
  func finish() throws {}
}

extension ImageStore {
  /// The annotation holding an image's full name in a layout (containerd's and Berth's).
  static let nameAnnotation = "io.containerd.image.name"
  /// The OCI annotation holding the tag.
  static let refAnnotation = "org.opencontainers.image.ref.name"

  /// Writes images to an archive or layout directory that `load` (and Podman, containerd,
  /// Docker and skopeo) can read back.
  /// - Parameters:
  ///   - images: names or ids; each name given is kept in the archive
  ///   - path: the archive file (`-` for standard output) or, for `.ociDir`, the directory
  ///   - format: the format
  public func save(_ images: [String], to path: String, format: ImageArchiveFormat) throws {
    guard !images.isEmpty else { throw BerthError.invalid("name at least one image to save") }
    let records = try images.map { try get($0) }
    let sink: LayoutSink
    if format == .ociDir {
      if Sys.exists(path), !(try Sys.listDirectory(path)).isEmpty {
        throw BerthError(.alreadyExists, "\(path) exists and is not empty")
      }
      try Sys.mkdirAll(path, mode: 0o755)
      sink = DirectorySink(root: path)
    } else {
      sink = try TarWriter(path: path)
    }
    do {
      try writeLayout(records, asked: images, to: sink, docker: format == .dockerArchive)
      try sink.finish()
    } catch {
      // Nothing half-written stays: the archive goes, and so does what went into the (empty
      // or new) layout directory.
      if format == .ociDir {
        for name in (try? Sys.listDirectory(path)) ?? [] { try? Sys.removeAll(path + "/" + name) }
      } else if path != "-" {
        unlink(path)
      }
      throw error
    }
  }

  private func writeLayout(_ records: [ImageRecord], asked: [String], to sink: LayoutSink, docker: Bool) throws {
    try sink.addFile("oci-layout", bytes: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
    try sink.addDirectory("blobs")
    try sink.addDirectory("blobs/sha256")
    var written = Set<Digest>()
    var entries: [Descriptor] = []
    var dockerEntries: [DockerManifestEntry] = []
    for (record, text) in zip(records, asked) {
      let manifest = try manifest(of: record)
      let platform = try? Platform(parsing: record.platform)
      for blob in [record.manifestDigest, record.id] + record.layers where written.insert(blob).inserted {
        try sink.addFile("blobs/sha256/" + blob.encoded, from: try content.path(of: blob.description))
      }
      let names = Self.savedNames(record, asked: text)
      let size = try content.info(record.manifestDigest.description)?.size ?? 0
      for name in names.isEmpty ? [nil] : names.map(Optional.some) {
        var annotations: [String: String]?
        if let name, let ref = try? Reference(parsing: name) {
          annotations = [Self.nameAnnotation: ref.description, Self.refAnnotation: ref.tag ?? Reference.defaultTag]
        }
        entries.append(
          Descriptor(
            mediaType: manifest.mediaType ?? .ociManifest, digest: record.manifestDigest, size: size,
            annotations: annotations, platform: platform))
      }
      dockerEntries.append(
        DockerManifestEntry(
          Config: "blobs/sha256/" + record.id.encoded,
          RepoTags: names.compactMap { try? Reference(parsing: $0).familiar },
          Layers: record.layers.map { "blobs/sha256/" + $0.encoded }))
    }
    try sink.addFile("index.json", bytes: try JSON.encode(Index(manifests: entries)))
    if docker { try sink.addFile("manifest.json", bytes: try JSON.encode(dockerEntries)) }
  }

  /// The names an image is saved under: the one asked for when it is a name, else all its tags.
  static func savedNames(_ image: ImageRecord, asked: String) -> [String] {
    if isName(asked, of: image), let ref = try? Reference(parsing: asked), ref.digest == nil {
      return [ref.name + ":" + (ref.tag ?? Reference.defaultTag)]
    }
    return image.names
  }
}

/// Copies a file's bytes (blobs are immutable, so no attributes matter).
func copyFile(from source: String, to target: String) throws {
  let input = open(source, O_RDONLY | O_CLOEXEC)
  if input < 0 { throw Sys.error("opening \(source)") }
  defer { close(input) }
  let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
  if output < 0 { throw Sys.error("creating \(target)") }
  defer { close(output) }
  var buffer = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let n = buffer.withUnsafeMutableBytes { raw in Sys.retrying { read(input, raw.baseAddress, raw.count) } }
    if n < 0 { throw Sys.error("reading \(source)") }
    if n == 0 { return }
    var done = 0
    while done < n {
      let m = buffer.withUnsafeBytes { raw in Sys.retrying { write(output, raw.baseAddress! + done, n - done) } }
      if m < 0 { throw Sys.error("writing \(target)") }
      done += m
    }
  }
}

/// One image in Docker's `manifest.json`.
struct DockerManifestEntry: Codable {
  var Config: String
  var RepoTags: [String]?
  var Layers: [String]
}
