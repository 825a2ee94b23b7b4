import BerthCRIProto
import BerthError
import BerthOCI

/// Seccomp and AppArmor choices for containers and sandboxes, as containerd makes them.
enum SecurityProfiles {
  /// What the caller asked for, in either the `SecurityProfile` message or the deprecated
  /// `*_profile_path` string.
  enum Choice: Equatable {
    case runtimeDefault, unconfined
    case localhost(String)
  }

  /// The seccomp choice of a security context.
  ///
  /// The `seccomp` message wins when present. Otherwise `seccomp_profile_path`: empty or
  /// `unconfined` is unconfined, `runtime/default` and `docker/default` are the default profile,
  /// `localhost/<path>` a profile file; anything else is refused.
  /// - Parameter field: the security context's key path, for errors
  static func seccompChoice(_ message: Runtime_V1_SecurityProfile?, path: String, field: String) throws -> Choice {
    if let message { return try choice(message, field: field + ".seccomp") }
    switch path {
    case "", "unconfined": return .unconfined
    case "runtime/default", "docker/default": return .runtimeDefault
    default:
      guard path.hasPrefix("localhost/"), path.count > "localhost/".count else {
        throw BerthError.invalid(
          "\(field).seccomp_profile_path: \"\(path)\" is not runtime/default, docker/default, unconfined or localhost/<path>")
      }
      return .localhost(String(path.dropFirst("localhost/".count)))
    }
  }

  static func choice(_ message: Runtime_V1_SecurityProfile, field: String) throws -> Choice {
    switch message.profileType {
    case .localhost:
      var ref = message.localhostRef
      if ref.hasPrefix("localhost/") { ref.removeFirst("localhost/".count) }
      guard !ref.isEmpty else { throw BerthError.invalid("\(field): Localhost needs localhost_ref") }
      return .localhost(ref)
    case .runtimeDefault, .unconfined:
      guard message.localhostRef.isEmpty else {
        throw BerthError.invalid("\(field): localhost_ref may only be set with profile_type Localhost")
      }
      return message.profileType == .unconfined ? .unconfined : .runtimeDefault
    case .UNRECOGNIZED(let value):
      throw BerthError.invalid("\(field): unknown profile_type \(value)")
    }
  }

  /// The `linux.seccomp` section: none for privileged processes and Unconfined, the default
  /// profile (with the rules `capabilities` unlock) for RuntimeDefault, or the decoded file.
  /// - Parameters:
  ///   - choice: what was asked for
  ///   - privileged: privileged processes run without seccomp whatever was asked
  ///   - capabilities: the bounding set of the process
  ///   - profileRoot: where relative Localhost paths are looked up; empty: refused
  ///   - readProfile: reads a profile file
  ///   - field: the key path for errors
  /// - Throws: `.invalidArgument` for a relative path without a root, an unreadable file or one
  ///   that is not an OCI seccomp profile
  static func seccomp(
    _ choice: Choice, privileged: Bool, capabilities: [String], profileRoot: String,
    readProfile: (String) -> [UInt8]?, field: String
  ) throws -> Spec.Seccomp? {
    if privileged { return nil }
    switch choice {
    case .unconfined: return nil
    case .runtimeDefault: return DefaultSeccomp.profile(capabilities: capabilities)
    case .localhost(let ref):
      var path = ref
      if !path.hasPrefix("/") {
        guard !profileRoot.isEmpty else {
          throw BerthError.invalid("\(field): localhost seccomp profile \"\(ref)\" must be an absolute path")
        }
        path = profileRoot.hasSuffix("/") ? profileRoot + ref : profileRoot + "/" + ref
      }
      guard let bytes = readProfile(path) else {
        throw BerthError.invalid("\(field): cannot read localhost seccomp profile \(path)")
      }
      do {
        return try JSON.decode(Spec.Seccomp.self, from: bytes)
      } catch {
        throw BerthError.invalid("\(field): \(path) is not an OCI seccomp profile: \(error)")
      }
    }
  }

  /// Checks the AppArmor choice. This node has no AppArmor, so unconfined and runtime default
  /// (nothing to apply) are accepted and a named profile is refused rather than silently ignored.
  /// - Throws: `.unsupported` for a Localhost profile, `.invalidArgument` for a malformed one
  static func checkAppArmor(_ message: Runtime_V1_SecurityProfile?, name: String, field: String) throws {
    let choice: Choice
    if let message {
      choice = try self.choice(message, field: field + ".apparmor")
    } else {
      switch name {
      case "", "unconfined", "runtime/default": return
      default:
        guard name.hasPrefix("localhost/"), name.count > "localhost/".count else {
          throw BerthError.invalid(
            "\(field).apparmor_profile: \"\(name)\" is not runtime/default, unconfined or localhost/<profile>")
        }
        choice = .localhost(String(name.dropFirst("localhost/".count)))
      }
    }
    if case .localhost(let profile) = choice {
      throw BerthError(
        .unsupported, "\(field).apparmor: profile \"\(profile)\" cannot be applied: AppArmor is not enabled on this node")
    }
  }
}
