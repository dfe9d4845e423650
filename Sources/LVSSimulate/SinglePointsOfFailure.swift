import Diagnostics
import LVSCore
import LVSKernel
import LVSModel
import VRRP

/// A single point of failure (or, for `note`, a weakness that loses nothing outright), with
/// the configuration line to change.
public struct SimFinding: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A director fails and nobody takes over its VIPs.
        case noTakeover = "no-takeover"
        /// Two MASTERs for one VRID on one LAN (unicast peers that do not list each other).
        case twoMasters = "two-masters"
        /// A real server fails and a service has none left.
        case noRealServer = "no-real-server"
        /// A real server fails and a service drops below its quorum.
        case quorumLost = "quorum-lost"
        /// A failure leaves a sync group's instances MASTER on different directors.
        case syncGroupSplit = "sync-group-split"
        /// After a failure the MASTER of a group keeps changing.
        case flapping = "flapping"
    }
    public var kind: Kind
    /// The failure that causes it (nil: the cluster is like this without any failure).
    public var failure: SimFailure?
    public var message: String
    /// The line to change.
    public var span: SourceSpan?
    public var hint: String
    /// false: worth knowing, nothing is lost (a sorry server answers, for instance).
    public var isSinglePointOfFailure = true

    /// The rule `lvsc explain` describes.
    public var rule: RuleID { kind.rule }
}

extension SimFinding.Kind {
    public var rule: RuleID {
        switch self {
        case .noTakeover: return .spofNoTakeover
        case .twoMasters: return .spofTwoMasters
        case .noRealServer: return .spofNoRealServer
        case .quorumLost: return .spofQuorumLost
        case .syncGroupSplit: return .spofSyncGroupSplit
        case .flapping: return .spofFlapping
        }
    }
}

/// `--all-single-failures`: every director, every link a VRRP instance uses and every real
/// server, failed one at a time.
public struct SingleFailureSweep: Sendable {
    public var failures: [SimFailure] = []
    public var findings: [SimFinding] = []
    public var outcomes: [SimOutcome] = []
    public var directorFailures = 0, linkFailures = 0, realServerFailures = 0

    public init(_ sim: Simulator) {
        let model = sim.model
        let base = sim.baseline()
        let start = sim.snapshot(base, failedServers: [])
        var seen = Set<String>()
        func add(_ f: SimFinding) {
            let key = "\(f.kind.rawValue) \(f.span.map { "\($0.file):\($0.offset)" } ?? f.message)"
            if seen.insert(key).inserted { findings.append(f) }
        }
        // Without any failure: groups with more than one MASTER.
        for (g, group) in start.groups.enumerated() where group.masters.count > 1 {
            add(twoMasters(model, g, group.masters))
        }
        var vrrpFailures: [SimFailure] = []
        for d in model.directors.indices {
            vrrpFailures.append(.directorDown(d))
            directorFailures += 1
        }
        for (d, director) in model.directors.enumerated() {
            for i in director.vrrpInterfaces { vrrpFailures.append(.linkDown(d, i)); linkFailures += 1 }
        }
        for f in vrrpFailures {
            let o = sim.run([f], from: base)
            outcomes.append(o)
            for (g, group) in o.after.groups.enumerated() {
                if group.masters.isEmpty && !o.before.groups[g].masters.isEmpty {
                    add(noTakeover(model, g, failure: f))
                } else if group.masters.count > 1 && o.before.groups[g].masters.count <= 1 {
                    add(twoMasters(model, g, group.masters, failure: f))
                }
            }
            // Services no VRRP group carries (a standalone director's): lost with their director.
            for (i, svc) in o.after.services.enumerated() where svc.servedBy == nil && o.before.services[i].servedBy != nil {
                guard let entry = model.services[i].onDirector.first(where: { $0.director == o.before.services[i].servedBy }), entry.router == nil else { continue }
                add(SimFinding(kind: .noTakeover, failure: f,
                               message: "\(model.services[i].label) has no director: no VRRP instance carries its address, and no other director serves it",
                               span: entry.service.origin,
                               hint: "put the address in a vrrp_instance backed up by another director (or list the service on a second director)"))
            }
            for s in o.splitSyncGroups { add(split(model, s.director, s.group, failure: f)) }
            for g in o.flapping { add(flapping(model, g, failure: f)) }
        }
        failures = vrrpFailures
        // Real servers: no election moves, so each is judged from the start-up state, every
        // service once per address it balances over.
        var servers: [IPAddress] = []
        var known = Set<IPAddress>()
        for (i, s) in start.services.enumerated() {
            let entry = model.services[i].entry(servedBy: s.servedBy)
            var weight: [IPAddress: Int] = [:]
            for d in s.liveServers {
                weight[d.address, default: 0] += d.weight
                if known.insert(d.address).inserted { servers.append(d.address) }
            }
            for (address, w) in weight {
                if weight.count == 1 {
                    add(noRealServer(model, i, entry, address, sorry: s.sorryServer))
                } else if s.liveWeight - w < s.quorum && s.liveWeight >= s.quorum {
                    add(quorumLost(model.services[i].label, entry, address, left: s.liveWeight - w, quorum: s.quorum, sorry: s.sorryServer))
                }
            }
        }
        realServerFailures = servers.count
        failures += servers.map { .realServerDown($0) }
    }

    public var singlePointsOfFailure: [SimFinding] { findings.filter(\.isSinglePointOfFailure) }

    func instance(_ model: SimulationModel, _ ref: VRRPLan.RouterRef) -> VRRPInstance? {
        let d = model.directors[ref.director]
        return ref.router < d.instances.count ? d.instances[ref.router] : nil
    }

