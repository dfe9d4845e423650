import CNetlink
import LVSCore
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's IPVS interface (include/uapi/linux/ip_vs.h), generic netlink family "IPVS".
enum IPVSGenl {
    static let version: UInt8 = 1
    enum Cmd: UInt8 {
        case newService = 1, setService, delService, getService, newDest, setDest, delDest, getDest
        case newDaemon, delDaemon, getDaemon, setConfig, getConfig, setInfo, getInfo, zero, flush
    }
    enum CmdAttr: Int32 { case service = 1, dest, daemon, timeoutTCP, timeoutTCPFin, timeoutUDP }
    enum SvcAttr: Int32 { case af = 1, proto, addr, port, fwmark, schedName, flags, timeout, netmask, stats, peName, stats64 }
    enum DestAttr: Int32 {
        case addr = 1, port, fwdMethod, weight, uThresh, lThresh, activeConns, inactConns, persistConns, stats, addrFamily, stats64
        case tunType, tunPort, tunFlags
    }
    enum InfoAttr: Int32 { case version = 1, connTabSize }
    static let maxAttr: Int32 = 16
    static let persistent: UInt32 = 0x1, onePacket: UInt32 = 0x4, sched1: UInt32 = 0x8
    static let afInet: UInt16 = 2, afInet6: UInt16 = 10
}

extension IPVSRequest {
    var command: IPVSGenl.Cmd {
        switch self {
        case .addService: return .newService
        case .updateService: return .setService
        case .deleteService: return .delService
        case .addDestination: return .newDest
        case .updateDestination: return .setDest
        case .deleteDestination: return .delDest
        }
    }
}

/// Owns one generic-netlink socket to IPVS. Writes are pipelined: up to `window` requests are
/// sent before their acknowledgements are read, so a 50,000-line table does not pay one
/// round trip per line.
public final class IPVSNetlink {
    let sock: OpaquePointer
    let family: Int32
    public var window = 256
    /// Writes sent to the kernel over this socket's life (the no-op apply reports zero).
    public private(set) var writes = 0

    /// See `setReceiveDeadline`.
    public let receiveDeadline: Int

    public init(receiveDeadline: Int = 10_000) throws(KernelError) {
        self.receiveDeadline = receiveDeadline
        guard let s = nl_socket_alloc() else { throw KernelError.kernel(operation: "netlink socket", errno: ENOMEM, message: "out of memory") }
        sock = s
        if genl_connect(sock) < 0 {
            nl_socket_free(sock)
            throw KernelError.kernel(operation: "netlink socket", errno: errno, message: String(cString: strerror(errno)))
        }
        let f = genl_ctrl_resolve(sock, "IPVS")
        if f < 0 {
            nl_socket_free(sock)
            throw KernelError.ipvsUnavailable
        }
        family = f
        nl_socket_disable_seq_check(sock)
        _ = nl_socket_set_buffer_size(sock, 1 << 22, 1 << 22)
        setReceiveDeadline(sock, milliseconds: receiveDeadline)
    }

    deinit { nl_socket_free(sock) }

    // MARK: messages

    func message(_ cmd: IPVSGenl.Cmd, flags: Int32) throws(KernelError) -> OpaquePointer {
        try Self.message(family: family, cmd, flags: flags)
    }

    /// A request's header; needs no socket, only the family id the controller gave.
    static func message(family: Int32, _ cmd: IPVSGenl.Cmd, flags: Int32) throws(KernelError) -> OpaquePointer {
        guard let msg = nlmsg_alloc() else { throw KernelError.kernel(operation: "netlink message", errno: ENOMEM, message: "out of memory") }
        guard genlmsg_put(msg, UInt32(NL_AUTO_PORT), UInt32(NL_AUTO_SEQ), family, 0, flags, cmd.rawValue, IPVSGenl.version) != nil else {
            nlmsg_free(msg)
            throw KernelError.kernel(operation: "netlink message", errno: ENOMEM, message: "cannot build the header")
        }
        return msg
    }

