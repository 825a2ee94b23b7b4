import BerthOCI
import struct Crypto.SHA256

/// Chain IDs as the OCI image spec defines them ("Layer ChainID"): the name of the snapshot that
/// holds a layer applied on top of all the layers below it, so equal stacks share snapshots.
///
///     ChainID(L0)         = DiffID(L0)
///     ChainID(L0|...|Ln)  = sha256(ChainID(L0|...|Ln-1) + " " + DiffID(Ln))
///
/// The hash is taken over the two digests' string forms (`sha256:<hex>`), joined by one space.
public enum ChainID {
  /// The chain ID of every prefix of `diffIDs`: element `i` names the stack of layers `0...i`.
  /// - Parameter diffIDs: the uncompressed layer digests, bottom layer first (an image config's
  ///   `rootfs.diff_ids`)
  /// - Returns: one chain ID per layer, in the same order; empty for no layers
  public static func chainID(_ diffIDs: [Digest]) -> [Digest] {
    var result: [Digest] = []
    result.reserveCapacity(diffIDs.count)
    for diffID in diffIDs {
      guard let previous = result.last else {
        result.append(diffID)
        continue
      }
      result.append(sha256(previous.description + " " + diffID.description))
    }
    return result
  }

  /// The chain ID of the whole stack: the name of its top snapshot, nil for no layers.
  /// - Parameter diffIDs: the uncompressed layer digests, bottom layer first
  public static func top(_ diffIDs: [Digest]) -> Digest? { chainID(diffIDs).last }

  /// The sha256 digest of `text`'s UTF-8 bytes.
  static func sha256(_ text: String) -> Digest {
    Digest(sha256: SHA256.hash(data: Array(text.utf8)))
  }
}
