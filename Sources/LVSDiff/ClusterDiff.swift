import Diagnostics
import LVSCore
import LVSEmit
import LVSKernel
import LVSModel
import LVSSimulate
import VRRP

/// One side of `lvsc diff`: a loaded cluster, where its files are (stripped from the generated
/// files' text, so two checkouts in different folders compare equal), and its name for people.
public struct DiffSide {
    public var cluster: Cluster
    public var sources: SourceManager
    public var label: String
    /// The folder the cluster was read from, with a trailing slash ("" for the current one).
    public var root: String

    public init(cluster: Cluster, sources: SourceManager, label: String, root: String) {
        self.cluster = cluster
        self.sources = sources
        self.label = label
        self.root = root.isEmpty || root.hasSuffix("/") ? root : root + "/"
    }
}

/// What a change does, director by director: VRRP (and whether deploying it moves a VIP), the
/// IPVS operations between the two compiled tables with their effect on traffic, and the
/// changed lines of every generated keepalived.conf and rc.final block.
public struct ClusterDiff {
    public struct VIPMove: Sendable {
        public var group: String
        public var vips: [String]
        public var from: [String]
        public var to: [String]
        public var why: String
    }

    public struct IPVSChange: Sendable {
        /// The operation as `lvsc plan` prints it (the ipvsadm command that does the same).
        public var operation: String
        public var effect: String
    }

    public struct HostDiff: Sendable {
        public var host: String
        /// added, removed, changed.
        public var status: String
        public var vrrp: [String] = []
        public var moves: [VIPMove] = []
        public var ipvs: [IPVSChange] = []
        public var keepalivedConf: String = ""
        public var rcFinal: String = ""

        public var isEmpty: Bool { vrrp.isEmpty && moves.isEmpty && ipvs.isEmpty && keepalivedConf.isEmpty && rcFinal.isEmpty }
    }

    public var old: String
    public var new: String
    public var hosts: [HostDiff] = []
    public var isEmpty: Bool { hosts.isEmpty }

    public init(old o: DiffSide, new n: DiffSide) {
        old = o.label
        new = n.label
        let oldModel = SimulationModel.build(o.cluster), newModel = SimulationModel.build(n.cluster)
        let moves = Self.moves(oldModel, newModel)
        var oldRC = RCFinal(cluster: o.cluster, options: RCFinal.Options())
        var newRC = RCFinal(cluster: n.cluster, options: RCFinal.Options())
        var oldKA = KeepalivedEmitter(cluster: o.cluster, sources: o.sources)
        var newKA = KeepalivedEmitter(cluster: n.cluster, sources: n.sources)
        let render = PlanRender(sources: n.sources)
        // Every host of either side, in the new side's order, then the ones only the old has.
        var names: [String] = n.cluster.inventory.hosts.map(\.name.value)
        for h in o.cluster.inventory.hosts where !names.contains(h.name.value) { names.append(h.name.value) }
        if !n.cluster.hasInventory || !o.cluster.hasInventory {
            for d in n.cluster.directors + o.cluster.directors where !names.contains(d.name) { names.append(d.name) }
        }
        for name in names {
            let od = o.cluster.directors.first { $0.name == name && $0.config != nil }
            let nd = n.cluster.directors.first { $0.name == name && $0.config != nil }
            var h = HostDiff(host: name, status: od == nil && nd != nil ? "added" : od != nil && nd == nil ? "removed" : "changed")
            if od != nil || nd != nil {
                h.vrrp = Self.vrrpChanges(od?.config, nd?.config)
                h.moves = moves.filter { $0.from.contains(name) || $0.to.contains(name) }
                var notes: [EmitNote] = []
                let before = od.map { DirectorState.desired(for: $0, notes: &notes) } ?? DirectorState(table: IPVSTable(), addresses: [], sysctls: [:])
                let after = nd.map { DirectorState.desired(for: $0, notes: &notes) } ?? DirectorState(table: IPVSTable(), addresses: [], sysctls: [:])
                let plan = Plan.make(from: before, to: after)
                h.ipvs = plan.operations.map { op in
                    IPVSChange(operation: render.text(Plan(operations: [op]), explain: false).trimmingSuffixNewline(), effect: Self.effect(op))
                }
                let oldConf = od != nil ? oldKA.emit(host: name).map { Self.strip($0, o.root) } : nil
                let newConf = nd != nil ? newKA.emit(host: name).map { Self.strip($0, n.root) } : nil
                h.keepalivedConf = Self.diff(oldConf, newConf, o.label, n.label, "\(name)/keepalived.conf")
            } else {
                h.status = o.cluster.inventory.hosts.contains { $0.name.value == name }
                    ? (n.cluster.inventory.hosts.contains { $0.name.value == name } ? "changed" : "removed") : "added"
            }
            let oh = o.cluster.inventory.hosts.first { $0.name.value == name }
            let nh = n.cluster.inventory.hosts.first { $0.name.value == name }
            h.rcFinal = Self.diff(oh.flatMap { oldRC.block(for: $0) }.map { Self.strip(Array($0.utf8), o.root) },
                                  nh.flatMap { newRC.block(for: $0) }.map { Self.strip(Array($0.utf8), n.root) },
                                  o.label, n.label, "\(name)/rc.final")
            if !h.isEmpty { hosts.append(h) }
        }
    }