    static func address16(_ a: IPAddress) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 16)
        switch a {
        case .v4(let v):
            b[0] = UInt8(v >> 24); b[1] = UInt8((v >> 16) & 255); b[2] = UInt8((v >> 8) & 255); b[3] = UInt8(v & 255)
        case .v6(let h, let l):
            for i in 0..<8 { b[i] = UInt8((h >> (56 - 8 * UInt64(i))) & 255); b[8 + i] = UInt8((l >> (56 - 8 * UInt64(i))) & 255) }
        }
        return b
    }

    static func af(_ f: IPAddress.Family) -> UInt16 { f == .inet ? IPVSGenl.afInet : IPVSGenl.afInet6 }

    /// The service's identity (AF and fwmark, or AF, protocol, address and port) and, for a
    /// full entry, its settings.
    static func putService(_ msg: OpaquePointer, key: IPVSServiceKey, full: IPVSService?) {
        let nest = nla_nest_start(msg, IPVSGenl.CmdAttr.service.rawValue)
        nla_put_u16(msg, IPVSGenl.SvcAttr.af.rawValue, Self.af(key.family))
        switch key {
        case .fwmark(let m, _):
            nla_put_u32(msg, IPVSGenl.SvcAttr.fwmark.rawValue, m)
        case .address(let p, let a, let port):
            nla_put_u16(msg, IPVSGenl.SvcAttr.proto.rawValue, UInt16(p.number))
            var bytes = Self.address16(a)
            nla_put(msg, IPVSGenl.SvcAttr.addr.rawValue, 16, &bytes)
            nla_put_u16(msg, IPVSGenl.SvcAttr.port.rawValue, UInt16(port).bigEndian)
        }
        if let s = full {
            nla_put_string(msg, IPVSGenl.SvcAttr.schedName.rawValue, s.scheduler)
            if let pe = s.persistenceEngine { nla_put_string(msg, IPVSGenl.SvcAttr.peName.rawValue, pe) }
            var flags: UInt32 = 0
            if s.persistence != nil { flags |= IPVSGenl.persistent }
            if s.onePacket { flags |= IPVSGenl.onePacket }
            flags |= UInt32(s.schedulerFlagBits) * IPVSGenl.sched1
            var fm: (UInt32, UInt32) = (flags, ~0)
            nla_put(msg, IPVSGenl.SvcAttr.flags.rawValue, 8, &fm)
            nla_put_u32(msg, IPVSGenl.SvcAttr.timeout.rawValue, UInt32(s.persistence ?? 0))
            switch s.effectiveNetmask {
            case .v4(let m): nla_put_u32(msg, IPVSGenl.SvcAttr.netmask.rawValue, m.bigEndian)
            case .v6(let n): nla_put_u32(msg, IPVSGenl.SvcAttr.netmask.rawValue, UInt32(n))
            }
        }
        nla_nest_end(msg, nest)
    }

    static func putDestination(_ msg: OpaquePointer, _ d: IPVSDestination, full: Bool) {
        let nest = nla_nest_start(msg, IPVSGenl.CmdAttr.dest.rawValue)
        var bytes = Self.address16(d.address)
        nla_put(msg, IPVSGenl.DestAttr.addr.rawValue, 16, &bytes)
        nla_put_u16(msg, IPVSGenl.DestAttr.port.rawValue, UInt16(d.port).bigEndian)
        nla_put_u16(msg, IPVSGenl.DestAttr.addrFamily.rawValue, Self.af(d.address.family))
        if full {
            let method: UInt32
            switch d.forwarding {
            case .masquerade: method = 0
            case .tunnel: method = 2
            case .route: method = 3
            }
            nla_put_u32(msg, IPVSGenl.DestAttr.fwdMethod.rawValue, method)
            nla_put_u32(msg, IPVSGenl.DestAttr.weight.rawValue, UInt32(truncatingIfNeeded: d.weight))
            nla_put_u32(msg, IPVSGenl.DestAttr.uThresh.rawValue, UInt32(truncatingIfNeeded: d.upperThreshold))
            nla_put_u32(msg, IPVSGenl.DestAttr.lThresh.rawValue, UInt32(truncatingIfNeeded: d.lowerThreshold))
            if case .tunnel(let type, let port, let csum) = d.forwarding {
                let t: UInt8 = type == .ipip ? 0 : (type == .gue ? 1 : 2)
                nla_put_u8(msg, IPVSGenl.DestAttr.tunType.rawValue, t)
                if let port { nla_put_u16(msg, IPVSGenl.DestAttr.tunPort.rawValue, UInt16(port).bigEndian) }
                if type != .ipip {
                    nla_put_u16(msg, IPVSGenl.DestAttr.tunFlags.rawValue, csum == .nocsum ? 0 : (csum == .csum ? 1 : 2))
                }
            }
        }
        nla_nest_end(msg, nest)
    }

    func build(_ r: IPVSRequest) throws(KernelError) -> OpaquePointer { try Self.build(r, family: family) }

    /// The bytes of the message for one write, as the kernel would receive them (before libnl
    /// fills in the port and sequence number); for tests of what the layer sends.
    static func encoded(_ r: IPVSRequest, family: Int32) throws(KernelError) -> [UInt8] {
        let msg = try build(r, family: family)
        defer { nlmsg_free(msg) }
        let hdr = nlmsg_hdr(msg)!
        return Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(hdr), count: Int(hdr.pointee.nlmsg_len)))
    }

    /// The message for one write (freed by the caller, or by the send).
    static func build(_ r: IPVSRequest, family: Int32) throws(KernelError) -> OpaquePointer {
        let msg = try message(family: family, r.command, flags: NLM_F_ACK)
        switch r {
        case .addService(let s), .updateService(let s): putService(msg, key: s.key, full: s)
        case .deleteService(let k): putService(msg, key: k, full: nil)
        case .addDestination(let k, let d), .updateDestination(let k, let d):
            putService(msg, key: k, full: nil); putDestination(msg, d, full: true)
        case .deleteDestination(let k, let d):
            putService(msg, key: k, full: nil); putDestination(msg, d, full: false)
        }
        return msg
    }

    // MARK: receiving

    /// Requests per sendmsg: the kernel runs every message of one datagram in turn and queues
    /// one ack each, so a batch costs one system call instead of one per request.
    public var batch = 64

    /// Sends requests in batches, at most `window` awaiting their acknowledgement at a time;
    /// stops at the first failure, after reading every ack of what was sent, and reports which
    /// request failed.
    public func send(_ requests: [IPVSRequest]) throws(KernelError) {
        let box = ReceiveBox()
        let cb = recordingCallbacks(box)
        defer { nl_cb_put(cb) }
        var seqs: [UInt32: Int] = [:]
        var sent = 0
        var buffer: [UInt8] = []
        var pending = 0
        func drain(until outstanding: Int) throws(KernelError) {
            while sent - box.acks - box.errors.count > outstanding {
                let r = nl_recvmsgs(sock, cb)
                if r < 0 { throw libnlError(r, "netlink receive", sock) }
            }
        }
        func flush() throws(KernelError) {
            guard pending > 0 else { return }
            let n = buffer.withUnsafeMutableBytes { nl_sendto(sock, $0.baseAddress, $0.count) }
            if n < 0 { throw libnlError(Int32(n), "netlink send", sock) }
            sent += pending
            writes += pending
            pending = 0
            buffer.removeAll(keepingCapacity: true)
        }
        for (i, r) in requests.enumerated() {
            let msg = try build(r)
            nl_complete_msg(sock, msg)
            let hdr = nlmsg_hdr(msg)!
            seqs[hdr.pointee.nlmsg_seq] = i
            buffer += UnsafeRawBufferPointer(start: UnsafeRawPointer(hdr), count: Int(hdr.pointee.nlmsg_len))
            nlmsg_free(msg)
            pending += 1
            if pending >= batch || buffer.count > 60_000 {
                try flush()
                try drain(until: max(0, window - batch))
                if !box.errors.isEmpty { break }
            }
        }
        if box.errors.isEmpty { try flush() }
        try drain(until: 0)
        if let (seq, e) = box.errors.first {
            let r = requests[seqs[seq] ?? 0]
            throw Self.error(for: r, errno: e)
        }
    }

    static func error(for r: IPVSRequest, errno e: Int32) -> KernelError {
        switch (e, r) {
        case (EPERM, _), (EACCES, _): return .permission(r.summary)
        case (ENOENT, .addService(let s)), (ENOENT, .updateService(let s)): return .schedulerMissing(s.persistenceEngine.map { "\(s.scheduler)' or '\($0)" } ?? s.scheduler)
        case (EEXIST, _): return .exists(r.summary.replacingFirst("add ", with: ""))
        case (ESRCH, _), (ENOENT, _): return .notFound(r.summary.replacingFirst("update ", with: "").replacingFirst("delete ", with: "").replacingFirst("add ", with: "the service of "))
        default: return .kernel(operation: r.summary, errno: e, message: String(cString: strerror(e)))
        }
    }

    /// Sends one dump request and returns the reply messages (raw bytes).
    func dump(_ cmd: IPVSGenl.Cmd, service: IPVSServiceKey? = nil) throws(KernelError) -> [[UInt8]] {
        let msg = try message(cmd, flags: NLM_F_DUMP)
        if let service { Self.putService(msg, key: service, full: nil) }
        let box = try exchange(sock, msg, what: "read the IPVS table")
        if let (_, e) = box.errors.first {
            if e == EPERM || e == EACCES { throw KernelError.permission("read the IPVS table") }
            throw KernelError.kernel(operation: "read the IPVS table", errno: e, message: String(cString: strerror(e)))
        }
        return box.messages
    }

    // MARK: reading the table

    /// Nested attributes of a top-level attribute of a generic netlink reply, by type.
    static func attributes(_ bytes: [UInt8], top: Int32) -> [Int32: [UInt8]] {
        // nlmsghdr (16) + genlmsghdr (4), then the top-level attributes.
        guard bytes.count >= 20, let nested = netlinkAttributes(bytes[20...])[top] else { return [:] }
        return netlinkAttributes(nested[...])
    }

    static func u16(_ b: [UInt8]?) -> UInt16? { b.flatMap { $0.count >= 2 ? UInt16($0[0]) | UInt16($0[1]) << 8 : nil } }
    static func u32(_ b: [UInt8]?) -> UInt32? {
        b.flatMap { $0.count >= 4 ? UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 : nil }
    }
    static func string(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }

    static func address(_ b: [UInt8]?, family: UInt16) -> IPAddress? {
        guard let b, b.count >= 4 else { return nil }
        if family == IPVSGenl.afInet { return .v4(UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])) }
        guard b.count >= 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(b[i]); l = l << 8 | UInt64(b[8 + i]) }
        return .v6(h, l)
    }

    static let flagNames = ["flag-1", "flag-2", "flag-3"]

    static func service(from a: [Int32: [UInt8]]) -> IPVSService? {
        guard let af = u16(a[IPVSGenl.SvcAttr.af.rawValue]) else { return nil }
        let family: IPAddress.Family = af == IPVSGenl.afInet ? .inet : .inet6
        let key: IPVSServiceKey
        if let m = u32(a[IPVSGenl.SvcAttr.fwmark.rawValue]), m != 0 {
            key = .fwmark(m, family)
        } else {
            guard let p = u16(a[IPVSGenl.SvcAttr.proto.rawValue]), let addr = address(a[IPVSGenl.SvcAttr.addr.rawValue], family: af),
                  let port = u16(a[IPVSGenl.SvcAttr.port.rawValue]) else { return nil }
            let proto: IPVSProtocol = p == 6 ? .tcp : (p == 17 ? .udp : .sctp)
            key = .address(proto, addr, port: Int(UInt16(bigEndian: port)))
        }
        var s = IPVSService(key: key, scheduler: string(a[IPVSGenl.SvcAttr.schedName.rawValue]) ?? "")
        let flags = u32(a[IPVSGenl.SvcAttr.flags.rawValue]) ?? 0
        if flags & IPVSGenl.persistent != 0 { s.persistence = Int(u32(a[IPVSGenl.SvcAttr.timeout.rawValue]) ?? 0) }
        if let m = u32(a[IPVSGenl.SvcAttr.netmask.rawValue]) {
            if family == .inet { let v = UInt32(bigEndian: m); if v != 0xFFFF_FFFF { s.netmask = .v4(v) } }
            else if m != 128 { s.netmask = .v6(Int(m)) }
        }
        if let pe = string(a[IPVSGenl.SvcAttr.peName.rawValue]), !pe.isEmpty { s.persistenceEngine = pe }
        s.onePacket = flags & IPVSGenl.onePacket != 0
        let bits = Int((flags >> 3) & 7)
        let names = s.scheduler == "sh" ? ["sh-fallback", "sh-port", "flag-3"] : (s.scheduler == "mh" ? ["mh-fallback", "mh-port", "flag-3"] : flagNames)
        s.schedulerFlags = (0..<3).filter { bits & (1 << $0) != 0 }.map { names[$0] }
        return s
    }

    static func destination(from a: [Int32: [UInt8]], serviceFamily: IPAddress.Family) -> IPVSDestination? {
        let af = u16(a[IPVSGenl.DestAttr.addrFamily.rawValue]) ?? af(serviceFamily)
        guard let addr = address(a[IPVSGenl.DestAttr.addr.rawValue], family: af), let port = u16(a[IPVSGenl.DestAttr.port.rawValue]),
              let method = u32(a[IPVSGenl.DestAttr.fwdMethod.rawValue]) else { return nil }
        let fwd: IPVSForwarding
        switch method & 7 {
        case 0: fwd = .masquerade
        case 2:
            let t = a[IPVSGenl.DestAttr.tunType.rawValue]?.first ?? 0
            let tp = u16(a[IPVSGenl.DestAttr.tunPort.rawValue]).map { Int(UInt16(bigEndian: $0)) }
            let tf = u16(a[IPVSGenl.DestAttr.tunFlags.rawValue]) ?? 0
            let type: IPVSForwarding.TunnelType = t == 1 ? .gue : (t == 2 ? .gre : .ipip)
            fwd = .tunnel(type: type, port: type == .gue ? tp : nil, checksum: tf == 1 ? .csum : (tf == 2 ? .remcsum : .nocsum))
        default: fwd = .route
        }
        var d = IPVSDestination(address: addr, port: Int(UInt16(bigEndian: port)), forwarding: fwd,
                                weight: Int(Int32(bitPattern: u32(a[IPVSGenl.DestAttr.weight.rawValue]) ?? 0)))
        d.upperThreshold = Int(u32(a[IPVSGenl.DestAttr.uThresh.rawValue]) ?? 0)
        d.lowerThreshold = Int(u32(a[IPVSGenl.DestAttr.lThresh.rawValue]) ?? 0)
        return d
    }

    /// The whole table: every service and its destinations.
    public func table() throws(KernelError) -> IPVSTable {
        var t = IPVSTable()
        for m in try dump(.getService) {
            guard var s = Self.service(from: Self.attributes(m, top: IPVSGenl.CmdAttr.service.rawValue)) else { continue }
            s.destinations = try destinations(of: s.key)
            t.services.append(s)
        }
        return t
    }

    func destinations(of key: IPVSServiceKey) throws(KernelError) -> [IPVSDestination] {
        try dump(.getDest, service: key).compactMap {
            Self.destination(from: Self.attributes($0, top: IPVSGenl.CmdAttr.dest.rawValue), serviceFamily: key.family)
        }
    }

    /// One service and its destinations (GET_SERVICE for the key, then one destination dump),
    /// or nil when the kernel has no such service.
    public func service(_ key: IPVSServiceKey) throws(KernelError) -> IPVSService? {
        let msg = try message(.getService, flags: 0)
        Self.putService(msg, key: key, full: nil)
        let box = try exchange(sock, msg, what: "read the IPVS table")
        if let (_, e) = box.errors.first {
            if e == ESRCH || e == ENOENT { return nil }
            if e == EPERM || e == EACCES { throw KernelError.permission("read the IPVS table") }
            throw KernelError.kernel(operation: "read the IPVS table", errno: e, message: String(cString: strerror(e)))
        }
        guard let m = box.messages.first, var s = Self.service(from: Self.attributes(m, top: IPVSGenl.CmdAttr.service.rawValue)) else {
            throw KernelError.kernel(operation: "read the IPVS table", errno: EIO, message: "no answer for service \(IPVSText.service(key))")
        }
        s.destinations = try destinations(of: key)
        return s
    }

    /// IPVS version and connection table size (GET_INFO).
    public func info() throws(KernelError) -> (version: String, connectionTableSize: Int) {
        let box = try exchange(sock, try message(.getInfo, flags: 0), what: "IPVS info")
        guard let m = box.messages.first, m.count >= 20 else { throw KernelError.kernel(operation: "IPVS info", errno: EIO, message: "no reply") }
        let attrs = netlinkAttributes(m[20...])
        let v = Self.u32(attrs[IPVSGenl.InfoAttr.version.rawValue]) ?? 0
        return ("\(v >> 16).\((v >> 8) & 255).\(v & 255)", Int(Self.u32(attrs[IPVSGenl.InfoAttr.connTabSize.rawValue]) ?? 0))
    }

    /// Removes every service (ipvsadm -C).
    public func flush() throws(KernelError) {
        let box = try exchange(sock, try message(.flush, flags: NLM_F_ACK), what: "flush")
        writes += 1
        if let (_, e) = box.errors.first { throw e == EPERM ? KernelError.permission("flush") : KernelError.kernel(operation: "flush", errno: e, message: String(cString: strerror(e))) }
    }
}


