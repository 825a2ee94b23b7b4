import BerthError

/// The platform an image runs on (image spec "platform" of an index entry, and the same fields of
/// an image config). Names follow Go's GOOS/GOARCH (`linux`, `amd64`, `arm64`), the variant the
/// CPU generation (`v7`, `v8`).
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The CPU architecture, such as `amd64` or `arm64`.
  public var architecture: String
  /// The operating system, such as `linux`.
  public var os: String
  /// The OS version (Windows builds); ignored by matching.
  public var osVersion: String?
  /// Required OS features (Windows); ignored by matching.
  public var osFeatures: [String]?
  /// The CPU variant, such as `v7` for arm or `v8` for arm64.
  public var variant: String?

  /// Creates a platform as given (not normalized; see `normalized`).
  /// - Parameters:
  ///   - architecture: the CPU architecture, such as `amd64`
  ///   - os: the operating system, such as `linux`
  ///   - variant: the CPU variant, such as `v7`
  ///   - osVersion: the OS version, if any
  ///   - osFeatures: the OS features, if any
  public init(
    architecture: String, os: String = "linux", variant: String? = nil, osVersion: String? = nil,
    osFeatures: [String]? = nil
  ) {
    self.architecture = architecture
    self.os = os
    self.variant = variant
    self.osVersion = osVersion
    self.osFeatures = osFeatures
  }

  enum CodingKeys: String, CodingKey {
    case architecture, os, variant
    case osVersion = "os.version"
    case osFeatures = "os.features"
  }

  /// Parses `os/arch[/variant]` or `arch` alone (os `linux`), as `--platform` takes it.
  /// - Parameter text: such as `linux/arm64/v8`, `linux/amd64` or `arm64`
  /// - Throws: `BerthError.invalid` ("invalid platform \"...\": ...").
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    guard !parts.contains(where: \.isEmpty) else {
      throw BerthError.invalid("invalid platform \"\(text)\": expected os/arch[/variant]")
    }
    switch parts.count {
    case 1: self.init(architecture: parts[0])
    case 2: self.init(architecture: parts[1], os: parts[0])
    case 3: self.init(architecture: parts[1], os: parts[0], variant: parts[2])
    default: throw BerthError.invalid("invalid platform \"\(text)\": expected os/arch[/variant]")
    }
  }

  /// `os/arch` or `os/arch/variant`.
  public var description: String {
    var text = os + "/" + architecture
    if let variant, !variant.isEmpty { text += "/" + variant }
    return text
  }

  /// The platform this binary was compiled for, normalized (`linux/amd64`, `linux/arm64/v8`, ...).
  public static let host: Platform = {
    #if arch(x86_64)
      Platform(architecture: "amd64")
    #elseif arch(arm64)
      Platform(architecture: "arm64", variant: "v8")
    #elseif arch(arm)
      Platform(architecture: "arm", variant: "v7")
    #elseif arch(i386)
      Platform(architecture: "386")
    #elseif arch(powerpc64le)
      Platform(architecture: "ppc64le")
    #elseif arch(s390x)
      Platform(architecture: "s390x")
    #elseif arch(riscv64)
      Platform(architecture: "riscv64")
    #else
      Platform(architecture: "unknown")
    #endif
  }()

  /// The canonical form, so equal platforms compare equal: lower case; `x86_64` → `amd64`;
  /// `aarch64` → `arm64` with the default variant `v8`; `armhf` → `arm` `v7`, `armel` → `arm`
  /// `v6`, `arm` without a variant → `v7`; `i386` → `386`; variants `8` → `v8`; an empty
  /// variant → nil. OS version and features are kept as they are.
  public var normalized: Platform {
    var result = self
    result.os = os.lowercased()
    if result.os == "macos" { result.os = "darwin" }
    var arch = architecture.lowercased()
    var variant = self.variant?.lowercased() ?? ""
    switch arch {
    case "i386", "i486", "i586", "i686", "x86":
      arch = "386"
      variant = ""
    case "x86_64", "x86-64", "amd64":
      arch = "amd64"
      if variant == "v1" { variant = "" }
    case "aarch64", "arm64":
      arch = "arm64"
      switch variant {
      case "", "8", "v8", "v8.0": variant = "v8"
      case "9", "9.0", "v9.0": variant = "v9"
      default: break
      }
    case "armhf":
      arch = "arm"
      variant = "v7"
    case "armel":
      arch = "arm"
      variant = "v6"
    case "arm", "armv7", "armv7l", "armv6", "armv6l", "armv5", "armv5l":
      if arch != "arm" {
        variant = "v" + String(arch.dropFirst(4).prefix(1))
        arch = "arm"
      }
      switch variant {
      case "", "7": variant = "v7"
      case "5", "6", "8": variant = "v" + variant
      default: break
      }
    default: break
    }
    result.architecture = arch
    result.variant = variant.isEmpty ? nil : variant
    return result
  }

  /// Whether an image built for `other` runs on this platform: same OS and architecture after
  /// normalization, and a compatible variant. Without a variant on this side any variant matches;
  /// an arm `v8` runs `v7`, `v6` and `v5` images, `v7` runs `v6` and `v5`. OS version and
  /// features are not compared.
  /// - Parameter other: the platform an image was built for (an index entry's platform)
  public func matches(_ other: Platform) -> Bool {
    let wanted = normalized
    let offered = other.normalized
    guard wanted.os == offered.os, wanted.architecture == offered.architecture else { return false }
    guard let wantedVariant = wanted.variant, wantedVariant != offered.variant else { return true }
    // The only variant compatibility is 32-bit arm's: newer CPUs run older code.
    guard wanted.architecture == "arm", let want = Self.armLevel(wantedVariant),
      let offer = offered.variant.flatMap(Self.armLevel)
    else { return false }
    return offer <= want
  }

  /// Whether `other` is this platform exactly: same OS, architecture and variant after
  /// normalization (`linux/arm64` is `linux/arm64/v8`).
  /// - Parameter other: the platform to compare with
  public func isExactly(_ other: Platform) -> Bool {
    let a = normalized
    let b = other.normalized
    return a.os == b.os && a.architecture == b.architecture && a.variant == b.variant
  }

  /// `v7` → 7, for arm variant ordering.
  static func armLevel(_ variant: String) -> Int? {
    guard variant.hasPrefix("v") else { return nil }
    return Int(variant.dropFirst())
  }
}
