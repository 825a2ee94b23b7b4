// swift-tools-version: 6.0
// Builds the protoc plugins scripts/gen-cri runs (protoc-gen-swift, protoc-gen-grpc-swift-2),
// kept out of the main package so its builds never compile them.
import PackageDescription

let package = Package(
  name: "protoc-plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
  ],
  targets: [
    // SwiftPM builds products of dependencies only for a package that has a target.
    .target(name: "Placeholder", path: "Placeholder")
  ]
)
