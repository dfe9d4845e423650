import Diagnostics
import LVSCore
import LVSKernel
import LVSModel
import LVSSimulate
import VRRP

/// The cluster as a picture, independent of the drawing language: directors, the VRRP groups
/// they run (with who is MASTER), the VIPs, the virtual services on them and their real
/// servers, each LAN a box. Node ids are made here (`n0`, `n1`, …), never taken from the
/// configuration, so no name can break out of a label into the drawing language.
public struct ClusterGraph: Sendable {
    public enum Kind: String, Sendable { case director, group, vip, service, realServer, note }
    public enum Look: String, Sendable { case normal, failed, moved, warning, error }

    public struct Node: Sendable {
        public var id: String
        public var kind: Kind
        public var lines: [String]
        public var look: Look = .normal
        /// The LAN box it sits in (an index into `lans`).
        public var lan: Int?
    }

    public struct Edge: Sendable {
        public enum Role: String, Sendable { case master, backup, fault, down, link, moved, failed }
        public var from: String
        public var to: String
        public var label: String?
        public var role: Role = .link
    }

    public var title: String
    public var lans: [String] = []
    public var nodes: [Node] = []
    public var edges: [Edge] = []

    /// `snapshot`: the state to draw (the start-up state, or a simulation's outcome);
    /// `outcome`: when a simulation ran, what failed and moved; `findings`: lint's
    /// diagnostics, counted on the director (or cluster.txt) they point into.
    public init(model: SimulationModel, cluster: Cluster, snapshot: SimSnapshot, outcome: SimOutcome? = nil,
                findings: [(file: String, severity: Severity)] = [], title: String) {
        self.title = title
        var ids = 0
        func id() -> String { defer { ids += 1 }; return "n\(ids)" }
        func lan(_ key: String) -> Int {
            if let i = lans.firstIndex(of: key) { return i }
            lans.append(key)
            return lans.count - 1
        }
        let failed = outcome?.failures ?? []
        let failedServers = Set(failed.compactMap { if case .realServerDown(let a) = $0 { a } else { nil } })
        var downLinks: [Int: Set<String>] = [:]
        for case .linkDown(let d, let i) in failed { downLinks[d, default: []].insert(i) }
        var names: [IPAddress: String] = [:]
        for h in cluster.inventory.hosts { if let a = h.address?.value, names[a] == nil { names[a] = h.name.value } }
        // Subnets of the directors' LANs, for placing VIPs' and real servers' boxes.
        var subnets: [(IPPrefix, String)] = []
        for d in cluster.directors {
            for l in d.host.lans { if let s = l.subnet?.value, let k = l.key { subnets.append((s, k)) } }
        }
        func lanOf(_ a: IPAddress) -> Int? { subnets.first { $0.0.contains(a) }.map { lan($0.1) } }

        // Directors.
        var directorNode: [String] = []
        for (d, director) in model.directors.enumerated() {
            var lines = [director.name]
            if let a = cluster.directors.first(where: { $0.name == director.name })?.host.address?.value { lines.append(a.description) }
            let mine = findings.filter { $0.file == cluster.directors.first { $0.name == director.name }?.configPath }
            var look: Look = .normal
            let errors = mine.filter { $0.severity == .error }.count, warnings = mine.filter { $0.severity == .warning }.count
            if errors + warnings > 0 {
                lines.append("lint: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
                look = errors > 0 ? .error : .warning
            }
            let down = failed.contains { if case .directorDown(d) = $0 { true } else if case .directorStopped(d) = $0 { true } else { false } }
            if down { lines.append("DOWN"); look = .failed }
            if let links = downLinks[d] { lines.append("link down: " + links.sorted().joined(separator: ", ")); look = .failed }
            let n = id()
            directorNode.append(n)
            nodes.append(Node(id: n, kind: .director, lines: lines, look: look))
        }
        let inventoryFindings = findings.filter { f in !cluster.directors.contains { $0.configPath == f.file } }
        if !inventoryFindings.isEmpty {
            let errors = inventoryFindings.filter { $0.severity == .error }.count
            nodes.append(Node(id: id(), kind: .note, lines: ["cluster.txt", "lint: \(errors) error\(errors == 1 ? "" : "s"), \(inventoryFindings.count - errors) other"],
                              look: errors > 0 ? .error : .warning))
        }

        // VRRP groups, their members' states, their VIPs.
        var vipNode: [IPAddress: String] = [:]
        for (g, group) in model.groups.enumerated() {
            let box = lan(group.lan)
            let moved = outcome?.moves.first { $0.group == g }
            let gid = id()
            nodes.append(Node(id: gid, kind: .group, lines: [group.name, "vrid \(group.vrid)"],
                              look: snapshot.groups[g].masters.count == 1 ? (moved == nil ? .normal : .moved) : .error, lan: box))
            for m in snapshot.groups[g].members {
                let r = model.directors[m.ref.director].plan.instances[m.ref.router]
                var label = "\(m.up ? m.state.rawValue : "DOWN") \(m.priority)"
                var role: Edge.Role
                switch (m.up, m.state) {
                case (false, _): role = .down
                case (true, .master): role = .master
                case (true, .fault): role = .fault
                default: role = .backup
                }
                if role == .master, let moved, moved.to.contains(m.ref.director) {
                    role = .moved
                    label += " (from \(moved.from.map { model.directors[$0].name }.joined(separator: ", "))" + (moved.seconds.map { ", \(Self.seconds($0)) s)" } ?? ")")
                }
                if !r.unicastPeers.isEmpty { label += " unicast" }
                edges.append(Edge(from: directorNode[m.ref.director], to: gid, label: label, role: role))
            }
            for m in group.members {
                for v in model.directors[m.director].plan.instances[m.router].router.virtualAddresses where vipNode[v] == nil {
                    let vid = id()
                    vipNode[v] = vid
                    nodes.append(Node(id: vid, kind: .vip, lines: [v.description] + (names[v].map { [$0] } ?? []), lan: box))
                    edges.append(Edge(from: gid, to: vid))
                }
            }
        }

        // Services on their VIPs.
        var serviceNode: [String] = []
        for (i, s) in model.services.enumerated() {
            let entry = s.entry(servedBy: snapshot.services[i].servedBy)
            let svc = entry.service
            var lines = [s.label, "\(svc.scheduler) \(Self.method(svc))"]
            if let p = svc.persistence { lines.append("persistence \(p) s") }
            let state = snapshot.services[i]
            var look: Look = .normal
            if state.servedBy == nil || (state.liveServers.isEmpty && state.sorryServer == nil) { look = .error; lines.append("LOST") }
            else if !state.quorumUp { look = .warning; lines.append("below quorum \(state.quorum)") }
            let sid = id()
            serviceNode.append(sid)
            var box: Int?
            if case .address(_, let a, _) = svc.key {
                box = vipNode[a].flatMap { v in nodes.first { $0.id == v }?.lan } ?? lanOf(a)
            }
            nodes.append(Node(id: sid, kind: .service, lines: lines, look: look, lan: box))
            if case .address(_, let a, _) = svc.key, let v = vipNode[a] { edges.append(Edge(from: v, to: sid)) }
        }

        // Real servers, pooled: the servers that serve exactly the same services (same ports)
        // are one node, so thirty web servers behind two services are two edges, not sixty.
        struct Use: Hashable { var service: Int; var port: Int; var servicePort: Int? }
        var pools: [[Use]: [(IPAddress, Int)]] = [:]
        var order: [[Use]] = []
        var usesOf: [IPAddress: [Use]] = [:]
        var weightOf: [IPAddress: [Int: Int]] = [:]
        var addressOrder: [IPAddress] = []
        for (i, s) in model.services.enumerated() {
            let entry = s.entry(servedBy: snapshot.services[i].servedBy)
            var servicePort: Int?
            if case .address(_, _, let p) = entry.service.key { servicePort = p }
            for dest in entry.service.destinations {
                if usesOf[dest.address] == nil { addressOrder.append(dest.address) }
                usesOf[dest.address, default: []].append(Use(service: i, port: dest.port, servicePort: servicePort))
                weightOf[dest.address, default: [:]][i] = dest.weight
            }
        }
        for a in addressOrder {
            let key = usesOf[a]!
            if pools[key] == nil { order.append(key) }
            pools[key, default: []].append((a, 0))
        }
        for key in order {
            let members = pools[key]!.map(\.0)
            let down = members.filter { failedServers.contains($0) }
            var lines: [String]
            if members.count == 1 {
                lines = (names[members[0]].map { [$0] } ?? []) + [members[0].description]
            } else {
                lines = ["\(members.count) real servers"]
                let labels = members.map { names[$0] ?? $0.description }
                var row: [String] = []
                for l in labels {
                    row.append(l)
                    if row.count == 4 { lines.append(row.joined(separator: " ")); row = [] }
                }
                if !row.isEmpty { lines.append(row.joined(separator: " ")) }
            }
            if !down.isEmpty {
                lines.append(members.count == 1 ? "DOWN" : "DOWN: " + down.map { names[$0] ?? $0.description }.joined(separator: ", "))
            }
            let rid = id()
            let box = Set(members.map(lanOf)).count == 1 ? lanOf(members[0]) : nil
            nodes.append(Node(id: rid, kind: .realServer, lines: lines,
                              look: down.count == members.count ? .failed : (down.isEmpty ? .normal : .warning), lan: box))
            for use in key {
                var label: [String] = []
                if use.port != use.servicePort && !(use.servicePort == nil && use.port == 0) { label.append("port \(use.port)") }
                let weights = Set(members.compactMap { weightOf[$0]?[use.service] })
                if weights != [1] { label.append("w" + (weights.count == 1 ? "\(weights.first!)" : "\(weights.min()!)-\(weights.max()!)")) }
                edges.append(Edge(from: serviceNode[use.service], to: rid, label: label.isEmpty ? nil : label.joined(separator: " "),
                                  role: down.count == members.count ? .failed : .link))
            }
        }
    }

    static func method(_ s: IPVSService) -> String {
        guard let f = s.destinations.first?.forwarding else { return "" }
        switch f {
        case .masquerade: return "NAT"
        case .route: return "DR"
        case .tunnel: return "TUN"
        }
    }

    static func seconds(_ s: Double) -> String {
        let tenths = Int((s * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
