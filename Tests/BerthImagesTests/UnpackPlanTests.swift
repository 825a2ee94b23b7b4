import Testing

@testable import BerthImages

@Suite("Pull pipeline bookkeeping (UnpackPlan)")
struct UnpackPlanTests {
  @Test("downloads and unpacks respect their limits and start lowest layers first")
  func limits() {
    var plan = UnpackPlan(count: 4, downloadLimit: 2, unpackLimit: 1)
    plan.toDownload = [0, 1, 2, 3]
    #expect(plan.startDownloads() == [0, 1])
    #expect(plan.startDownloads().isEmpty)
    plan.record(.downloaded(1))
    #expect(plan.startDownloads() == [2])
    plan.record(.downloaded(0))
    #expect(plan.startUnpacks() == [0])  // 0 before 1, though 1 arrived first
    #expect(plan.startUnpacks().isEmpty)  // one unpack at a time
  }

  @Test("a layer is committed only once every layer below it is")
  func commitOrder() {
    var plan = UnpackPlan(count: 3, downloadLimit: 3, unpackLimit: 3)
    plan.toUnpack = [0, 1, 2]
    #expect(plan.startUnpacks() == [0, 1, 2])
    plan.record(.unpacked(2, key: "k2"))
    plan.record(.unpacked(1, key: "k1"))
    #expect(plan.commitReady().isEmpty)
    plan.record(.unpacked(0, key: "k0"))
    #expect(plan.commitReady().map(\.1) == ["k0", "k1", "k2"])
    #expect(plan.committed == [0, 1, 2])
  }

  @Test("layers already unpacked are skipped and do not block the ones above")
  func existingLayers() {
    var plan = UnpackPlan(count: 3, downloadLimit: 1, unpackLimit: 2)
    plan.committed = [0, 1]
    plan.toDownload = [0, 2]
    #expect(plan.startDownloads() == [0])
    plan.record(.downloaded(0))
    #expect(plan.startUnpacks().isEmpty)  // its snapshot exists: nothing to unpack
    #expect(plan.startDownloads() == [2])
    plan.record(.downloaded(2))
    #expect(plan.startUnpacks() == [2])
    plan.record(.unpacked(2, key: "k2"))
    #expect(plan.commitReady().map(\.0) == [2])
  }
}
