import LVSCore

/// What `lvsc apply --cache FILE` remembers between runs: for every service it last applied, a
/// digest of the service as it left it in the kernel. With it, a new configuration's changed
/// services are found without reading the whole table (IPVS has no dump of all destinations:
/// reading 10,000 services takes 10,000 dumps). The cache is only ever trusted for the kernel it
/// was written on: the same boot and network namespace, and the same director.
///
/// Format `lvsc-apply-cache/1` (docs/state-format.md): five text lines (format, `host NAME`,
/// `netns ID`, `boot ID`, `services N`), then N fixed-size binary records, then `end\n`.
/// Records are fixed-size so that reading and writing 10,000 of them is a few loads and stores
/// each, not a parse: this file is on the path of every cached apply.
public struct ApplyCache: Sendable {
    public static let format = "lvsc-apply-cache/1"
    static let recordSize = 40

    /// Where the cache is valid: a director's name, a network namespace, a boot.
    public struct Identity: Sendable, Equatable {
        public var host: String
        /// `cookie:N` (SO_NETNS_COOKIE, never reused within a boot) or `inode:N`.
        public var netns: String
        public var boot: String

        public init(host: String, netns: String, boot: String) {
            self.host = host
            self.netns = netns
            self.boot = boot
        }
    }

    public var identity: Identity
    /// The records, `recordSize` bytes each from `base`, kept as read (the file's buffer, not a
    /// copy of it): most are only compared, never decoded.
    let storage: [UInt8]
    let base: Int
    public let count: Int

    /// The records alone.
    public var records: ArraySlice<UInt8> { storage[base..<(base + count * Self.recordSize)] }

    public init(identity: Identity, table: IPVSTable) {
        self.init(identity: identity, records: Self.encode(table.services))
    }

    public init(identity: Identity, records: [UInt8]) {
        self.init(identity: identity, storage: records, base: 0, count: records.count / Self.recordSize)
    }

    init(identity: Identity, storage: [UInt8], base: Int, count: Int) {
        self.identity = identity
        self.storage = storage
        self.base = base
        self.count = count
    }

    // MARK: records

    /// Record layout (little-endian): key digest u64, state digest u64, kind u8 (1 address,
    /// 2 fwmark), protocol u8 (IPPROTO number), family u8 (4, 6), 1 zero byte, port u16,
    /// 2 zero bytes, then 16 bytes: the address (IPv4 in the first 4, network order) or the
    /// fwmark (u32).
    static func store(_ s: IPVSService, into r: UnsafeMutableRawBufferPointer) {
        r.storeBytes(of: s.key.digest.littleEndian, toByteOffset: 0, as: UInt64.self)
        r.storeBytes(of: s.stateDigest.littleEndian, toByteOffset: 8, as: UInt64.self)
        switch s.key {
        case .address(let p, let a, let port):
            r[16] = 1; r[17] = UInt8(p.number); r[18] = a.family == .inet ? 4 : 6
            r.storeBytes(of: UInt16(truncatingIfNeeded: port).littleEndian, toByteOffset: 20, as: UInt16.self)
            switch a {
            case .v4(let v): r.storeBytes(of: v.bigEndian, toByteOffset: 24, as: UInt32.self)
            case .v6(let h, let l):
                r.storeBytes(of: h.bigEndian, toByteOffset: 24, as: UInt64.self)
                r.storeBytes(of: l.bigEndian, toByteOffset: 32, as: UInt64.self)
            }
        case .fwmark(let m, let f):
            r[16] = 2; r[18] = f == .inet ? 4 : 6
            r.storeBytes(of: m.littleEndian, toByteOffset: 24, as: UInt32.self)
        }
    }

