import BerthError
import BerthOCI
import GRDB

/// Image metadata in SQLite (GRDB), shared by berthd and the `berth` CLI on one machine.
///
/// A `DatabasePool` in WAL mode: readers never block the writer, and writers from several
/// processes wait for each other (busy timeout) instead of failing. Two tables:
/// - `images`: one row per image id (config digest), its manifest, sizes and layer lists;
/// - `names`: name → image id, so a name moves atomically when a newer image takes it.
final class ImageDatabase: Sendable {
  let pool: DatabasePool

  /// Opens (creating and migrating as needed) the database at `path`.
  init(path: String) throws {
    var configuration = Configuration()
    configuration.busyMode = .timeout(30)
    configuration.foreignKeysEnabled = true
    configuration.label = "berth-images"
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      try Self.migrator.migrate(pool)
    } catch {
      throw BerthError(.io, "opening image database \(path): \(error)")
    }
  }

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE images (
            id TEXT PRIMARY KEY NOT NULL,
            manifest_digest TEXT NOT NULL,
            index_digest TEXT,
            size INTEGER NOT NULL,
            unpacked_size INTEGER NOT NULL,
            created TEXT,
            pulled_at INTEGER NOT NULL,
            platform TEXT NOT NULL,
            layers TEXT NOT NULL,
            diff_ids TEXT NOT NULL
          );
          CREATE TABLE names (
            name TEXT PRIMARY KEY NOT NULL,
            image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('tag', 'digest'))
          );
          CREATE INDEX names_by_image ON names(image_id);
          """)
    }
    return migrator
  }

  /// Runs `body` in a write transaction, turning database errors into `BerthError`s.
  func write<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch let error as BerthError { throw error } catch {
      throw BerthError(.io, "image database: \(error)")
    }
  }

  /// Runs `body` on a read snapshot.
  func read<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch let error as BerthError { throw error } catch {
      throw BerthError(.io, "image database: \(error)")
    }
  }

  // MARK: - Rows

  /// Inserts or replaces an image row (names are separate).
  static func upsert(_ image: ImageRecord, _ db: Database) throws {
    try db.execute(
      sql: """
        INSERT INTO images (id, manifest_digest, index_digest, size, unpacked_size, created, pulled_at, platform, layers, diff_ids)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, index_digest = excluded.index_digest,
          size = excluded.size, unpacked_size = excluded.unpacked_size, created = excluded.created,
          pulled_at = excluded.pulled_at, platform = excluded.platform, layers = excluded.layers, diff_ids = excluded.diff_ids
        """,
      arguments: [
        image.id.description, image.manifestDigest.description, image.indexDigest?.description, image.size,
        image.unpackedSize, image.created, image.pulledAt, image.platform, joined(image.layers), joined(image.diffIDs),
      ])
  }

  /// Points `name` at `id`, taking it from any other image.
  static func setName(_ name: String, id: Digest, _ db: Database) throws {
    let kind = name.contains("@") ? "digest" : "tag"
    try db.execute(
      sql: "INSERT INTO names (name, image_id, kind) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id",
      arguments: [name, id.description, kind])
  }

  /// Every image with its names, newest first.
  static func all(_ db: Database) throws -> [ImageRecord] {
    let names = try Row.fetchAll(db, sql: "SELECT name, image_id, kind FROM names ORDER BY name")
    var tags: [String: [String]] = [:]
    var digests: [String: [String]] = [:]
    for row in names {
      let id: String = row["image_id"]
      if (row["kind"] as String) == "digest" { digests[id, default: []].append(row["name"]) } else {
        tags[id, default: []].append(row["name"])
      }
    }
    return try Row.fetchAll(db, sql: "SELECT * FROM images ORDER BY pulled_at DESC, id").map { row in
      let id: String = row["id"]
      return try record(row, names: tags[id] ?? [], repoDigests: digests[id] ?? [])
    }
  }

  static func record(_ row: Row, names: [String], repoDigests: [String]) throws -> ImageRecord {
    ImageRecord(
      id: try Digest(parsing: row["id"]), names: names, repoDigests: repoDigests,
      manifestDigest: try Digest(parsing: row["manifest_digest"]),
      indexDigest: try (row["index_digest"] as String?).map { try Digest(parsing: $0) }, size: row["size"],
      unpackedSize: row["unpacked_size"], created: row["created"], pulledAt: row["pulled_at"], platform: row["platform"],
      layers: try split(row["layers"]), diffIDs: try split(row["diff_ids"]))
  }

  static func joined(_ digests: [Digest]) -> String { digests.map(\.description).joined(separator: ",") }

  static func split(_ text: String) throws -> [Digest] {
    try text.split(separator: ",").map { try Digest(parsing: String($0)) }
  }
}
