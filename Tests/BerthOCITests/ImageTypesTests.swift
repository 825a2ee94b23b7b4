import BerthError
import BerthOCI
import Testing

/// Digests, media types, platforms and index selection.
@Suite struct ImageTypesTests {
  static let sha256 = "609ae885223007bd9f05eda744d9911a4b75fc33af899a71bf3b15f102aa7152"
  static let sha512 = String(repeating: "0123456789abcdef", count: 8)

  // MARK: - Digest

  static let validDigests: [String] = [
    "sha256:\(sha256)",
    "sha512:\(sha512)",
    "blake3:\(sha256)",
    // Unregistered algorithms only need the spec's grammar (examples from the image spec).
    "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
    "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
    "a.b_c-d+e:x=",
  ]

  @Test(arguments: validDigests) func digestParses(_ text: String) throws {
    let digest = try Digest(parsing: text)
    #expect(digest.description == text)
    #expect(digest.algorithm + ":" + digest.encoded == text)
    #expect(digest.isRegistered == ["sha256", "sha512", "blake3"].contains(digest.algorithm))
  }

  static let invalidDigests: [(String, String)] = [
    ("", "expected algorithm:encoded"),
    ("sha256", "expected algorithm:encoded"),
    (":\(sha256)", "missing algorithm before ':'"),
    ("sha256:", "missing encoded hash after ':'"),
    ("sha256:" + String(sha256.dropLast()), "sha256 must be 64 hex digits, found 63"),
    ("sha256:\(sha256)0", "sha256 must be 64 hex digits, found 65"),
    ("sha256:\(sha256.uppercased())", "sha256 must be lower-case hex digits"),
    ("sha256:zz" + String(sha256.dropFirst(2)), "sha256 must be lower-case hex digits"),
    ("sha512:\(sha256)", "sha512 must be 128 hex digits, found 64"),
    ("SHA256:\(sha256)", "algorithm \"SHA256\" must match"),
    ("+sha:abc", "algorithm \"+sha\" must match"),
    ("sha+:abc", "algorithm \"sha+\" must match"),
    ("sh..a:abc", "algorithm \"sh..a\" must match"),
    ("foo:bar/baz", "encoded part must match [a-zA-Z0-9=_-]+"),
    ("foo:bar:baz", "encoded part must match"),
  ]

  @Test(arguments: invalidDigests) func digestRejects(_ text: String, _ why: String) {
    let error = #expect(throws: BerthError.self) { try Digest(parsing: text) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.hasPrefix("invalid digest \"\(text)\": \(why)") == true, "\(error?.message ?? "")")
  }

