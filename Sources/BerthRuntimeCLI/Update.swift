import BerthError
import BerthOCI
import BerthSys

/// `update`: new resource limits for a running container, from flags or a JSON file.
enum Update: Verb {
  static let name = "update"
  static let summary = "change the resource limits of a running container"
  static let options: [OptionSpec] = [
    .value("resources", "r", "linux.resources JSON file, or - for stdin"),
    .value("memory", nil, "memory limit in bytes (-1: unlimited)"),
    .value("memory-reservation", nil, "memory soft limit in bytes"),
    .value("memory-swap", nil, "memory plus swap limit in bytes (-1: unlimited)"),
    .value("kernel-memory", nil, "kernel memory limit (deprecated)"),
    .value("kernel-memory-tcp", nil, "kernel TCP buffer limit"),
    .value("cpu-shares", nil, "CPU shares (relative weight)"),
    .value("cpu-quota", nil, "CFS quota in microseconds"),
    .value("cpu-period", nil, "CFS period in microseconds"),
    .value("cpu-rt-runtime", nil, "realtime runtime in microseconds"),
    .value("cpu-rt-period", nil, "realtime period in microseconds"),
    .value("cpuset-cpus", nil, "CPUs allowed (0-3, 0,1)"),
    .value("cpuset-mems", nil, "memory nodes allowed"),
    .value("pids-limit", nil, "maximum number of processes (0 or -1: unlimited)"),
    .value("blkio-weight", nil, "block IO weight (10-1000)"),
  ]

  static func run(_ arguments: Arguments, _ context: Context) throws -> Int32 {
    let id = try arguments.id(name)
    try context.runtime().update(id: id, resources: try resources(arguments))
    return 0
  }

  static func resources(_ arguments: Arguments) throws -> Resources {
    var result = Resources()
    if let path = arguments.value("resources") {
      let bytes = path == "-" ? try Sys.readAll(fd: 0, what: "stdin") : try Sys.readBytes(path)
      do { result = try JSON.decode(Resources.self, from: bytes) } catch {
        throw BerthError.invalid("resources \(path == "-" ? "from stdin" : path): \(error)")
      }
    }
    let memory: [Int64?] = [
      try arguments.number("memory"), try arguments.number("memory-reservation"), try arguments.number("memory-swap"),
      try arguments.number("kernel-memory"), try arguments.number("kernel-memory-tcp"),
    ]
    if memory.contains(where: { $0 != nil }) {
      var mem = result.memory ?? Resources.Memory()
      mem.limit = memory[0] ?? mem.limit
      mem.reservation = memory[1] ?? mem.reservation
      mem.swap = memory[2] ?? mem.swap
      mem.kernel = memory[3] ?? mem.kernel
      mem.kernelTCP = memory[4] ?? mem.kernelTCP
      result.memory = mem
    }
    let shares: UInt64? = try arguments.number("cpu-shares")
    let quota: Int64? = try arguments.number("cpu-quota")
    let period: UInt64? = try arguments.number("cpu-period")
    let rtRuntime: Int64? = try arguments.number("cpu-rt-runtime")
    let rtPeriod: UInt64? = try arguments.number("cpu-rt-period")
    let cpus = arguments.value("cpuset-cpus")
    let mems = arguments.value("cpuset-mems")
    if shares != nil || quota != nil || period != nil || rtRuntime != nil || rtPeriod != nil || cpus != nil || mems != nil {
      var cpu = result.cpu ?? Resources.CPU()
      cpu.shares = shares ?? cpu.shares
      cpu.quota = quota ?? cpu.quota
      cpu.period = period ?? cpu.period
      cpu.realtimeRuntime = rtRuntime ?? cpu.realtimeRuntime
      cpu.realtimePeriod = rtPeriod ?? cpu.realtimePeriod
      cpu.cpus = cpus ?? cpu.cpus
      cpu.mems = mems ?? cpu.mems
      result.cpu = cpu
    }
    if let limit: Int64 = try arguments.number("pids-limit") { result.pids = Resources.Pids(limit: limit) }
    if let weight: UInt16 = try arguments.number("blkio-weight") {
      var io = result.blockIO ?? Resources.BlockIO()
      io.weight = weight
      result.blockIO = io
    }
    return result
  }
}
