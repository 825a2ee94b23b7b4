// Coding that matches runc's JSON: Go's omitempty drops zero numbers and empty arrays/maps,
// and missing keys decode as zero.

extension KeyedEncodingContainer {
  fileprivate mutating func encodeNonZero(_ value: UInt64, forKey key: Key) throws {
    if value != 0 { try encode(value, forKey: key) }
  }
  fileprivate mutating func encodeNonEmpty<T: Encodable & Collection>(_ value: T, forKey key: Key) throws {
    if !value.isEmpty { try encode(value, forKey: key) }
  }
}

extension KeyedDecodingContainer {
  fileprivate func number(_ key: Key) throws -> UInt64 { try decodeIfPresent(UInt64.self, forKey: key) ?? 0 }
}

extension CgroupStats.Usage: Codable {
  private enum CodingKeys: String, CodingKey { case total, percpu, kernel, user }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    total = try c.number(.total)
    percpu = try c.decodeIfPresent([UInt64].self, forKey: .percpu) ?? []
    kernel = try c.number(.kernel)
    user = try c.number(.user)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(total, forKey: .total)
    try c.encodeNonEmpty(percpu, forKey: .percpu)
    try c.encode(kernel, forKey: .kernel)
    try c.encode(user, forKey: .user)
  }
}

extension CgroupStats.Throttling: Codable {
  private enum CodingKeys: String, CodingKey { case periods, throttledPeriods, throttledTime }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    periods = try c.number(.periods)
    throttledPeriods = try c.number(.throttledPeriods)
    throttledTime = try c.number(.throttledTime)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(periods, forKey: .periods)
    try c.encodeNonZero(throttledPeriods, forKey: .throttledPeriods)
    try c.encodeNonZero(throttledTime, forKey: .throttledTime)
  }
}

extension CgroupStats.Memory: Codable {
  private enum CodingKeys: String, CodingKey { case cache, usage, swap, kernel, kernelTCP, raw }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    cache = try c.number(.cache)
    usage = try c.decodeIfPresent(CgroupStats.Entry.self, forKey: .usage) ?? .init()
    swap = try c.decodeIfPresent(CgroupStats.Entry.self, forKey: .swap) ?? .init()
    kernel = try c.decodeIfPresent(CgroupStats.Entry.self, forKey: .kernel) ?? .init()
    kernelTCP = try c.decodeIfPresent(CgroupStats.Entry.self, forKey: .kernelTCP) ?? .init()
    raw = try c.decodeIfPresent([String: UInt64].self, forKey: .raw) ?? [:]
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(cache, forKey: .cache)
    // Go's omitempty never drops a struct, so the entries are always present.
    try c.encode(usage, forKey: .usage)
    try c.encode(swap, forKey: .swap)
    try c.encode(kernel, forKey: .kernel)
    try c.encode(kernelTCP, forKey: .kernelTCP)
    try c.encodeNonEmpty(raw, forKey: .raw)
  }
}

extension CgroupStats.Entry: Codable {
  private enum CodingKeys: String, CodingKey { case limit, usage, max, failcnt }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    limit = try c.number(.limit)
    usage = try c.number(.usage)
    max = try c.number(.max)
    failcnt = try c.number(.failcnt)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(limit, forKey: .limit)
    try c.encodeNonZero(usage, forKey: .usage)
    try c.encodeNonZero(max, forKey: .max)
    try c.encode(failcnt, forKey: .failcnt)
  }
}

extension CgroupStats.Pids: Codable {
  private enum CodingKeys: String, CodingKey { case current, limit }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    current = try c.number(.current)
    limit = try c.number(.limit)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(current, forKey: .current)
    try c.encodeNonZero(limit, forKey: .limit)
  }
}

extension CgroupStats.Blkio: Codable {
  private enum CodingKeys: String, CodingKey { case ioServiceBytesRecursive, ioServicedRecursive }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    ioServiceBytesRecursive = try c.decodeIfPresent([CgroupStats.BlkioEntry].self, forKey: .ioServiceBytesRecursive) ?? []
    ioServicedRecursive = try c.decodeIfPresent([CgroupStats.BlkioEntry].self, forKey: .ioServicedRecursive) ?? []
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonEmpty(ioServiceBytesRecursive, forKey: .ioServiceBytesRecursive)
    try c.encodeNonEmpty(ioServicedRecursive, forKey: .ioServicedRecursive)
  }
}

extension CgroupStats.BlkioEntry: Codable {
  private enum CodingKeys: String, CodingKey { case major, minor, op, value }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    major = try c.number(.major)
    minor = try c.number(.minor)
    op = try c.decodeIfPresent(String.self, forKey: .op) ?? ""
    value = try c.number(.value)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(major, forKey: .major)
    try c.encodeNonZero(minor, forKey: .minor)
    if !op.isEmpty { try c.encode(op, forKey: .op) }
    try c.encodeNonZero(value, forKey: .value)
  }
}

extension CgroupStats.Hugetlb: Codable {
  private enum CodingKeys: String, CodingKey { case usage, max, failcnt }
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    usage = try c.number(.usage)
    max = try c.number(.max)
    failcnt = try c.number(.failcnt)
  }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encodeNonZero(usage, forKey: .usage)
    try c.encodeNonZero(max, forKey: .max)
    try c.encode(failcnt, forKey: .failcnt)
  }
}
