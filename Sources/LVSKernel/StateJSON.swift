import Diagnostics
import LVSCore

/// lvsc's own state file (`lvsc state --format json`, `lvsc plan --state FILE`): the IPVS
/// table, and optionally the addresses and sysctls. Format `lvsc-state/1`, documented in
/// docs/state-format.md.
public enum StateJSON {
    public static func render(_ s: DirectorState) -> String {
        var fields: [(String, JSON)] = [("format", .string("lvsc-state/1"))]
        fields.append(("services", .array(IPVSText.sorted(s.table).services.map(service))))
        if let a = s.addresses {
            fields.append(("addresses", .array(a.map { .object([("address", .string($0.prefix.address.description)),
                                                                 ("prefixLength", .int($0.prefix.length)),
                                                                 ("interface", .string($0.interface))]) })))
        }
        if let sc = s.sysctls {
            fields.append(("sysctls", .object(sc.keys.sorted().map { ($0, .string(sc[$0]!)) })))
        }
        if let ds = s.syncDaemons {
            fields.append(("syncDaemons", .array(ds.map { d in
                .object([("role", .string(d.role.rawValue)), ("interface", .string(d.interface)), ("syncId", .int(d.syncID)),
                         ("maxLength", d.maxLength.map { .int($0) } ?? .null), ("group", .string(d.group?.description)),
                         ("port", d.port.map { .int($0) } ?? .null), ("ttl", d.ttl.map { .int($0) } ?? .null)])
            })))
        }
        return JSON.object(fields).rendered() + "\n"
    }

    static func service(_ s: IPVSService) -> JSON {
        var f: [(String, JSON)] = []
        switch s.key {
        case .address(let p, let a, let port):
            f += [("protocol", .string(p.rawValue)), ("address", .string(a.description)), ("port", .int(port))]
        case .fwmark(let m, let fam):
            f += [("fwmark", .int(Int(m))), ("family", .string(fam.rawValue))]
        }
        f.append(("scheduler", .string(s.scheduler)))
        f.append(("persistence", s.persistence.map { .int($0) } ?? .null))
        switch s.netmask {
        case .v4(let m)?: f.append(("netmask", .string(IPAddress.v4(m).description)))
        case .v6(let n)?: f.append(("netmask", .int(n)))
        case nil: f.append(("netmask", .null))
        }
        f.append(("persistenceEngine", .string(s.persistenceEngine)))
        f.append(("onePacket", .bool(s.onePacket)))
        f.append(("schedulerFlags", .array(s.schedulerFlags.map { .string($0) })))
        f.append(("destinations", .array(s.destinations.map(destination))))
        return .object(f)
    }