    /// The unified diff of one generated file ("" when equal; a missing side is empty).
    static func diff(_ a: [UInt8]?, _ b: [UInt8]?, _ la: String, _ lb: String, _ path: String) -> String {
        let x = a ?? [], y = b ?? []
        guard x != y else { return "" }
        return String(decoding: UnifiedDiff.render(x, y, from: "\(la): \(a == nil ? "(none)" : path)", to: "\(lb): \(b == nil ? "(none)" : path)"), as: UTF8.self)
    }

    /// The side's folder taken out of a generated file (its header names the source file).
    static func strip(_ bytes: [UInt8], _ root: String) -> [UInt8] {
        guard !root.isEmpty else { return bytes }
        return Array(String(decoding: bytes, as: UTF8.self).replacingAll(root, with: "").utf8)
    }

    // MARK: VRRP

    static func vrrpChanges(_ a: KeepalivedConfig?, _ b: KeepalivedConfig?) -> [String] {
        var out: [String] = []
        let old = a?.instances ?? [], new = b?.instances ?? []
        for i in new where !old.contains(where: { $0.name.value == i.name.value }) {
            out.append("\(i.name.value) added: virtual_router_id \(i.virtualRouterID?.value ?? 0), priority \(i.effectivePriority), VIPs \(vips(i))")
        }
        for i in old where !new.contains(where: { $0.name.value == i.name.value }) {
            out.append("\(i.name.value) removed (virtual_router_id \(i.virtualRouterID?.value ?? 0), VIPs \(vips(i)))")
        }
        for i in new {
            guard let p = old.first(where: { $0.name.value == i.name.value }) else { continue }
            func change(_ what: String, _ x: String, _ y: String) { if x != y { out.append("\(i.name.value): \(what) \(x) -> \(y)") } }
            change("state", p.effectiveState.rawValue, i.effectiveState.rawValue)
            change("priority", String(p.effectivePriority), String(i.effectivePriority))
            change("virtual_router_id", String(p.virtualRouterID?.value ?? 0), String(i.virtualRouterID?.value ?? 0))
            change("interface", p.interface?.value ?? "-", i.interface?.value ?? "-")
            change("advert_int", String(p.advertInterval?.value ?? 1), String(i.advertInterval?.value ?? 1))
            change("nopreempt", String(p.nopreempt?.value == true), String(i.nopreempt?.value == true))
            change("preempt_delay", String(p.preemptDelay?.value ?? 0), String(i.preemptDelay?.value ?? 0))
            change("unicast peers", p.unicastPeers.map(\.value.description).joined(separator: ","), i.unicastPeers.map(\.value.description).joined(separator: ","))
            let pv = p.virtualIPs.map { "\($0.prefix)" }, iv = i.virtualIPs.map { "\($0.prefix)" }
            for v in iv where !pv.contains(v) { out.append("\(i.name.value): VIP \(v) added") }
            for v in pv where !iv.contains(v) { out.append("\(i.name.value): VIP \(v) removed") }
        }
        return out
    }

    static func vips(_ i: VRRPInstance) -> String {
        i.virtualIPs.isEmpty ? "none" : i.virtualIPs.map { "\($0.prefix)" }.joined(separator: ", ")
    }