  @Test func digestCodableAndParts() throws {
    let digest = try Digest.sha256(hex: Self.sha256)
    #expect(digest == (try Digest(algorithm: "sha256", encoded: Self.sha256)))
    #expect(try JSON.string([digest]) == "[\"sha256:\(Self.sha256)\"]")
    #expect(try JSON.decode([Digest].self, from: JSON.encode([digest])) == [digest])
    let error = #expect(throws: BerthError.self) {
      try JSON.decode(ImageConfig.RootFS.self, from: Array(#"{"type":"layers","diff_ids":["sha256:abc"]}"#.utf8))
    }
    #expect(error?.message == "diff_ids[0]: invalid digest \"sha256:abc\": sha256 must be 64 hex digits, found 3")
  }

  // MARK: - Media types

  @Test func mediaTypeClassification() {
    #expect(MediaType.ociManifest.isManifest && MediaType.dockerManifest.isManifest)
    #expect(MediaType.ociIndex.isIndex && MediaType.dockerManifestList.isIndex)
    #expect(MediaType.ociConfig.isConfig && MediaType.dockerConfig.isConfig)
    #expect(MediaType.dockerSchema1SignedManifest.isSchema1 && !MediaType.dockerManifest.isSchema1)
    #expect(MediaType.ociLayer.layerCompression == .uncompressed)
    #expect(MediaType.ociLayerGzip.layerCompression == .gzip)
    #expect(MediaType.dockerLayerGzip.layerCompression == .gzip)
    #expect(MediaType.ociLayerNondistributableZstd.layerCompression == .zstd)
    #expect(MediaType.dockerForeignLayerGzip.isNondistributable && MediaType.dockerForeignLayerGzip.isLayer)
    #expect(!MediaType.ociConfig.isLayer)
    #expect(MediaType(rawValue: "application/x-unknown").layerCompression == nil)
    #expect(MediaType.ociLayerZstd.rawValue == "application/vnd.oci.image.layer.v1.tar+zstd")
  }

  // MARK: - Platform

  static let normalization: [(String, String?, String, String?)] = [
    ("x86_64", nil, "amd64", nil),
    ("x86-64", nil, "amd64", nil),
    ("amd64", "v1", "amd64", nil),
    ("amd64", "v3", "amd64", "v3"),
    ("AMD64", nil, "amd64", nil),
    ("aarch64", nil, "arm64", "v8"),
    ("arm64", nil, "arm64", "v8"),
    ("arm64", "8", "arm64", "v8"),
    ("arm64", "v8.0", "arm64", "v8"),
    ("arm64", "9", "arm64", "v9"),
    ("armhf", nil, "arm", "v7"),
    ("armel", nil, "arm", "v6"),
    ("arm", nil, "arm", "v7"),
    ("arm", "6", "arm", "v6"),
    ("armv7l", nil, "arm", "v7"),
    ("i386", nil, "386", nil),
    ("i686", nil, "386", nil),
    ("ppc64le", nil, "ppc64le", nil),
    ("s390x", "", "s390x", nil),
  ]

  @Test(arguments: normalization) func platformNormalizes(
    _ arch: String, _ variant: String?, _ wantArch: String, _ wantVariant: String?
  ) {
    let platform = Platform(architecture: arch, os: "Linux", variant: variant).normalized
    #expect(platform.os == "linux")
    #expect(platform.architecture == wantArch)
    #expect(platform.variant == wantVariant)
  }

  /// (wanted, offered, matches, exactly)
  static let matching: [(String, String, Bool, Bool)] = [
    ("linux/amd64", "linux/amd64", true, true),
    ("linux/x86_64", "linux/amd64", true, true),
    ("linux/amd64", "linux/amd64/v3", true, false),
    ("linux/amd64", "linux/arm64", false, false),
    ("linux/amd64", "windows/amd64", false, false),
    ("linux/arm64", "linux/arm64/v8", true, true),
    ("linux/aarch64", "linux/arm64", true, true),
    ("linux/arm64/v8", "linux/arm64/v9", false, false),
    ("linux/arm/v7", "linux/arm/v7", true, true),
    ("linux/armhf", "linux/arm", true, true),
    ("linux/arm/v7", "linux/arm/v6", true, false),
    ("linux/arm/v8", "linux/arm/v5", true, false),
    ("linux/arm/v6", "linux/arm/v7", false, false),
    ("linux/amd64", "unknown/unknown", false, false),
  ]

  @Test(arguments: matching) func platformMatches(_ wanted: String, _ offered: String, _ matches: Bool, _ exactly: Bool) throws {
    let want = try Platform(parsing: wanted)
    let offer = try Platform(parsing: offered)
    #expect(want.matches(offer) == matches)
    #expect(want.isExactly(offer) == exactly)
  }

  @Test func platformParsingAndHost() throws {
    #expect(try Platform(parsing: "arm64") == Platform(architecture: "arm64", os: "linux"))
    #expect(try Platform(parsing: "linux/arm/v7").description == "linux/arm/v7")
    for bad in ["", "linux/", "/amd64", "a/b/c/d", "linux//v7"] {
      let error = #expect(throws: BerthError.self) { try Platform(parsing: bad) }
      #expect(error?.message == "invalid platform \"\(bad)\": expected os/arch[/variant]")
    }
    #expect(Platform.host.os == "linux")
    #expect(Platform.host == Platform.host.normalized)
    #if arch(x86_64)
      #expect(Platform.host.description == "linux/amd64")
    #elseif arch(arm64)
      #expect(Platform.host.description == "linux/arm64/v8")
    #endif
    let json = #"{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1234","os.features":["win32k"]}"#
    let windows = try JSON.decode(Platform.self, from: Array(json.utf8))
    #expect(windows.osVersion == "10.0.17763.1234" && windows.osFeatures == ["win32k"])
    // Keys come out sorted.
    #expect(
      try JSON.string(windows)
        == #"{"architecture":"amd64","os":"windows","os.features":["win32k"],"os.version":"10.0.17763.1234"}"#)
  }

  // MARK: - Index selection

  static func entry(_ n: Int, _ platform: Platform?, _ type: MediaType = .ociManifest) throws -> Descriptor {
    let hex = String(repeating: String(n % 10), count: 64)
    return Descriptor(mediaType: type, digest: try Digest.sha256(hex: hex), size: Int64(500 + n), platform: platform)
  }

  /// amd64, arm64/v8, arm/v7 and a buildkit attestation (`unknown/unknown`).
  static func multiPlatform() throws -> Index {
    Index(manifests: [
      try entry(1, Platform(architecture: "amd64")),
      try entry(2, Platform(architecture: "arm64", variant: "v8")),
      try entry(3, Platform(architecture: "arm", variant: "v7")),
      try entry(4, Platform(architecture: "unknown", os: "unknown")),
    ])
  }

  /// (wanted platform, expected entry number)
  static let selections: [(String, Int)] = [
    ("linux/amd64", 1),
    ("linux/x86_64", 1),
    ("linux/arm64", 2),
    ("linux/arm64/v8", 2),
    ("linux/aarch64", 2),
    ("linux/arm/v7", 3),
    ("linux/armhf", 3),
    ("linux/arm/v8", 3),
  ]

  @Test(arguments: selections) func indexSelects(_ wanted: String, _ number: Int) throws {
    let index = try Self.multiPlatform()
    let chosen = try index.select(for: Platform(parsing: wanted))
    #expect(chosen == index.manifests[number - 1])
  }

  @Test func indexPrefersExactVariant() throws {
    let index = Index(manifests: [
      try Self.entry(1, Platform(architecture: "arm", variant: "v6")),
      try Self.entry(2, Platform(architecture: "arm", variant: "v5")),
      try Self.entry(3, Platform(architecture: "arm", variant: "v7")),
      try Self.entry(4, Platform(architecture: "arm64")),
      try Self.entry(5, Platform(architecture: "arm64", variant: "v8")),
    ])
    #expect(try index.select(for: Platform(parsing: "linux/arm/v7")).digest == index.manifests[2].digest)
    // No exact v8 arm entry: the highest compatible variant wins.
    #expect(try index.select(for: Platform(parsing: "linux/arm/v8")).digest == index.manifests[2].digest)
    #expect(try index.select(for: Platform(parsing: "linux/arm/v6")).digest == index.manifests[0].digest)
    // arm64 without a variant is v8: the first of the two equivalent entries.
    #expect(try index.select(for: Platform(parsing: "linux/arm64/v8")).digest == index.manifests[3].digest)
  }

  @Test func indexSelectionErrors() throws {
    let index = try Self.multiPlatform()
    let error = #expect(throws: BerthError.self) { try index.select(for: Platform(parsing: "linux/s390x")) }
    #expect(error?.code == .notFound)
    #expect(
      error?.message
        == "no manifest for platform linux/s390x in the index; available: linux/amd64, linux/arm64/v8, linux/arm/v7, unknown/unknown"
    )
    let v5 = #expect(throws: BerthError.self) { try index.select(for: Platform(parsing: "linux/arm/v5")) }
    #expect(v5?.message.contains("linux/arm/v5") == true)

    let empty = #expect(throws: BerthError.self) { try Index(manifests: []).select(for: .host) }
    #expect(empty?.message.hasSuffix("in the index; it lists no platforms") == true)

    // Entries that are not manifests never match, even with a matching platform.
    let blobs = Index(manifests: [try Self.entry(1, .host, .ociLayerGzip)])
    #expect(throws: BerthError.self) { try blobs.select(for: .host) }

    // An entry without a platform is the last resort, as containerd takes it.
    let unlabelled = Index(manifests: [try Self.entry(1, Platform(architecture: "mips64")), try Self.entry(2, nil)])
    #expect(try unlabelled.select(for: .host).digest == unlabelled.manifests[1].digest)
  }
}