extension IPVSNetlink {
    enum DaemonAttr: Int32 { case state = 1, mcastIfn, syncID, syncMaxlen, mcastGroup, mcastGroup6, mcastPort, mcastTTL }

    /// The running sync daemons (GET_DAEMON dump).
    public func syncDaemons() throws(KernelError) -> [SyncDaemon] {
        var out: [SyncDaemon] = []
        for m in try dump(.getDaemon) {
            let a = Self.attributes(m, top: IPVSGenl.CmdAttr.daemon.rawValue)
            guard let state = Self.u32(a[DaemonAttr.state.rawValue]), let ifn = Self.string(a[DaemonAttr.mcastIfn.rawValue]),
                  let id = Self.u32(a[DaemonAttr.syncID.rawValue]) else { continue }
            var d = SyncDaemon(role: state & 1 != 0 ? .master : .backup, interface: ifn, syncID: Int(id))
            // The kernel reports its defaults (maxlen, group, port, ttl); they are compared only
            // when the configuration sets them.
            d.maxLength = Self.u16(a[DaemonAttr.syncMaxlen.rawValue]).map(Int.init)
            d.group = Self.address(a[DaemonAttr.mcastGroup.rawValue], family: IPVSGenl.afInet)
            d.port = Self.u16(a[DaemonAttr.mcastPort.rawValue]).map(Int.init)
            d.ttl = a[DaemonAttr.mcastTTL.rawValue]?.first.map(Int.init)
            out.append(d)
        }
        return out
    }

