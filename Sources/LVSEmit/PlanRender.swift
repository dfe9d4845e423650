import LVSKernel
import LVSModel

extension DirectorState {
    /// What a director must hold according to its configuration: the compiled table, the
    /// forwarding sysctls and, for a standalone director (no VRRP), its VIPs. With VRRP the
    /// runtime owns the VIPs, so the plan does not touch addresses.
    public static func desired(for d: ClusterDirector, notes: inout [EmitNote]) -> DirectorState {
        var compiler = IPVSCompiler()
        let table = compiler.compile(d.config!)
        notes += compiler.notes
        var sysctls = ["net.ipv4.ip_forward": "1"]
        if table.services.contains(where: { $0.key.family == .inet6 }) { sysctls["net.ipv6.conf.all.forwarding"] = "1" }
        var state = DirectorState(table: table, addresses: nil, sysctls: sysctls)
        state.syncDaemons = SyncDaemon.from(d.config!, notes: &notes).map { [$0] } ?? []
        if d.config!.instances.isEmpty {
            let iface = d.host.interface?.value ?? "eth0"
            var seen = Set<IPAddress>()
            var addresses: [HostAddress] = []
            for s in IPVSText.sorted(table).services {
                guard case .address(_, let a, _) = s.key, seen.insert(a).inserted else { continue }
                let len = d.host.subnet.map { $0.value.address.family == a.family && $0.value.contains(a) ? $0.value.length : a.maxPrefix } ?? a.maxPrefix
                addresses.append(HostAddress(prefix: IPPrefix(address: a, length: len, explicitLength: true), interface: iface, origin: s.origin))
            }
            state.addresses = addresses
        }
        return state
    }
}

/// The plan for people (ipvsadm-style lines) and for programs (JSON).
public struct PlanRender {
    public let sources: SourceManager

    public init(sources: SourceManager) { self.sources = sources }

    func fwdText(_ d: IPVSDestination) -> String {
        var s = IPVSText.forwardingSwitch(d.forwarding)
        if case .tunnel(let t, let p, let c) = d.forwarding {
            s += " --tun-type \(t.rawValue)"
            if let p { s += " --tun-port \(p)" }
            if t != .ipip { s += " --tun-\(c.rawValue)" }
        }
        return s
    }

    func changes(_ new: IPVSDestination, _ old: IPVSDestination) -> [(String, String, String)] {
        var c: [(String, String, String)] = []
        if new.weight != old.weight { c.append(("weight", String(old.weight), String(new.weight))) }
        if new.forwarding != old.forwarding { c.append(("forwarding", fwdText(old), fwdText(new))) }
        if new.upperThreshold != old.upperThreshold { c.append(("upperThreshold", String(old.upperThreshold), String(new.upperThreshold))) }
        if new.lowerThreshold != old.lowerThreshold { c.append(("lowerThreshold", String(old.lowerThreshold), String(new.lowerThreshold))) }
        return c
    }

    func serviceChanges(_ new: IPVSService, _ old: IPVSService) -> [(String, String, String)] {
        var c: [(String, String, String)] = []
        if new.scheduler != old.scheduler { c.append(("scheduler", old.scheduler, new.scheduler)) }
        if new.persistence != old.persistence { c.append(("persistence", old.persistence.map(String.init) ?? "off", new.persistence.map(String.init) ?? "off")) }
        if new.effectiveNetmask != old.effectiveNetmask { c.append(("netmask", mask(old), mask(new))) }
        if new.persistenceEngine != old.persistenceEngine { c.append(("persistenceEngine", old.persistenceEngine ?? "none", new.persistenceEngine ?? "none")) }
        if new.onePacket != old.onePacket { c.append(("onePacket", String(old.onePacket), String(new.onePacket))) }
        if new.schedulerFlagBits != old.schedulerFlagBits { c.append(("schedulerFlags", old.schedulerFlags.joined(separator: ","), new.schedulerFlags.joined(separator: ","))) }
        return c
    }

    func mask(_ s: IPVSService) -> String {
        switch s.effectiveNetmask {
        case .v4(let m): return IPAddress.v4(m).description
        case .v6(let n): return String(n)
        }
    }

    /// The change made outside the configuration that an operation would undo: a drained
    /// weight, a real server taken out of a service that is still there (by hand, or by a
    /// health checker of another table owner).
    func reverts(_ op: PlanOperation, in plan: Plan) -> String? {
        switch op {
        case .updateDestination(let k, let d, let old) where d.weight != old.weight:
            if old.weight == 0 {
                return "a drained real server: the kernel has \(IPVSText.endpoint(d.address, d.port)) of \(IPVSText.service(k)) at weight 0, the configuration at \(d.weight)"
            }
            return "a weight set outside the configuration: \(old.weight) in the kernel, \(d.weight) in the configuration"
        case .addDestination(let k, let d):
            let serviceIsNew = plan.operations.contains { if case .addService(let s) = $0 { return s.key == k }; return false }
            if serviceIsNew { return nil }
            return "the removal of \(IPVSText.endpoint(d.address, d.port)) from \(IPVSText.service(k)), which the kernel still serves (taken out by hand, or by a health checker)"
        default:
            return nil
        }
    }

