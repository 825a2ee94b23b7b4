import BerthError
import BerthOCI
import BerthSys
import Foundation

/// Registry credentials from a file in the format `docker login` and `podman login` write
/// (`{"auths": {"registry.example": {"auth": "<base64 user:password>"}}}`).
public enum AuthFile {
  private struct File: Decodable {
    var auths: [String: Entry]?
  }

  private struct Entry: Decodable {
    var auth: String?
    var username: String?
    var password: String?
  }

  /// Where credentials are looked for when no file is named: `$REGISTRY_AUTH_FILE`,
  /// `$XDG_RUNTIME_DIR/containers/auth.json`, `/run/containers/<uid>/auth.json`,
  /// `$HOME/.docker/config.json`.
  public static func defaultPaths() -> [String] {
    let env = ProcessInfo.processInfo.environment
    var paths: [String] = []
    if let file = env["REGISTRY_AUTH_FILE"] { paths.append(file) }
    if let runtime = env["XDG_RUNTIME_DIR"] { paths.append(runtime + "/containers/auth.json") }
    paths.append("/run/containers/\(getuid())/auth.json")
    if let home = env["HOME"] { paths.append(home + "/.docker/config.json") }
    return paths
  }

  /// Reads credentials per registry domain. Docker Hub's legacy key
  /// (`https://index.docker.io/v1/`) is read as `docker.io`; URL schemes and paths are dropped.
  /// - Parameter path: the file; nil reads the first of `defaultPaths()` that exists
  /// - Returns: user and password per domain
  /// - Throws: `BerthError` for a named file that is missing, or any file that is malformed
  public static func load(path: String? = nil) throws -> [String: (user: String, password: String)] {
    guard let file = path ?? defaultPaths().first(where: { Sys.exists($0) }) else { return [:] }
    let bytes: [UInt8]
    do { bytes = Array(try Sys.readFile(file).utf8) } catch { throw BerthError(.notFound, "auth file \(file): \(error)") }
    let decoded: File
    do { decoded = try JSON.decode(File.self, from: bytes) } catch {
      throw BerthError.invalid("auth file \(file) is not valid: \(error)")
    }
    var result: [String: (user: String, password: String)] = [:]
    for (key, entry) in decoded.auths ?? [:] {
      let domain = Self.domain(of: key)
      if let user = entry.username, let password = entry.password {
        result[domain] = (user, password)
      } else if let auth = entry.auth, !auth.isEmpty {
        guard let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
          let colon = text.firstIndex(of: ":")
        else { throw BerthError.invalid("auth file \(file): the auth of \(key) is not base64 of user:password") }
        result[domain] = (String(text[..<colon]), String(text[text.index(after: colon)...]))
      }
    }
    return result
  }

  /// `docker.io` for Docker Hub's legacy keys; the host[:port] of any URL-shaped key.
  static func domain(of key: String) -> String {
    var key = key
    for scheme in ["https://", "http://"] where key.hasPrefix(scheme) { key.removeFirst(scheme.count) }
    if let slash = key.firstIndex(of: "/") { key = String(key[..<slash]) }
    return key == "index.docker.io" || key == "registry-1.docker.io" ? Reference.dockerHub : key
  }
}