    func daemonRequest(_ cmd: IPVSGenl.Cmd, _ d: SyncDaemon, full: Bool) throws(KernelError) {
        let msg = try message(cmd, flags: NLM_F_ACK)
        let nest = nla_nest_start(msg, IPVSGenl.CmdAttr.daemon.rawValue)
        nla_put_u32(msg, DaemonAttr.state.rawValue, d.role == .master ? 1 : 2)
        if full {
            nla_put_string(msg, DaemonAttr.mcastIfn.rawValue, d.interface)
            nla_put_u32(msg, DaemonAttr.syncID.rawValue, UInt32(truncatingIfNeeded: d.syncID))
            if let m = d.maxLength { nla_put_u16(msg, DaemonAttr.syncMaxlen.rawValue, UInt16(truncatingIfNeeded: m)) }
            if let g = d.group, case .v4 = g { var b = Array(Self.address16(g).prefix(4)); nla_put(msg, DaemonAttr.mcastGroup.rawValue, 4, &b) }
            if let p = d.port { nla_put_u16(msg, DaemonAttr.mcastPort.rawValue, UInt16(truncatingIfNeeded: p)) }
            if let t = d.ttl { nla_put_u8(msg, DaemonAttr.mcastTTL.rawValue, UInt8(truncatingIfNeeded: t)) }
        }
        nla_nest_end(msg, nest)
        let what = "\(cmd == .newDaemon ? "start" : "stop") the \(d.role == .master ? "master" : "backup") sync daemon"
        let box = try exchange(sock, msg, what: what)
        writes += 1
        if let (_, e) = box.errors.first {
            switch e {
            case EPERM, EACCES: throw KernelError.permission(what)
            case EEXIST: throw KernelError.exists("the \(d.role == .master ? "master" : "backup") sync daemon")
            case ESRCH: throw KernelError.notFound("the \(d.role == .master ? "master" : "backup") sync daemon")
            case ENODEV: throw KernelError.noSuchInterface(d.interface)
            default: throw KernelError.kernel(operation: what, errno: e, message: String(cString: strerror(e)))
            }
        }
    }

    public func startSyncDaemon(_ d: SyncDaemon) throws(KernelError) { try daemonRequest(.newDaemon, d, full: true) }
    public func stopSyncDaemon(_ d: SyncDaemon) throws(KernelError) { try daemonRequest(.delDaemon, d, full: false) }
}