    /// One line per operation, written as the ipvsadm (or ip/sysctl) command that does the same.
    public func text(_ plan: Plan, explain: Bool) -> String {
        if plan.isEmpty { return "" }
        var out = ""
        for op in plan.operations {
            var line: String
            switch op {
            case .addService(let s): line = "add service      ipvsadm " + IPVSText.addServiceLine(s)
            case .updateService(let s, let old):
                line = "update service   ipvsadm -E" + IPVSText.addServiceLine(s).dropFirst(2) + "   # " + describe(serviceChanges(s, old))
            case .deleteService(let s): line = "delete service   ipvsadm -D \(IPVSText.service(s.key))"
            case .addDestination(let k, let d): line = "add dest         ipvsadm -a \(IPVSText.service(k)) -r \(IPVSText.endpoint(d.address, d.port)) \(fwdText(d)) -w \(d.weight)"
            case .updateDestination(let k, let d, let old):
                line = "update dest      ipvsadm -e \(IPVSText.service(k)) -r \(IPVSText.endpoint(d.address, d.port)) \(fwdText(d)) -w \(d.weight)   # " + describe(changes(d, old))
            case .deleteDestination(let k, let d): line = "delete dest      ipvsadm -d \(IPVSText.service(k)) -r \(IPVSText.endpoint(d.address, d.port))"
            case .addAddress(let a): line = "add address      ip addr add \(a.prefix.address)/\(a.prefix.length) dev \(a.interface)"
            case .deleteAddress(let a): line = "delete address   ip addr del \(a.prefix.address)/\(a.prefix.length) dev \(a.interface)"
            case .setSysctl(let n, let v, let old): line = "set sysctl       sysctl -w \(n)=\(v)" + (old.map { "   # was \($0)" } ?? "")
            case .startSyncDaemon(let d): line = "start daemon     " + d.command
            case .stopSyncDaemon(let d): line = "stop daemon      ipvsadm --stop-daemon \(d.role.rawValue)"
            }
            out += line + "\n"
            if explain {
                if let o = op.origin {
                    let r = sources.resolve(o)
                    let text = String(decoding: sources[Int(o.file)].lineText(r.line), as: UTF8.self)
                    var t = Substring(text)
                    while t.first == " " || t.first == "\t" { t = t.dropFirst() }
                    out += "    because \(r.path):\(r.line): \(t)\n"
                } else if case .setSysctl = op {
                    out += "    because a director forwards packets it does not own\n"
                } else {
                    out += "    because no line of the configuration asks for it any more\n"
                }
                if let undone = reverts(op, in: plan) { out += "    reverts \(undone)\n" }
            }
        }
        return out
    }

    func describe(_ c: [(String, String, String)]) -> String {
        c.map { "\($0.0) \($0.1) -> \($0.2)" }.joined(separator: ", ")
    }

    public func json(_ plan: Plan) -> String {
        JSON.array(plan.operations.map { op in
            var f: [(String, JSON)] = []
            func svc(_ k: IPVSServiceKey) -> JSON { .string(IPVSText.service(k)) }
            switch op {
            case .addService(let s): f = [("op", .string("add-service")), ("service", svc(s.key)), ("rule", .string(IPVSText.addServiceLine(s)))]
            case .updateService(let s, let old):
                f = [("op", .string("update-service")), ("service", svc(s.key)), ("changes", changesJSON(serviceChanges(s, old)))]
            case .deleteService(let s): f = [("op", .string("delete-service")), ("service", svc(s.key))]
            case .addDestination(let k, let d):
                f = [("op", .string("add-destination")), ("service", svc(k)), ("destination", .string(IPVSText.endpoint(d.address, d.port))),
                     ("forwarding", .string(fwdText(d))), ("weight", .int(d.weight))]
            case .updateDestination(let k, let d, let old):
                f = [("op", .string("update-destination")), ("service", svc(k)), ("destination", .string(IPVSText.endpoint(d.address, d.port))),
                     ("changes", changesJSON(changes(d, old)))]
            case .deleteDestination(let k, let d):
                f = [("op", .string("delete-destination")), ("service", svc(k)), ("destination", .string(IPVSText.endpoint(d.address, d.port)))]
            case .addAddress(let a):
                f = [("op", .string("add-address")), ("address", .string("\(a.prefix.address)/\(a.prefix.length)")), ("interface", .string(a.interface))]
            case .deleteAddress(let a):
                f = [("op", .string("delete-address")), ("address", .string("\(a.prefix.address)/\(a.prefix.length)")), ("interface", .string(a.interface))]
            case .setSysctl(let n, let v, let old):
                f = [("op", .string("set-sysctl")), ("name", .string(n)), ("value", .string(v)), ("from", .string(old))]
            case .startSyncDaemon(let d):
                f = [("op", .string("start-sync-daemon")), ("role", .string(d.role.rawValue)), ("interface", .string(d.interface)), ("syncId", .int(d.syncID))]
            case .stopSyncDaemon(let d):
                f = [("op", .string("stop-sync-daemon")), ("role", .string(d.role.rawValue))]
            }
            if let o = op.origin {
                let r = sources.resolve(o)
                f.append(("origin", .object([("file", .string(r.path)), ("line", .int(r.line)), ("column", .int(r.column))])))
            } else {
                f.append(("origin", .null))
            }
            return .object(f)
        }).rendered() + "\n"
    }

    func changesJSON(_ c: [(String, String, String)]) -> JSON {
        .object(c.map { ($0.0, .object([("from", .string($0.1)), ("to", .string($0.2))])) })
    }
}
