// swift-tools-version: 6.0
// Berth: a Linux container runtime stack in Swift. See README.md for what each target owns.
import PackageDescription

/// Binaries that run once per container operation are static, non-PIE executables (lld: gold
/// prints glibc's static-link notes as warnings): no dynamic loader and no relocations at start.
/// Start-up time is part of the product (README, "Performance").
let staticStdlib: [LinkerSetting] = [
  .unsafeFlags(["-static-executable", "-use-ld=lld"])
]

let package = Package(
  name: "Berth",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "berth-runtime", targets: ["berth-runtime"]),
    .executable(name: "berth", targets: ["berth"]),
    .executable(name: "berthd", targets: ["berthd"]),
    .executable(name: "berth-monitor", targets: ["berth-monitor"]),
    .library(name: "BerthOCI", targets: ["BerthOCI"]),
    .library(name: "BerthRuntime", targets: ["BerthRuntime"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    // Errors shared by every layer: a code, a message and a cause chain. No dependencies.
    .target(name: "BerthError"),
    // Syscalls and constants the libc modulemaps lack (clone, setns, pivot_root, capset, prctl,
    // ioctl, mount_setattr, ...). Thin wrappers only; each says why it is C.
    .target(name: "CLinuxSys"),
    // libseccomp from Debian (libseccomp-dev), found through pkg-config.
    .systemLibrary(name: "CLibseccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
    // Linux wrappers in Swift over CLinuxSys and Glibc: files, mounts, namespaces, capabilities,
    // rlimits, signals, processes, sockets with SCM_RIGHTS, locks.
    .target(name: "BerthSys", dependencies: ["BerthError", "CLinuxSys"]),
    // OCI runtime-spec types (config, state, features), validation and the default spec. No I/O.
    .target(name: "BerthOCI", dependencies: ["BerthError"]),
    // cgroup v1 and v2 managers behind one protocol, over a filesystem seam tests can fake.
    .target(name: "BerthCgroups", dependencies: ["BerthError", "BerthOCI", "CLinuxSys"]),
    // OCI seccomp profile to a loaded BPF filter through libseccomp.
    .target(name: "BerthSeccomp", dependencies: ["BerthError", "BerthOCI", "CLibseccomp"]),
    // The container lifecycle: state directory, create/start/kill/delete/exec, rootfs, hooks.
    .target(
      name: "BerthRuntime",
      dependencies: ["BerthError", "BerthOCI", "BerthSys", "BerthCgroups", "BerthSeccomp", "CLinuxSys"]),
    // The runc/crun command-line grammar, one verb per file.
    .target(
      name: "BerthRuntimeCLI",
      dependencies: ["BerthRuntime", "BerthSeccomp"]),
    .executableTarget(name: "berth-runtime", dependencies: ["BerthRuntimeCLI"], linkerSettings: staticStdlib),

    // Images (issue 3). libarchive from Debian (libarchive-dev): tar, gzip, zstd.
    .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
    // Content-addressed blob store: ingest, digest verification, atomic commit.
    .target(
      name: "BerthContent",
      dependencies: ["BerthError", "BerthOCI", "BerthSys", .product(name: "Crypto", package: "swift-crypto")]),
    // overlayfs snapshots keyed by chain ID: prepare, commit, view, remove, mounts.
    .target(
      name: "BerthSnapshots",
      dependencies: ["BerthError", "BerthOCI", "BerthSys", .product(name: "Crypto", package: "swift-crypto")]),
    // OCI distribution client: auth challenges, tokens, manifests, blobs into the content store.
    .target(
      name: "BerthRegistry",
      dependencies: [
        "BerthError", "BerthOCI", "BerthContent", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),
    // Layer tar streams applied to a directory: whiteouts, ownership, path safety.
    .target(
      name: "BerthArchive",
      dependencies: [
        "BerthError", "BerthOCI", "BerthSys", "CArchive", "CLinuxSys", .product(name: "Crypto", package: "swift-crypto"),
      ]),

    // The image store over the pieces above: pull, names, removal, GC, import/export; metadata
    // in SQLite (GRDB). berthd's ImageService and the `berth` CLI are thin layers over it.
    .target(
      name: "BerthImages",
      dependencies: [
        "BerthError", "BerthOCI", "BerthSys", "BerthContent", "BerthSnapshots", "BerthArchive", "BerthRegistry",
        .product(name: "GRDB", package: "GRDB.swift"), .product(name: "TOMLKit", package: "TOMLKit"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]),

    // The `berth` command line: one verb per file, a folder per noun.
    .target(
      name: "BerthCLI",
      dependencies: [
        "BerthImages", "BerthRegistry", "BerthOCI", "BerthError",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "berth", dependencies: ["BerthCLI"]),

    // Pods and containers (issue 4).
    // CNI client per the CNI spec: conflists from a directory, plugin execution (ADD/DEL/CHECK),
    // results cached on disk so DEL works after a restart. Synchronous; callers offload.
    .target(name: "BerthCNI", dependencies: ["BerthError", "BerthOCI", "BerthSys"]),
    // The per-container monitor (conmon's role): subreaper parent of the container, holds its
    // stdio, writes the CRI log format, records the exit. Single-threaded, poll loop, no Foundation.
    .target(name: "BerthMonitor", dependencies: ["BerthError", "BerthOCI", "BerthSys", "CLinuxSys"]),
    .executableTarget(name: "berth-monitor", dependencies: ["BerthMonitor"], linkerSettings: staticStdlib),
    // The daemon's side of a runtime handler: launches berth-monitor, calls the OCI runtime binary
    // (state/start/kill/delete/exec/update), reads exit files. Synchronous; callers offload.
    .target(name: "BerthRuntimeClient", dependencies: ["BerthError", "BerthOCI", "BerthSys", "BerthMonitor"]),
    // Pod and container records in SQLite (GRDB), next to images.db.
    .target(
      name: "BerthMetadata",
      dependencies: ["BerthError", "BerthOCI", .product(name: "GRDB", package: "GRDB.swift")]),

    // berthd (issue 4). The CRI runtime.v1 messages and services, generated by scripts/gen-cri
    // from ../shared/specs/cri/api.proto and committed; never edited by hand.
    .target(
      name: "BerthCRIProto",
      dependencies: [
        .product(name: "SwiftProtobuf", package: "swift-protobuf"), .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
      ]),
    // The CRI services over the libraries: one RPC per file.
    .target(
      name: "BerthCRI",
      dependencies: [
        "BerthCRIProto", "BerthImages", "BerthRegistry", "BerthOCI", "BerthError", "BerthSys", "BerthCNI",
        "BerthRuntimeClient", "BerthMetadata", "BerthSnapshots",
        .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "TOMLKit", package: "TOMLKit"),
        .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    // The daemon: the gRPC server on a unix socket.
    .executableTarget(
      name: "berthd",
      dependencies: [
        "BerthCRI", "BerthCRIProto", "BerthImages", .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    // The CRI lifecycle benchmark client (scripts/bench-cri): times every RPC against any CRI
    // endpoint, berthd or containerd. Not shipped.
    .executableTarget(
      name: "berth-cri-bench",
      dependencies: [
        "BerthCRIProto", .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/berth-cri-bench"),

    .testTarget(
      name: "BerthCRITests",
      dependencies: [
        "BerthCRI", "BerthCRIProto", "BerthImages", "BerthOCI", "BerthError", "BerthMetadata", "BerthRegistry",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ]),
    .testTarget(name: "BerthCNITests", dependencies: ["BerthCNI", "BerthSys", "BerthOCI"]),
    .testTarget(name: "BerthMonitorTests", dependencies: ["BerthMonitor", "BerthRuntimeClient", "BerthSys", "BerthOCI"]),
    .testTarget(name: "BerthMetadataTests", dependencies: ["BerthMetadata"]),
    .testTarget(name: "BerthOCITests", dependencies: ["BerthOCI"]),
    .testTarget(name: "BerthCgroupsTests", dependencies: ["BerthCgroups"]),
    .testTarget(name: "BerthSeccompTests", dependencies: ["BerthSeccomp"]),
    .testTarget(name: "BerthRuntimeTests", dependencies: ["BerthRuntime", "BerthSys"]),
    .testTarget(name: "BerthRuntimeCLITests", dependencies: ["BerthRuntimeCLI"]),
    .testTarget(name: "BerthIntegrationTests", dependencies: ["BerthOCI"]),
    .testTarget(name: "BerthContentTests", dependencies: ["BerthContent"]),
    .testTarget(name: "BerthArchiveTests", dependencies: ["BerthArchive"]),
    .testTarget(name: "BerthSnapshotsTests", dependencies: ["BerthSnapshots", "BerthArchive"]),
    // The token server of the auth tests signs JWTs with Crypto and serves HTTP with NIO (which
    // comes with async-http-client, as for BerthRegistry).
    .testTarget(
      name: "BerthRegistryTests", dependencies: ["BerthRegistry", .product(name: "Crypto", package: "swift-crypto")]),
    // Pull, names and GC against real docker-registry instances; Python helpers build OCI layouts
    // and cut connections (Support/*.py, run with python3, not compiled).
    .testTarget(
      name: "BerthImagesTests", dependencies: ["BerthImages", "BerthRegistry", "BerthOCI", "BerthContent", "BerthSnapshots", "BerthError"],
      exclude: ["Support/oci_layout.py", "Support/blob_proxy.py"]),
  ]
)
