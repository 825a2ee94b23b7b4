import ArgumentParser
import BerthError
import BerthOCI
import BerthRuntime
import BerthSys

struct Update: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Change the resource limits of a running container.")
  @OptionGroup var globals: GlobalOptions
  @Option(name: [.short, .long], help: "linux.resources JSON file, or - for stdin.") var resources: String?
  @Option(help: "Memory limit in bytes (-1: unlimited).") var memory: Int64?
  @Option(help: "Memory soft limit in bytes.") var memoryReservation: Int64?
  @Option(help: "Memory plus swap limit in bytes (-1: unlimited).") var memorySwap: Int64?
  @Option(help: "Kernel memory limit (deprecated).") var kernelMemory: Int64?
  @Option(help: "Kernel TCP buffer limit.") var kernelMemoryTcp: Int64?
  @Option(help: "CPU shares (relative weight).") var cpuShares: UInt64?
  @Option(help: "CFS quota in microseconds.") var cpuQuota: Int64?
  @Option(help: "CFS period in microseconds.") var cpuPeriod: UInt64?
  @Option(help: "Realtime runtime in microseconds.") var cpuRtRuntime: Int64?
  @Option(help: "Realtime period in microseconds.") var cpuRtPeriod: UInt64?
  @Option(help: "CPUs allowed (0-3, 0,1).") var cpusetCpus: String?
  @Option(help: "Memory nodes allowed.") var cpusetMems: String?
  @Option(help: "Maximum number of processes (-1 or 0: unlimited).") var pidsLimit: Int64?
  @Option(help: "Block IO weight (10-1000).") var blkioWeight: UInt16?
  @Argument(help: "Container id.") var id: String

  func run() throws {
    try globals.perform { runtime in try runtime.update(id: id, resources: try makeResources()) }
  }

  func makeResources() throws -> Resources {
    var result = Resources()
    if let path = resources {
      let bytes = path == "-" ? try Sys.readAll(fd: 0, what: "stdin") : try Sys.readBytes(path)
      do { result = try JSON.decode(Resources.self, from: bytes) } catch {
        throw BerthError.invalid("resources \(path == "-" ? "from stdin" : path): \(error)")
      }
    }
    if memory != nil || memoryReservation != nil || memorySwap != nil || kernelMemory != nil || kernelMemoryTcp != nil {
      var mem = result.memory ?? Resources.Memory()
      mem.limit = memory ?? mem.limit
      mem.reservation = memoryReservation ?? mem.reservation
      mem.swap = memorySwap ?? mem.swap
      mem.kernel = kernelMemory ?? mem.kernel
      mem.kernelTCP = kernelMemoryTcp ?? mem.kernelTCP
      result.memory = mem
    }
    if cpuShares != nil || cpuQuota != nil || cpuPeriod != nil || cpuRtRuntime != nil || cpuRtPeriod != nil || cpusetCpus != nil || cpusetMems != nil {
      var cpu = result.cpu ?? Resources.CPU()
      cpu.shares = cpuShares ?? cpu.shares
      cpu.quota = cpuQuota ?? cpu.quota
      cpu.period = cpuPeriod ?? cpu.period
      cpu.realtimeRuntime = cpuRtRuntime ?? cpu.realtimeRuntime
      cpu.realtimePeriod = cpuRtPeriod ?? cpu.realtimePeriod
      cpu.cpus = cpusetCpus ?? cpu.cpus
      cpu.mems = cpusetMems ?? cpu.mems
      result.cpu = cpu
    }
    if let pidsLimit { result.pids = Resources.Pids(limit: pidsLimit) }
    if let blkioWeight {
      var io = result.blockIO ?? Resources.BlockIO()
      io.weight = blkioWeight
      result.blockIO = io
    }
    return result
  }
}