    func noTakeover(_ model: SimulationModel, _ g: Int, failure: SimFailure) -> SimFinding {
        let group = model.groups[g]
        let vips = Set(group.members.flatMap { model.directors[$0.director].plan.instances[$0.router].router.virtualAddresses })
        let directors = Set(group.members.map(\.director))
        let first = group.members[0]
        let where_ = directors.count == 1
            ? "only \(model.directors[first.director].name) has an instance with virtual_router_id \(group.vrid) on \(group.lan)"
            : "no other director's instance with virtual_router_id \(group.vrid) on \(group.lan) can take over"
        return SimFinding(kind: .noTakeover, failure: failure,
                          message: "\(group.name): \(vips.sorted().map(\.description).joined(separator: ", ")) \(vips.count == 1 ? "has" : "have") no MASTER: \(where_)",
                          span: instance(model, first)?.name.span,
                          hint: "give another director a vrrp_instance with virtual_router_id \(group.vrid) and the same virtual_ipaddress on that LAN")
    }

    func twoMasters(_ model: SimulationModel, _ g: Int, _ masters: [Int], failure: SimFailure? = nil) -> SimFinding {
        let group = model.groups[g]
        let names = masters.map { model.directors[$0].name }.joined(separator: " and ")
        // The unicast member that lists fewest of the others (the line to change), else the first.
        let masterAddresses = masters.compactMap { d in group.members.first { $0.director == d } }
            .map { model.directors[$0.director].plan.instances[$0.router].router.primaryAddress }
        let unicast = group.members.first { m in
            let p = model.directors[m.director].plan.instances[m.router]
            return !p.unicastPeers.isEmpty && masterAddresses.contains { $0 != p.router.primaryAddress && !p.unicastPeers.contains($0) }
        } ?? group.members.first { !model.directors[$0.director].plan.instances[$0.router].unicastPeers.isEmpty }
        let ref = unicast ?? group.members[0]
        let inst = instance(model, ref)
        return SimFinding(kind: .twoMasters, failure: failure,
                          message: "\(group.name) (virtual_router_id \(group.vrid)): \(names) are MASTER at once: they do not hear each other's adverts",
                          span: unicast != nil ? (inst?.unicastPeerKeyword ?? inst?.name.span) : inst?.name.span,
                          hint: unicast != nil
                            ? "list every other director's unicast_src_ip (or interface address) in each unicast_peer block, or use multicast on all of them"
                            : "put the directors on one LAN (cluster.txt net=/lan=), with the same VRID, multicast on all or unicast on all")
    }

    func flapping(_ model: SimulationModel, _ g: Int, failure: SimFailure) -> SimFinding {
        let group = model.groups[g]
        let synced = group.members.first { ref in model.directors[ref.director].plan.groups.contains { $0.members.contains(ref.router) } }
        return SimFinding(kind: .flapping, failure: failure,
                          message: "\(group.name) (virtual_router_id \(group.vrid)) never settles: its MASTER keeps changing",
                          span: synced.flatMap { ref in
                              let d = model.directors[ref.director]
                              let name = d.plan.groups.first { $0.members.contains(ref.router) }?.name
                              return d.config.syncGroups.first { $0.name.value == name }?.name.span
                          } ?? instance(model, group.members[0])?.name.span,
                          hint: "give the members of each sync group the same priority order on every director (a sync group follows its members, priorities pull them apart)")
    }

    func split(_ model: SimulationModel, _ d: Int, _ gi: Int, failure: SimFailure) -> SimFinding {
        let director = model.directors[d]
        let sg = director.plan.groups[gi]
        let span = director.config.syncGroups.first { $0.name.value == sg.name }?.name.span
        return SimFinding(kind: .syncGroupSplit, failure: failure,
                          message: "\(director.name)'s vrrp_sync_group \(sg.name) splits: its instances end MASTER on different directors",
                          span: span,
                          hint: "make the same instances a sync group on every director (and track the same interfaces and scripts)")
    }

    func noRealServer(_ model: SimulationModel, _ i: Int, _ entry: (director: Int, service: IPVSService, router: Int?, vs: VirtualServer?),
                      _ address: IPAddress, sorry: String?) -> SimFinding {
        let label = model.services[i].label
        var f = SimFinding(kind: .noRealServer, failure: .realServerDown(address),
                           message: "\(label) has no real server left when \(address) fails" + (sorry.map { "; its sorry_server \($0) answers" } ?? ""),
                           span: entry.service.origin,
                           hint: "add a second real_server to the virtual_server (or a sorry_server)")
        f.isSinglePointOfFailure = sorry == nil
        return f
    }

    func quorumLost(_ label: String, _ entry: (director: Int, service: IPVSService, router: Int?, vs: VirtualServer?),
                    _ address: IPAddress, left: Int, quorum: Int, sorry: String?) -> SimFinding {
        var f = SimFinding(kind: .quorumLost, failure: .realServerDown(address),
                           message: "\(label) drops below its quorum \(quorum) (weight \(left) left) when \(address) fails: quorum_down runs"
                            + (sorry.map { "; its sorry_server \($0) takes the traffic" } ?? "; the remaining real servers carry the load"),
                           span: entry.vs?.quorum?.span ?? entry.service.origin,
                           hint: "lower quorum, or add real servers so one failure keeps it")
        // keepalived keeps serving below quorum (or hands over to the sorry server): degraded, not lost.
        f.isSinglePointOfFailure = false
        return f
    }
}