    static func destination(_ d: IPVSDestination) -> JSON {
        var f: [(String, JSON)] = [("address", .string(d.address.description)), ("port", .int(d.port))]
        switch d.forwarding {
        case .masquerade: f.append(("forwarding", .string("masquerade")))
        case .route: f.append(("forwarding", .string("route")))
        case .tunnel(let t, let p, let c):
            f += [("forwarding", .string("tunnel")), ("tunnelType", .string(t.rawValue)),
                  ("tunnelPort", p.map { .int($0) } ?? .null), ("tunnelChecksum", .string(c.rawValue))]
        }
        f += [("weight", .int(d.weight)), ("upperThreshold", .int(d.upperThreshold)), ("lowerThreshold", .int(d.lowerThreshold))]
        return .object(f)
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func parse(_ bytes: [UInt8]) -> Result<DirectorState, ReadError> {
        let json: JSON
        switch JSONParser.parse(bytes) {
        case .failure(let e): return .failure(ReadError(message: "not JSON: \(e)"))
        case .success(let j): json = j
        }
        guard json["format"]?.stringValue == "lvsc-state/1" else { return .failure(ReadError(message: "not an lvsc-state/1 file (\"format\" is missing or different)")) }
        guard let services = json["services"]?.arrayValue else { return .failure(ReadError(message: "\"services\" must be an array")) }
        var table = IPVSTable()
        for (n, s) in services.enumerated() {
            func bad(_ m: String) -> Result<DirectorState, ReadError> { .failure(ReadError(message: "services[\(n)]: \(m)")) }
            let key: IPVSServiceKey
            if let m = s["fwmark"]?.intValue {
                guard m > 0, m <= Int(UInt32.max) else { return bad("bad fwmark") }
                key = .fwmark(UInt32(m), s["family"]?.stringValue == "inet6" ? .inet6 : .inet)
            } else {
                guard let p = s["protocol"]?.stringValue.flatMap(IPVSProtocol.init(rawValue:)),
                      let a = s["address"]?.stringValue.flatMap(IPAddress.parse),
                      let port = s["port"]?.intValue, (0...65535).contains(port) else { return bad("needs protocol, address and port (or fwmark)") }
                key = .address(p, a, port: port)
            }
            guard let sched = s["scheduler"]?.stringValue, ValueSyntax.schedulerNameProblem(sched) == nil else { return bad("needs a scheduler name") }
            var svc = IPVSService(key: key, scheduler: sched)
            // Every number is checked against what the kernel keeps: a field that does not read
            // is an error, never a default that makes a wrong state look right.
            func int(_ j: JSON, _ field: String, _ range: ClosedRange<Int>) -> Result<Int?, ReadError> {
                guard let v = j[field] else { return .success(nil) }
                if case .null = v { return .success(nil) }
                guard let n = v.intValue, range.contains(n) else {
                    return .failure(ReadError(message: "services[\(n)]: \(field) must be a whole number in \(range.lowerBound)...\(range.upperBound)"))
                }
                return .success(n)
            }
            switch int(s, "persistence", 1...Int(Int32.max)) {
            case .failure(let e): return .failure(e)
            case .success(let p): svc.persistence = p
            }
            if let m = s["netmask"], m != .null {
                if let text = m.stringValue, case .v4(let v)? = IPAddress.parse(text) { svc.netmask = .v4(v) }
                else if let v = m.intValue, (1...128).contains(v) { svc.netmask = .v6(v) }
                else { return bad("netmask must be an IPv4 mask or an IPv6 prefix length 1...128") }
            }
            if let pe = s["persistenceEngine"], pe != .null {
                guard let name = pe.stringValue, ValueSyntax.persistenceEngineProblem(name) == nil else { return bad("bad persistenceEngine") }
                svc.persistenceEngine = name
            }
            svc.onePacket = s["onePacket"]?.boolValue ?? false
            svc.schedulerFlags = s["schedulerFlags"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for (k, d) in (s["destinations"]?.arrayValue ?? []).enumerated() {
                func badDest(_ m: String) -> Result<DirectorState, ReadError> { bad("destinations[\(k)]: \(m)") }
                guard let a = d["address"]?.stringValue.flatMap(IPAddress.parse), let port = d["port"]?.intValue,
                      let w = d["weight"]?.intValue else { return bad("destinations[\(k)] needs address, port and weight") }
                guard (0...65535).contains(port) else { return badDest("port must be in 0...65535") }
                guard (0...Int(Int32.max)).contains(w) else { return badDest("weight must be in 0...\(Int32.max)") }
                let fwd: IPVSForwarding
                switch d["forwarding"]?.stringValue {
                case "masquerade": fwd = .masquerade
                case "route": fwd = .route
                case "tunnel":
                    let typeText = d["tunnelType"]?.stringValue ?? "ipip", csumText = d["tunnelChecksum"]?.stringValue ?? "nocsum"
                    guard let type = IPVSForwarding.TunnelType(rawValue: typeText) else { return badDest("tunnelType must be ipip, gue or gre") }
                    guard let csum = IPVSForwarding.TunnelChecksum(rawValue: csumText) else { return badDest("tunnelChecksum must be nocsum, csum or remcsum") }
                    var tunnelPort: Int?
                    switch int(d, "tunnelPort", 0...65535) {
                    case .failure: return badDest("tunnelPort must be in 0...65535")
                    case .success(let p): tunnelPort = p
                    }
                    fwd = .tunnel(type: type, port: tunnelPort, checksum: csum)
                default: return badDest("forwarding must be masquerade, route or tunnel")
                }
                var dest = IPVSDestination(address: a, port: port, forwarding: fwd, weight: w)
                switch (int(d, "upperThreshold", 0...Int(UInt32.max)), int(d, "lowerThreshold", 0...Int(UInt32.max))) {
                case (.success(let x), .success(let y)):
                    dest.upperThreshold = x ?? 0
                    dest.lowerThreshold = y ?? 0
                default: return badDest("thresholds must be whole numbers in 0...\(UInt32.max)")
                }
                svc.destinations.append(dest)
            }
            table.services.append(svc)
        }
        var state = DirectorState(table: table)
        if let a = json["addresses"]?.arrayValue {
            var list: [HostAddress] = []
            for x in a {
                guard let addr = x["address"]?.stringValue.flatMap(IPAddress.parse), let len = x["prefixLength"]?.intValue,
                      let dev = x["interface"]?.stringValue, ValueSyntax.interfaceProblem(dev) == nil, len >= 0, len <= addr.maxPrefix else {
                    return .failure(ReadError(message: "addresses: each needs address, prefixLength and interface"))
                }
                list.append(HostAddress(prefix: IPPrefix(address: addr, length: len, explicitLength: true), interface: dev))
            }
            state.addresses = list
        }
        if case .object(let fields)? = json["sysctls"] {
            var sc: [String: String] = [:]
            for (k, v) in fields { sc[k] = v.stringValue ?? v.intValue.map(String.init) ?? "" }
            state.sysctls = sc
        }
        if let ds = json["syncDaemons"]?.arrayValue {
            var list: [SyncDaemon] = []
            for x in ds {
                guard let role = x["role"]?.stringValue.flatMap(SyncDaemon.Role.init(rawValue:)), let ifn = x["interface"]?.stringValue,
                      ValueSyntax.interfaceProblem(ifn) == nil,
                      let id = x["syncId"]?.intValue, (0...255).contains(id) else { return .failure(ReadError(message: "syncDaemons: each needs role, interface and syncId (0...255)")) }
                var d = SyncDaemon(role: role, interface: ifn, syncID: id)
                d.maxLength = x["maxLength"]?.intValue; d.group = x["group"]?.stringValue.flatMap(IPAddress.parse)
                d.port = x["port"]?.intValue; d.ttl = x["ttl"]?.intValue
                list.append(d)
            }
            state.syncDaemons = list
        }
        return .success(state)
    }
}
