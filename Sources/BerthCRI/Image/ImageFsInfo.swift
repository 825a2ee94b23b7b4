import BerthCRIProto
import GRPCCore

#if canImport(Glibc)
import Glibc
#endif

extension ImageService {
  /// ImageFsInfo: bytes and inodes of the store's blobs and snapshots, on its filesystem.
  public func imageFsInfo(
    request: Runtime_V1_ImageFsInfoRequest, context: ServerContext
  ) async throws -> Runtime_V1_ImageFsInfoResponse {
    let usage: StoreUsageSnapshot
    do {
      let used = try store.usage()
      usage = StoreUsageSnapshot(bytes: used.contentBytes + used.snapshotBytes, inodes: used.contentBlobs + Int(used.snapshotInodes))
    } catch {
      throw rpcError(error)
    }
    var fs = Runtime_V1_FilesystemUsage()
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    fs.timestamp = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    var id = Runtime_V1_FilesystemIdentifier()
    id.mountpoint = mountpoint
    fs.fsID = id
    var bytes = Runtime_V1_UInt64Value()
    bytes.value = UInt64(max(0, usage.bytes))
    fs.usedBytes = bytes
    var inodes = Runtime_V1_UInt64Value()
    inodes.value = UInt64(max(0, usage.inodes))
    fs.inodesUsed = inodes
    var response = Runtime_V1_ImageFsInfoResponse()
    response.imageFilesystems = [fs]
    return response
  }
}

/// Totals for ImageFsInfo.
struct StoreUsageSnapshot {
  var bytes: Int64
  var inodes: Int
}
