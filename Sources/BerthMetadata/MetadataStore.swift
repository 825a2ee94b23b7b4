import BerthError
import Foundation
import GRDB

/// Pods and containers in SQLite (GRDB, WAL), in `<root>/berth.db`, beside the image store's
/// `images.db`: berthd writes it, the `berth` CLI may read it while berthd runs.
///
/// Schema (v1): `pods(id, reserved_name UNIQUE, record JSON)`, `containers(id, pod_id,
/// reserved_name UNIQUE, record JSON)`. A record is the whole Codable struct as JSON; the
/// columns beside it are what is looked up or must be unique. A second pod or container with a
/// reserved name fails with `.alreadyExists` and changes nothing.
public final class MetadataStore: Sendable {
  let pool: DatabasePool

  /// Opens (creating and migrating) the database at `path`.
  public init(path: String) throws {
    var configuration = Configuration()
    configuration.busyMode = .timeout(30)
    configuration.label = "berth-metadata"
    // WAL with synchronous=NORMAL: a commit does not wait for fsync; the database stays
    // consistent, and only a power loss or kernel crash can take back the last commits, which
    // describe containers that such a crash ends anyway (their state lives in /run).
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      try Self.migrator.migrate(pool)
    } catch {
      throw BerthError(.io, "opening metadata database \(path): \(error)")
    }
  }

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE pods (
            id TEXT PRIMARY KEY NOT NULL,
            reserved_name TEXT NOT NULL UNIQUE,
            record BLOB NOT NULL
          );
          CREATE TABLE containers (
            id TEXT PRIMARY KEY NOT NULL,
            pod_id TEXT NOT NULL,
            reserved_name TEXT NOT NULL UNIQUE,
            record BLOB NOT NULL
          );
          CREATE INDEX containers_by_pod ON containers(pod_id);
          """)
    }
    return migrator
  }

  // MARK: - Pods

  /// Adds a pod; `.alreadyExists` when its id or reserved name is taken.
  public func insert(_ pod: PodRecord) throws {
    try write { db in
      if let holder = try String.fetchOne(db, sql: "SELECT id FROM pods WHERE reserved_name = ?", arguments: [pod.reservedName]) {
        throw BerthError(
          .alreadyExists, "pod sandbox name \"\(pod.reservedName)\" is reserved by pod \(holder)")
      }
      try db.execute(
        sql: "INSERT INTO pods (id, reserved_name, record) VALUES (?, ?, ?)",
        arguments: [pod.id, pod.reservedName, try Self.encode(pod)])
    }
  }

  /// Replaces a pod's record (same id).
  public func update(_ pod: PodRecord) throws {
    try write { db in
      try db.execute(sql: "UPDATE pods SET record = ? WHERE id = ?", arguments: [try Self.encode(pod), pod.id])
      if db.changesCount == 0 { throw BerthError(.notFound, "pod sandbox \(pod.id) not found") }
    }
  }

  /// The pod with this id.
  public func pod(_ id: String) throws -> PodRecord? {
    try read { db in
      try Data.fetchOne(db, sql: "SELECT record FROM pods WHERE id = ?", arguments: [id]).map { try Self.decode(PodRecord.self, $0) }
    }
  }

  /// Every pod.
  public func pods() throws -> [PodRecord] {
    try read { db in try Data.fetchAll(db, sql: "SELECT record FROM pods").map { try Self.decode(PodRecord.self, $0) } }
  }

  /// Removes a pod and every container record of it.
  public func removePod(_ id: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM containers WHERE pod_id = ?", arguments: [id])
      try db.execute(sql: "DELETE FROM pods WHERE id = ?", arguments: [id])
    }
  }

  // MARK: - Containers

  /// Adds a container; `.alreadyExists` when its id or reserved name is taken, `.notFound`
  /// when its pod does not exist.
  public func insert(_ container: ContainerRecord) throws {
    try write { db in
      guard try Bool.fetchOne(db, sql: "SELECT 1 FROM pods WHERE id = ?", arguments: [container.podID]) != nil else {
        throw BerthError(.notFound, "pod sandbox \(container.podID) not found")
      }
      if let holder = try String.fetchOne(
        db, sql: "SELECT id FROM containers WHERE reserved_name = ?", arguments: [container.reservedName])
      {
        throw BerthError(
          .alreadyExists,
          "container name \"\(container.name)\" (attempt \(container.attempt)) is reserved by container \(holder) in pod \(container.podID)")
      }
      try db.execute(
        sql: "INSERT INTO containers (id, pod_id, reserved_name, record) VALUES (?, ?, ?, ?)",
        arguments: [container.id, container.podID, container.reservedName, try Self.encode(container)])
    }
  }

  /// Replaces a container's record (same id).
  public func update(_ container: ContainerRecord) throws {
    try write { db in
      try db.execute(
        sql: "UPDATE containers SET record = ? WHERE id = ?", arguments: [try Self.encode(container), container.id])
      if db.changesCount == 0 { throw BerthError(.notFound, "container \(container.id) not found") }
    }
  }

  /// The container with this id.
  public func container(_ id: String) throws -> ContainerRecord? {
    try read { db in
      try Data.fetchOne(db, sql: "SELECT record FROM containers WHERE id = ?", arguments: [id]).map {
        try Self.decode(ContainerRecord.self, $0)
      }
    }
  }

  /// Every container, or those of one pod.
  public func containers(pod: String? = nil) throws -> [ContainerRecord] {
    try read { db in
      let rows =
        if let pod {
          try Data.fetchAll(db, sql: "SELECT record FROM containers WHERE pod_id = ?", arguments: [pod])
        } else {
          try Data.fetchAll(db, sql: "SELECT record FROM containers")
        }
      return try rows.map { try Self.decode(ContainerRecord.self, $0) }
    }
  }

  /// Removes a container record.
  public func removeContainer(_ id: String) throws {
    try write { db in try db.execute(sql: "DELETE FROM containers WHERE id = ?", arguments: [id]) }
  }

  // MARK: - Plumbing

  private static func encode<T: Encodable>(_ value: T) throws -> Data {
    try JSONEncoder().encode(value)
  }

  private static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
    do { return try JSONDecoder().decode(type, from: data) } catch {
      throw BerthError(.io, "metadata database: unreadable \(type) record: \(error)")
    }
  }

  private func write<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch let error as BerthError { throw error } catch {
      throw BerthError(.io, "metadata database: \(error)")
    }
  }

  private func read<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch let error as BerthError { throw error } catch {
      throw BerthError(.io, "metadata database: \(error)")
    }
  }
}