    /// Where each VRRP group's MASTER settles on each side (the simulator's start-up state,
    /// with the runtime's state machine): a group whose MASTER differs moves its VIPs when the
    /// change is deployed (a backup that now outranks the MASTER preempts).
    static func moves(_ a: SimulationModel, _ b: SimulationModel) -> [VIPMove] {
        let sa = Simulator(model: a), sb = Simulator(model: b)
        let before = sa.snapshot(sa.baseline(), failedServers: []), after = sb.snapshot(sb.baseline(), failedServers: [])
        var out: [VIPMove] = []
        for (g, group) in b.groups.enumerated() {
            let to = after.groups[g].masters.map { b.directors[$0].name }
            guard let og = a.groups.firstIndex(where: { $0.vrid == group.vrid && $0.lan == group.lan }) else { continue }
            let from = before.groups[og].masters.map { a.directors[$0].name }
            guard Set(from) != Set(to) else { continue }
            var vips: [String] = []
            for m in group.members {
                for v in b.directors[m.director].plan.instances[m.router].router.virtualAddresses where !vips.contains(v.description) { vips.append(v.description) }
            }
            let priorities = after.groups[g].members.map { "\(b.directors[$0.ref.director].name) \($0.priority)" }.joined(separator: ", ")
            let why = to.isEmpty ? "no director is MASTER any more"
                : to.count > 1 ? "\(to.count) directors are MASTER at once"
                : "priorities now \(priorities)"
            out.append(VIPMove(group: group.name, vips: vips, from: from, to: to, why: why))
        }
        return out
    }

    // MARK: IPVS

    /// A service as people name it: `TCP 192.0.2.10:80`, `FWM 5`.
    static func service(_ k: IPVSServiceKey) -> String {
        switch k {
        case .address(let p, let a, let port): return a.family == .inet6 ? "\(p.rawValue.uppercased()) [\(a)]:\(port)" : "\(p.rawValue.uppercased()) \(a):\(port)"
        case .fwmark(let m, let f): return "FWM \(m)\(f == .inet6 ? " IPv6" : "")"
        }
    }

    /// What an operation does to traffic.
    static func effect(_ op: PlanOperation) -> String {
        switch op {
        case .addService(let s): return "new service \(service(s.key)) with \(s.destinations.count) real server\(s.destinations.count == 1 ? "" : "s")"
        case .deleteService(let s): return "service \(service(s.key)) removed: its clients' connections are cut"
        case .updateService(let s, let old):
            var parts: [String] = []
            if s.scheduler != old.scheduler { parts.append("scheduler \(old.scheduler) -> \(s.scheduler): new connections are spread differently") }
            if s.persistence != old.persistence || s.effectiveNetmask != old.effectiveNetmask {
                parts.append("persistence \(old.persistence.map { "\($0) s" } ?? "off") -> \(s.persistence.map { "\($0) s" } ?? "off"): clients are rebalanced (their stickiness starts over)")
            }
            return parts.isEmpty ? "service flags change" : parts.joined(separator: "; ")
        case .addDestination(let k, let d): return "real server \(IPVSText.endpoint(d.address, d.port)) joins \(service(k)) (weight \(d.weight)): it takes a share of new connections"
        case .deleteDestination(let k, let d): return "real server \(IPVSText.endpoint(d.address, d.port)) leaves \(service(k)): its connections are lost"
        case .updateDestination(let k, let d, let old):
            if d.weight != old.weight {
                return d.weight == 0 ? "\(IPVSText.endpoint(d.address, d.port)) in \(service(k)) drained (weight 0): no new connections, existing ones stay"
                    : "\(IPVSText.endpoint(d.address, d.port)) in \(service(k)): weight \(old.weight) -> \(d.weight), its share of new connections changes"
            }
            return "\(IPVSText.endpoint(d.address, d.port)) in \(service(k)): forwarding or thresholds change"
        case .addAddress(let a): return "the director takes address \(a.prefix.address)"
        case .deleteAddress(let a): return "the director gives up address \(a.prefix.address)"
        case .setSysctl(let n, let v, _): return "\(n) = \(v)"
        case .startSyncDaemon: return "connection sync starts: connections survive a takeover"
        case .stopSyncDaemon: return "connection sync stops: a takeover loses connections"
        }
    }
}

extension String {
    func trimmingSuffixNewline() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
