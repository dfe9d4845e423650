import LVSKernel
import LVSModel

/// Something of the configuration that an output cannot carry; reported, never dropped silently.
public struct EmitNote: Sendable, Hashable {
    public var rule: RuleID
    public var severity: Severity
    public var message: String
    public var span: SourceSpan?

    public init(_ message: String, at span: SourceSpan?, rule: RuleID, severity: Severity = .note) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.span = span
    }

    /// The note as a finding, for `--format json` and a daemon's log: the same id and text.
    public var diagnostic: Diagnostic {
        Diagnostic(rule: rule, severity: severity, message: message, span: span)
    }
}

/// Compiles a keepalived.conf model into the IPVS table keepalived would program at start-up,
/// with every real server up (checkers have not run yet).
public struct IPVSCompiler {
    public private(set) var notes: [EmitNote] = []
    /// Health checkers by kind over the whole file, reported once.
    var checkerCounts: [String: Int] = [:]
    var firstCheckedService: SourceSpan?
    var checkedServices = 0

    public init() {}

    /// Ranges in a virtual_server_group larger than this are refused: keepalived would create
    /// one service per address, and so would lvsc.
    static let rangeLimit = 65_536

    public mutating func compile(_ config: KeepalivedConfig) -> IPVSTable {
        var table = IPVSTable()
        var seen = Set<IPVSServiceKey>()
        let groups = Dictionary(config.virtualServerGroups.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        for vs in config.virtualServers {
            if vs.realServers.isEmpty {
                notes.append(EmitNote("virtual_server without real servers: keepalived ignores it, so no IPVS service", at: vs.key.span, rule: .emptyVirtualServer))
                continue
            }
            let forcedPersistence = vs.portZeroMadePersistent(groups: groups)
            if forcedPersistence {
                notes.append(EmitNote("a port-0 service without persistence_timeout: keepalived makes it persistent for 360 s (and reports a config error), so the table has -p 360", at: vs.key.span, rule: .portZeroPersistence))
            }
            for key in serviceKeys(vs, groups) {
                guard seen.insert(key).inserted else {
                    notes.append(EmitNote("service \(IPVSText.service(key)) is defined twice; the first definition is used", at: vs.key.span, rule: .duplicateVirtualServer))
                    continue
                }
                var s = service(vs, key)
                if forcedPersistence, s.persistence == nil { s.persistence = 360 }
                table.services.append(s)
            }
            reportUnexpressed(vs)
        }
        if let at = firstCheckedService {
            let list = checkerCounts.keys.sorted().map { "\(checkerCounts[$0]!) \($0)" }.joined(separator: ", ")
            notes.append(EmitNote("health checks (\(list) in \(checkedServices) virtual server\(checkedServices == 1 ? "" : "s")) run in keepalived's checker, not in the IPVS table: the table lists every real server as up", at: at, rule: .checkerOnly))
        }
        return table
    }

    func ipvsProtocol(_ vs: VirtualServer) -> IPVSProtocol {
        switch vs.proto?.value {
        case .tcp?: return .tcp
        case .sctp?: return .sctp
        // keepalived's default when protocol is missing (with a configuration error).
        case .udp?, nil: return .udp
        }
    }

    mutating func serviceKeys(_ vs: VirtualServer, _ groups: [String: VirtualServerGroup]) -> [IPVSServiceKey] {
        switch vs.key.value {
        case .address(let a, let port):
            return [.address(ipvsProtocol(vs), a, port: port ?? 0)]
        case .fwmark(let m):
            return [.fwmark(m, vs.realServers.first?.address.value.family ?? .inet)]
        case .group(let name):
            guard let g = groups[name] else {
                notes.append(EmitNote("virtual_server_group \(name) is not defined: no services", at: vs.key.span, rule: .undefinedReference))
                return []
            }
            var keys: [IPVSServiceKey] = []
            for e in g.entries {
                switch e.kind {
                case .fwmark(let m, let fam):
                    keys.append(.fwmark(m, fam ?? vs.realServers.first?.address.value.family ?? .inet))
                case .range(let first, let last, let port):
                    let addresses = Self.expand(first, last)
                    if addresses.isEmpty {
                        notes.append(EmitNote("range \(first)-\(last) is empty or larger than \(Self.rangeLimit) addresses: skipped", at: e.span, rule: .valueRange))
                    }
                    for a in addresses { keys.append(.address(ipvsProtocol(vs), a, port: port ?? 0)) }
                }
            }
            return keys
        }
    }

    static func expand(_ first: IPAddress, _ last: IPAddress) -> [IPAddress] {
        switch (first, last) {
        case (.v4(let a), .v4(let b)) where a <= b && Int(b - a) < rangeLimit:
            return (a...b).map { .v4($0) }
        case (.v6(let ah, let al), .v6(let bh, let bl)) where ah == bh && al <= bl && bl - al < UInt64(rangeLimit):
            return (al...bl).map { .v6(ah, $0) }
        default:
            return first == last ? [first] : []
        }
    }

    func forwarding(_ m: ForwardingMethod) -> IPVSForwarding {
        switch m {
        case .nat: return .masquerade
        case .directRouting: return .route
        case .tunnel(let type, let port, let csum):
            return .tunnel(type: IPVSForwarding.TunnelType(rawValue: type.rawValue) ?? .ipip, port: port,
                           checksum: csum.flatMap { IPVSForwarding.TunnelChecksum(rawValue: $0.rawValue) } ?? .nocsum)
        }
    }

    mutating func service(_ vs: VirtualServer, _ key: IPVSServiceKey) -> IPVSService {
        var s = IPVSService(key: key, scheduler: vs.scheduler?.value ?? "wlc", origin: vs.key.span)
        let granularity = vs.persistenceGranularity
        if let p = vs.persistenceTimeout?.value { s.persistence = p } else if granularity != nil { s.persistence = 360 }
        if let g = granularity?.value {
            if key.family == .inet, case .v4(let mask)? = IPAddress.parse(g) { s.netmask = .v4(mask) }
            else if key.family == .inet6, let n = Int(g), (1...128).contains(n) { s.netmask = .v6(n) }
        }
        s.persistenceEngine = vs.persistenceEngine?.value
        if vs.ops?.value == true {
            if case .address(.udp, _, _) = key { s.onePacket = true }
            else if case .fwmark = key { s.onePacket = true }
        }
        s.schedulerFlags = vs.schedulerFlags.map(\.value).filter { $0 != "hashed" }
        var servicePort = 0
        if case .address(_, _, let p) = key { servicePort = p }
        var seen = Set<IPVSDestination.Key>()
        for rs in vs.realServers {
            let method = rs.method?.value ?? vs.method?.value ?? .nat
            let fwd = forwarding(method)
            var port = rs.port?.value ?? servicePort
            if fwd != .masquerade { port = servicePort }
            var d = IPVSDestination(address: rs.address.value, port: port, forwarding: fwd,
                                    weight: rs.weight?.value ?? vs.defaultWeight?.value ?? 1, origin: rs.address.span)
            d.upperThreshold = rs.upperThreshold?.value ?? 0
            d.lowerThreshold = rs.lowerThreshold?.value ?? 0
            guard seen.insert(d.key).inserted else { continue }
            s.destinations.append(d)
        }
        return s
    }

    /// keepalived features that live in its checker process, not in the IPVS table.
    mutating func reportUnexpressed(_ vs: VirtualServer) {
        if let q = vs.quorum { notes.append(EmitNote("quorum \(q.value) is enforced by keepalived's checker, not by IPVS", at: q.span, rule: .checkerOnly)) }
        if let h = vs.hysteresis { notes.append(EmitNote("hysteresis \(h.value) is enforced by keepalived's checker, not by IPVS", at: h.span, rule: .checkerOnly)) }
        if let s = vs.sorryServer { notes.append(EmitNote("sorry_server \(s.value) is added only when every real server is down", at: s.span, rule: .checkerOnly)) }
        var checked = false
        for rs in vs.realServers {
            for c in rs.checkers { checkerCounts[c.keyword, default: 0] += 1; checked = true }
            if let w = rs.weight, w.value > 65_535 {
                notes.append(EmitNote("weight \(w.value) of real server \(rs.address.value) is above ipvsadm's -w limit 65535: ipvsadm-restore rejects the line (keepalived sets it through netlink)", at: w.span, rule: .ipvsadmFormat, severity: .warning))
            }
        }
        if checked {
            checkedServices += 1
            if firstCheckedService == nil { firstCheckedService = vs.key.span }
        }
    }
}
