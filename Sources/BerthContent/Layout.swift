import BerthError
import BerthOCI
import Crypto

/// The on-disk layout of a content store, version 1. This comment is the one place the schema is
/// described; change it here, and bump the version, before changing the code.
///
/// ```
/// <root>/
///   blobs/sha256/<hex>          a complete, verified blob; mode 0444, never modified in place.
///                               Its name is the SHA-256 of its bytes (64 lowercase hex digits).
///                               It appears only by link(2) of a fully written and fsynced file,
///                               so a reader never sees a partial blob.
///   ingest/<sha256 of ref>/     one in-progress write, keyed by the caller's ref (e.g. the
///                               registry URL of the blob); mode 0700
///     lock                      empty; whoever holds flock(LOCK_EX) on it owns the ingest
///     ref                       the ref itself, UTF-8, no newline
///     startedat                 when the ingest began: Unix time in nanoseconds, decimal ASCII
///     data                      the bytes received so far; its size is the resume offset and
///                               its mtime the last activity (for garbage collection)
/// ```
///
/// Rules every process sharing the root follows (berthd and the daemonless CLI):
/// - Only the holder of `ingest/<k>/lock` touches `ingest/<k>/`, and it removes `lock` last, while
///   still holding it. A process that takes the lock then checks that the path still names the
///   inode it locked, and starts over if not (the previous holder removed it meanwhile).
/// - A blob is published by `link(ingest/<k>/data, blobs/sha256/<hex>)`. EEXIST means another
///   writer published the same bytes first, which is success: content addressing makes them equal.
/// - Deletion is `unlink` of the blob; readers that opened it keep their inode.
/// - Anything else under `blobs/sha256/` (a name that is not 64 lowercase hex digits) is ignored.
enum Layout {
  /// The layout version this code reads and writes.
  static let version = 1

  static func blobsDir(_ root: String) -> String { root + "/blobs/sha256" }
  static func ingestRoot(_ root: String) -> String { root + "/ingest" }
  static func blobPath(_ root: String, hex: String) -> String { blobsDir(root) + "/" + hex }
  /// The ingest directory of `ref`: named by the SHA-256 of the ref so any string is a safe key.
  static func ingestDir(_ root: String, ref: String) -> String {
    ingestRoot(root) + "/" + hexString(SHA256.hash(data: Array(ref.utf8)))
  }
}

/// Digest strings (`sha256:<64 lowercase hex>`) until BerthOCI has a `Digest` type.
enum Digests {
  static let prefix = "sha256:"

  /// The hex part of a valid digest string, or an error naming the string.
  static func hex(of digest: String) throws -> String {
    guard let colon = digest.firstIndex(of: ":") else {
      throw BerthError.invalid("invalid digest \"\(digest)\": expected sha256:<64 lowercase hex digits>")
    }
    let algorithm = digest[..<colon]
    let encoded = digest[digest.index(after: colon)...]
    guard algorithm == "sha256" else {
      if !algorithm.isEmpty && algorithm.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7a || $0 >= 0x30 && $0 <= 0x39 }) {
        throw BerthError(.unsupported, "unsupported digest algorithm \(algorithm) in \"\(digest)\": only sha256 is supported")
      }
      throw BerthError.invalid("invalid digest \"\(digest)\": expected sha256:<64 lowercase hex digits>")
    }
    guard isHex(encoded) else {
      throw BerthError.invalid("invalid digest \"\(digest)\": expected sha256:<64 lowercase hex digits>")
    }
    return String(encoded)
  }

  /// True for exactly 64 lowercase hex digits (a blob file name).
  static func isHex(_ text: Substring) -> Bool {
    text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
  }

  static func string(_ digest: SHA256.Digest) -> String { BerthOCI.Digest(sha256: digest).description }
}

/// Lowercase hex of a hash.
func hexString(_ digest: SHA256.Digest) -> String { BerthOCI.Digest(sha256: digest).encoded }