    static func encode(_ services: [IPVSService]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: services.count * recordSize) { buf, count in
            buf.initialize(repeating: 0)
            let raw = UnsafeMutableRawBufferPointer(buf)
            for (i, s) in services.enumerated() {
                store(s, into: UnsafeMutableRawBufferPointer(rebasing: raw[(i * recordSize)..<((i + 1) * recordSize)]))
            }
            count = services.count * recordSize
        }
    }

    func word(_ i: Int, _ offset: Int) -> UInt64 {
        storage.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: base + i * Self.recordSize + offset, as: UInt64.self)) }
    }

    public func keyDigest(_ i: Int) -> UInt64 { word(i, 0) }
    public func stateDigest(_ i: Int) -> UInt64 { word(i, 8) }

    /// The service key of record `i`; nil when the record is damaged (its key does not give
    /// back its key digest).
    public func key(_ i: Int) -> IPVSServiceKey? {
        storage.withUnsafeBytes { all -> IPVSServiceKey? in
            let at = base + i * Self.recordSize
            let r = UnsafeRawBufferPointer(rebasing: all[at..<(at + Self.recordSize)])
            let family: IPAddress.Family
            switch r[18] {
            case 4: family = .inet
            case 6: family = .inet6
            default: return nil
            }
            let key: IPVSServiceKey
            switch r[16] {
            case 1:
                let proto: IPVSProtocol
                switch r[17] {
                case 6: proto = .tcp
                case 17: proto = .udp
                case 132: proto = .sctp
                default: return nil
                }
                let port = Int(UInt16(littleEndian: r.loadUnaligned(fromByteOffset: 20, as: UInt16.self)))
                let a: IPAddress = family == .inet
                    ? .v4(UInt32(bigEndian: r.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
                    : .v6(UInt64(bigEndian: r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                          UInt64(bigEndian: r.loadUnaligned(fromByteOffset: 32, as: UInt64.self)))
                key = .address(proto, a, port: port)
            case 2:
                let m = UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
                guard m != 0 else { return nil }
                key = .fwmark(m, family)
            default: return nil
            }
            return key.digest == UInt64(littleEndian: r.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) ? key : nil
        }
    }

    // MARK: the file

    /// The file in three parts (header, records, trailer), so that a writer can hand them to
    /// the kernel as they are instead of copying the records into one buffer first.
    public var parts: [ArraySlice<UInt8>] {
        let header = Self.format + "\nhost " + identity.host + "\nnetns " + identity.netns + "\nboot " + identity.boot
            + "\nservices \(count)\n"
        return [Array(header.utf8)[...], records, Array("end\n".utf8)[...]]
    }

    public func render() -> [UInt8] { Array(parts.joined()) }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }

        public init(message: String) { self.message = message }
    }

    public static func parse(_ bytes: [UInt8]) -> Result<ApplyCache, ReadError> {
        func fail(_ m: String) -> Result<ApplyCache, ReadError> { .failure(ReadError(message: m)) }
        // The five header lines.
        var header: [String] = []
        var start = 0
        var i = 0
        while header.count < 5 && i < bytes.count && i < 4096 {
            if bytes[i] == 10 {
                header.append(String(decoding: bytes[start..<i], as: UTF8.self))
                start = i + 1
            }
            i += 1
        }
        guard header.count == 5, header[0] == format else { return fail(header.first == format || bytes.isEmpty ? "bad header" : "not a \(format) file") }
        func field(_ n: Int, _ name: String) -> String? {
            header[n].hasPrefix(name + " ") ? String(header[n].dropFirst(name.count + 1)) : nil
        }
        guard let host = field(1, "host"), let ns = field(2, "netns"), let boot = field(3, "boot"),
              let count = field(4, "services").flatMap({ Int($0) }), count >= 0 else {
            return fail("bad header")
        }
        guard count <= (bytes.count - start) / recordSize else { return fail("the file is cut off") }
        let end = start + count * recordSize
        guard bytes.count == end + 4, bytes[end...] == [101, 110, 100, 10][...] else {
            return fail(bytes.count < end + 4 ? "the file is cut off" : "expected \(count) services and an end line")
        }
        return .success(ApplyCache(identity: Identity(host: host, netns: ns, boot: boot), storage: bytes, base: start, count: count))
    }

    // MARK: comparing

    /// How a desired table differs from what the cache says the kernel holds.
    public struct Changes: Sendable {
        /// Desired services that are new or differ from their cached digest (indices).
        public var changed: [Int] = []
        /// Desired services the cache says the kernel already holds as wanted (indices).
        public var unchanged: [Int] = []
        /// Cached services the desired table no longer has: to be deleted.
        public var removed: [IPVSServiceKey] = []
        /// The desired table's records, for the cache written after the apply.
        public var records: [UInt8] = []
    }

    /// Nil when the record of a service to delete is damaged.
    public func changes(to desired: IPVSTable) -> Changes? {
        var c = Changes()
        c.records = Self.encode(desired.services)
        let mine = ApplyCache(identity: identity, records: c.records)
        let n = count
        var seen = Array(repeating: false, count: n)
        // A configuration usually keeps its services in the same order, so the cache's record at
        // the same position is tried first and the index is built only when that fails.
        var index: [UInt64: Int]?
        for i in desired.services.indices {
            let k = mine.keyDigest(i)
            var j: Int? = i < n && keyDigest(i) == k ? i : nil
            if j == nil {
                if index == nil {
                    var ix: [UInt64: Int] = [:]
                    ix.reserveCapacity(n)
                    for x in 0..<n { ix[keyDigest(x)] = x }
                    index = ix
                }
                j = index![k]
            }
            if let j {
                seen[j] = true
                if stateDigest(j) == mine.stateDigest(i) { c.unchanged.append(i); continue }
            }
            c.changed.append(i)
        }
        var gone = Set<IPVSServiceKey>()
        for j in 0..<n where !seen[j] {
            guard let k = key(j) else { return nil }
            if gone.insert(k).inserted { c.removed.append(k) }
        }
        // A cache with a key twice (not one lvsc wrote) must not delete a service still wanted.
        if !c.removed.isEmpty {
            let wanted = Set(desired.services.map(\.key))
            c.removed.removeAll { wanted.contains($0) }
        }
        return c
    }
}
