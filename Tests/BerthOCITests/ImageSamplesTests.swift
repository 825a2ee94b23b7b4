import BerthError
import BerthOCI
import Testing

/// Real-world documents (shaped like what Docker Hub, registry.k8s.io and buildkit serve), decoded
/// with BerthOCI's own JSON codec and round-tripped through `JSON.encode`.
@Suite struct ImageSamplesTests {
  static let ociManifest = #"""
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:39a89df0eec326f7e3c82645fb05b3253f443858dc210fcfaed317243f9ab261",
        "size": 1457
      },
      "layers": [
        {
          "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
          "digest": "sha256:609ae885223007bd9f05eda744d9911a4b75fc33af899a71bf3b15f102aa7152",
          "size": 2152262
        },
        {
          "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
          "digest": "sha256:950ec964dc52a992b08cbccc8293c24e448175a129780f8dd4487a19e9e58e93",
          "size": 32,
          "annotations": { "org.opencontainers.image.title": "etc.tar.zst" }
        }
      ],
      "annotations": {
        "com.docker.official-images.bashbrew.arch": "amd64",
        "org.opencontainers.image.base.name": "scratch",
        "org.opencontainers.image.created": "2024-09-26T21:31:42Z",
        "org.opencontainers.image.revision": "3fb6ebca4163bf5b9cc496ac3e8f11cb1e754aee",
        "org.opencontainers.image.source": "https://github.com/docker-library/busybox.git",
        "org.opencontainers.image.url": "https://hub.docker.com/_/busybox",
        "org.opencontainers.image.version": "1.37.0-glibc"
      }
    }
    """#

  static let signature = #"""
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
      "config": {
        "mediaType": "application/vnd.oci.empty.v1+json",
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "size": 2,
        "data": "e30="
      },
      "layers": [
        {
          "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
          "digest": "sha256:1b283e7a38303094b4b2e54f6843e634545c68395f01ecb9ce84771f833f22fe",
          "size": 242,
          "annotations": { "dev.cosignproject.cosign/signature": "MEUCIQDx...==" }
        }
      ],
      "subject": {
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": "sha256:4fb965fa77fa7a104c1913691b553a3cc0077bc8e8c09875b6ea1ec50a3e6435",
        "size": 9218
      }
    }
    """#

  static let dockerManifest = #"""
    {
       "schemaVersion": 2,
       "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
       "config": {
          "mediaType": "application/vnd.docker.container.image.v1+json",
          "size": 8154,
          "digest": "sha256:62d0c26a30c5e4b58cb3a92c9c12bf1513cbedf6c5813f6d9f4138de5e8acfdb"
       },
       "layers": [
          {
             "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "size": 29126484,
             "digest": "sha256:9c2d23e19461b7572e988d0384687c6fc974955847827a7be7be04eb56d4eb9a"
          },
          {
             "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
             "size": 41376155,
             "digest": "sha256:3adb82e684c3db50070f1a9d7954c64d34909fbea72d5be7706391ea11502f43"
          },
          {
             "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
             "size": 1654,
             "digest": "sha256:fc72ff5bc13b9d4ebd58278bb9b7ede1df7fb12e7c585cd68c1ed5d6036e3c93",
             "urls": ["https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:fc72ff5bc13b9d4ebd58278bb9b7ede1df7fb12e7c585cd68c1ed5d6036e3c93"]
          }
       ]
    }
    """#

  static let manifestList = #"""
    {
      "manifests": [
        {
          "digest": "sha256:4801cfcd0ea0f3421b3538ab95466951abe204e7fa7395a37efb431c1d55157c",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "amd64", "os": "linux" },
          "size": 1165
        },
        {
          "digest": "sha256:4953ac3840c6a9990d79327acb520e354f7e920b5b5919e34f8141160d9f7310",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "arm", "os": "linux", "variant": "v6" },
          "size": 1165
        },
        {
          "digest": "sha256:f24377816c712725b9434f7499524d304ce89e5da6bd00687bdfd9ba8a244758",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "arm", "os": "linux", "variant": "v7" },
          "size": 1165
        },
        {
          "digest": "sha256:39a89df0eec326f7e3c82645fb05b3253f443858dc210fcfaed317243f9ab261",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "arm64", "os": "linux", "variant": "v8" },
          "size": 1165
        },
        {
          "digest": "sha256:609ae885223007bd9f05eda744d9911a4b75fc33af899a71bf3b15f102aa7152",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "386", "os": "linux" },
          "size": 1165
        },
        {
          "digest": "sha256:950ec964dc52a992b08cbccc8293c24e448175a129780f8dd4487a19e9e58e93",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": { "architecture": "s390x", "os": "linux" },
          "size": 1165
        },
        {
          "digest": "sha256:1b283e7a38303094b4b2e54f6843e634545c68395f01ecb9ce84771f833f22fe",
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "platform": {
            "architecture": "amd64",
            "os": "windows",
            "os.version": "10.0.17763.5576",
            "os.features": ["win32k"]
          },
          "size": 2103
        }
      ],
      "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
      "schemaVersion": 2
    }
    """#

  /// A buildkit index: one image per platform plus an attestation manifest for each.
  static let buildkitIndex = #"""
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.index.v1+json",
      "manifests": [
        {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:62d0c26a30c5e4b58cb3a92c9c12bf1513cbedf6c5813f6d9f4138de5e8acfdb",
          "size": 2290,
          "platform": { "architecture": "arm64", "os": "linux" }
        },
        {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:9c2d23e19461b7572e988d0384687c6fc974955847827a7be7be04eb56d4eb9a",
          "size": 2290,
          "platform": { "architecture": "amd64", "os": "linux" }
        },
        {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:3adb82e684c3db50070f1a9d7954c64d34909fbea72d5be7706391ea11502f43",
          "size": 839,
          "annotations": {
            "vnd.docker.reference.digest": "sha256:62d0c26a30c5e4b58cb3a92c9c12bf1513cbedf6c5813f6d9f4138de5e8acfdb",
            "vnd.docker.reference.type": "attestation-manifest"
          },
          "platform": { "architecture": "unknown", "os": "unknown" }
        }
      ],
      "annotations": { "org.opencontainers.image.ref.name": "3.20" }
    }
    """#

  @Test func ociManifest() throws {
    let manifest = try JSON.decode(Manifest.self, from: Array(Self.ociManifest.utf8))
    #expect(manifest.schemaVersion == 2)
    #expect(manifest.mediaType == .ociManifest)
    #expect(manifest.config.mediaType == .ociConfig)
    #expect(manifest.config.size == 1457)
    #expect(manifest.config.digest.encoded == "39a89df0eec326f7e3c82645fb05b3253f443858dc210fcfaed317243f9ab261")
    #expect(manifest.layers.map(\.mediaType.layerCompression) == [.gzip, .zstd])
    #expect(manifest.layers[0].size == 2_152_262)
    #expect(manifest.layers[1].annotations?["org.opencontainers.image.title"] == "etc.tar.zst")
    #expect(manifest.annotations?["org.opencontainers.image.version"] == "1.37.0-glibc")
    #expect(manifest.subject == nil && manifest.artifactType == nil)
    try Self.roundTrips(manifest)
  }

  @Test func artifactManifestWithSubject() throws {
    let manifest = try JSON.decode(Manifest.self, from: Array(Self.signature.utf8))
    #expect(manifest.artifactType == "application/vnd.dev.cosign.artifact.sig.v1+json")
    #expect(manifest.config.mediaType == .ociEmpty)
    #expect(manifest.config.data == "e30=")
    #expect(manifest.subject?.mediaType == .ociIndex)
    #expect(manifest.subject?.size == 9218)
    #expect(manifest.layers.first?.mediaType.isLayer == false)
    try Self.roundTrips(manifest)
  }

  @Test func dockerSchema2Manifest() throws {
    let manifest = try JSON.decode(Manifest.self, from: Array(Self.dockerManifest.utf8))
    #expect(manifest.mediaType == .dockerManifest)
    #expect(manifest.config.mediaType == .dockerConfig)
    #expect(manifest.layers.count == 3)
    #expect(manifest.layers.allSatisfy { $0.mediaType.layerCompression == .gzip })
    #expect(manifest.layers[2].mediaType.isNondistributable)
    #expect(manifest.layers[2].urls?.first?.hasPrefix("https://mcr.microsoft.com/") == true)
    #expect(manifest.layers.reduce(0) { $0 + $1.size } == 29_126_484 + 41_376_155 + 1654)
    try Self.roundTrips(manifest)
  }

  @Test func dockerManifestList() throws {
    let list = try JSON.decode(Index.self, from: Array(Self.manifestList.utf8))
    #expect(list.mediaType == .dockerManifestList)
    #expect(list.manifests.count == 7)
    #expect(
      list.platforms.map(\.description)
        == ["linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8", "linux/386", "linux/s390x", "windows/amd64"])
    let windows = list.manifests[6].platform
    #expect(windows?.osVersion == "10.0.17763.5576" && windows?.osFeatures == ["win32k"])
    #expect(try list.select(for: Platform(parsing: "linux/amd64")).digest == list.manifests[0].digest)
    #expect(try list.select(for: Platform(parsing: "linux/arm64")).digest == list.manifests[3].digest)
    #expect(try list.select(for: Platform(parsing: "linux/arm/v7")).digest == list.manifests[2].digest)
    #expect(try list.select(for: Platform(parsing: "linux/i386")).digest == list.manifests[4].digest)
    #expect(try list.select(for: Platform(parsing: "windows/amd64")).digest == list.manifests[6].digest)
    let error = #expect(throws: BerthError.self) { try list.select(for: Platform(parsing: "linux/riscv64")) }
    #expect(error?.message.contains("available: linux/amd64, linux/arm/v6, linux/arm/v7") == true)
    try Self.roundTrips(list)
  }

  @Test func buildkitIndexSkipsAttestations() throws {
    let index = try JSON.decode(Index.self, from: Array(Self.buildkitIndex.utf8))
    #expect(index.mediaType == .ociIndex)
    #expect(index.annotations?["org.opencontainers.image.ref.name"] == "3.20")
    #expect(try index.select(for: Platform(parsing: "linux/arm64/v8")).digest == index.manifests[0].digest)
    #expect(try index.select(for: Platform(parsing: "linux/amd64")).size == 2290)
    #expect(throws: BerthError.self) { try index.select(for: Platform(parsing: "linux/arm/v7")) }
    try Self.roundTrips(index)
  }

  @Test func invalidDigestNamesItsPath() {
    let broken = Self.dockerManifest.replacing(
      "9c2d23e19461b7572e988d0384687c6fc974955847827a7be7be04eb56d4eb9a", with: "9C2D")
    let error = #expect(throws: BerthError.self) { try JSON.decode(Manifest.self, from: Array(broken.utf8)) }
    #expect(error?.message == "layers[0].digest: invalid digest \"sha256:9C2D\": sha256 must be lower-case hex digits")
  }

  /// Encoding and decoding again gives the same value, and encoding that gives the same bytes.
  static func roundTrips<T: Codable & Equatable>(_ value: T) throws {
    let bytes = try JSON.encode(value)
    let again = try JSON.decode(T.self, from: bytes)
    #expect(again == value)
    #expect(try JSON.encode(again) == bytes)
  }
}
