import BerthError
import Foundation
import Testing

@testable import BerthImages

/// `AuthFile.load(path:)`: the `auth.json` / `~/.docker/config.json` format. No root, no network.
@Suite("AuthFile")
struct AuthFileTests {
  /// Writes `json` to a new temp file, runs `body` with its path, removes it.
  static func withFile<T>(_ json: String, _ body: (String) throws -> T) throws -> T {
    let dir = try Tools.tempDir("berth-auth-file")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try json.write(toFile: dir + "/auth.json", atomically: true, encoding: .utf8)
    return try body(dir + "/auth.json")
  }

  static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

  @Test("base64 auth, username and password, Docker Hub's legacy key, URL-shaped keys")
  func reads() throws {
    let json = """
      {"auths": {
        "registry.example:5000": {"auth": "\(Self.base64("alice:pa:ss"))"},
        "https://index.docker.io/v1/": {"auth": "\(Self.base64("bob:hub"))"},
        "quay.io": {"username": "carol", "password": "q"},
        "http://lab.example/v2/": {"auth": "\(Self.base64("dave:"))"},
        "nothing.example": {"auth": ""},
        "identity.example": {"identitytoken": "t"}
      }, "credHelpers": {"gcr.io": "gcloud"}}
      """
    let auths = try Self.withFile(json) { try AuthFile.load(path: $0) }
    #expect(auths["registry.example:5000"]?.user == "alice")
    #expect(auths["registry.example:5000"]?.password == "pa:ss", "only the first colon separates")
    #expect(auths["docker.io"]?.user == "bob" && auths["docker.io"]?.password == "hub")
    #expect(auths["quay.io"]?.user == "carol" && auths["quay.io"]?.password == "q")
    #expect(auths["lab.example"]?.user == "dave" && auths["lab.example"]?.password == "")
    #expect(Set(auths.keys) == ["registry.example:5000", "docker.io", "quay.io", "lab.example"])
  }

  @Test("a file without auths has no credentials")
  func noAuths() throws {
    #expect(try Self.withFile("{}") { try AuthFile.load(path: $0) }.isEmpty)
  }

  @Test("a named file that is missing is .notFound")
  func missing() throws {
    let error = #expect(throws: BerthError.self) { try AuthFile.load(path: "/nonexistent/berth/auth.json") }
    #expect(error?.code == .notFound)
    #expect(error?.message.contains("/nonexistent/berth/auth.json") == true)
  }

  @Test("malformed files are .invalidArgument naming the file", arguments: [
    "not json",
    "{\"auths\": []}",
    "{\"auths\": {\"r.example\": {\"auth\": \"%%%\"}}}",
    "{\"auths\": {\"r.example\": {\"auth\": \"\(base64("no-colon"))\"}}}",
  ])
  func malformed(json: String) throws {
    try Self.withFile(json) { path in
      let error = #expect(throws: BerthError.self) { try AuthFile.load(path: path) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains(path) == true, "\(String(describing: error))")
    }
  }

  @Test("the domain of a key", arguments: [
    ("docker.io", "docker.io"),
    ("https://index.docker.io/v1/", "docker.io"),
    ("index.docker.io", "docker.io"),
    ("registry-1.docker.io", "docker.io"),
    ("https://registry.example:5000/v2/", "registry.example:5000"),
    ("localhost:5000", "localhost:5000"),
    ("quay.io/team/repo", "quay.io"),
  ])
  func domain(key: String, domain: String) {
    #expect(AuthFile.domain(of: key) == domain)
  }
}
