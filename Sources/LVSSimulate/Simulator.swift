import LVSCore
import LVSKernel
import LVSModel
import LVSRuntime
import VRRP

/// One thing that goes wrong.
public enum SimFailure: Hashable, Sendable {
    /// The host dies (power, kernel panic, SIGKILL of the VRRP process): silence.
    case directorDown(Int)
    /// A clean stop (SIGTERM, a reboot): its MASTERs resign with priority 0 first.
    case directorStopped(Int)
    /// One interface of a director loses its link: the instances on it go to FAULT (the
    /// interface is always tracked), `track_interface` weights apply.
    case linkDown(Int, String)
    /// A `vrrp_script` of a director fails (its weight applies, or FAULT without one).
    case scriptFails(Int, String)
    /// A real server stops answering its health checks, on every director.
    case realServerDown(IPAddress)
}

/// Where every group and service stands at one moment.
public struct SimSnapshot: Sendable {
    public struct Member: Sendable {
        public var ref: VRRPLan.RouterRef
        public var state: VRRPRouterState
        public var priority: UInt8
        public var up: Bool
        /// Why it is in its state: its last transition's reason (the tie-break by address, an
        /// address owner, `state MASTER` at start-up, a preemption).
        public var reason: String?
    }
    public struct Group: Sendable {
        public var members: [Member]
        /// Directors whose member is MASTER (and up): one, normally.
        public var masters: [Int]
    }
    public struct Service: Sendable {
        /// The director serving it (the MASTER holding its VIP), nil when none does.
        public var servedBy: Int?
        public var liveServers: [IPVSDestination]
        public var totalServers: Int
        public var liveWeight: Int
        public var totalWeight: Int
        public var quorum: Int
        public var sorryServer: String?
        public var quorumUp: Bool { liveWeight >= quorum }
        public var sorryServerInUse: Bool { sorryServer != nil && !quorumUp }
    }
    public var groups: [Group]
    public var services: [Service]
}

/// A VRRP group whose MASTER changed, how long the protocol took, and why.
public struct SimMove: Sendable {
    public var group: Int
    public var from: [Int]
    public var to: [Int]
    /// Seconds from the event to the new MASTER (nil: nobody took over).
    public var seconds: Double?
    public var reason: String?
}

/// A director that was MASTER for a while on the way and is not at the end (a `state MASTER`
/// restart that yields to an equal peer, an election): its VIP was on two hosts meanwhile.
public struct SimTransient: Sendable {
    public var group: Int
    public var director: Int
    public var seconds: Double
}

/// What a scenario does to the cluster.
public struct SimOutcome: Sendable {
    public var failures: [SimFailure]
    public var before: SimSnapshot
    public var after: SimSnapshot
    public var moves: [SimMove]
    /// With recovery: the state after the failed parts came back, and what moved then.
    public var recovered: SimSnapshot?
    public var recoveryMoves: [SimMove] = []
    public var transients: [SimTransient] = []
    /// Groups still changing MASTER long after the event (a sync group pulling against
    /// priorities): they never settle.
    public var flapping: [Int] = []
    public var recoveryTransients: [SimTransient] = []
    /// Sync groups (director, group index in its plan) whose members ended on different
    /// directors after the failures.
    public var splitSyncGroups: [(director: Int, group: Int)] = []
}

/// Runs the directors' own VRRP state machines (`VRRPDirector`, as `lvsc run` does) on a
/// simulated LAN and clock, and the health outcome of failed real servers.
public struct Simulator: Sendable {
    public let model: SimulationModel
    /// How long the simulator lets the protocol settle after each event: long enough for the
    /// slowest master-down interval, several times over, and any preempt_delay.
    public let settle: VRRPTime

    public init(model: SimulationModel) {
        self.model = model
        var longest: VRRPTime = 0
        for d in model.directors {
            for p in d.plan.instances {
                let interval = VRRPTime(p.router.advertInterval) * 10_000
                longest = max(longest, 4 * interval + 1_000_000 + p.router.preemptDelay + p.router.garpDelay)
            }
        }
        settle = max(20_000_000, 3 * longest)
    }

    /// The state after start-up: every director started at once, the LAN quiet again.
    public func baseline() -> VRRPLan {
        // 10 µs on the wire, a LAN's order of magnitude: the times it reports are the protocol's.
        var lan = VRRPLan(directors: model.directors.map { $0.engine() }, delay: 10, receivers: model.receivers)
        for d in model.directors.indices {
            applyTracking(&lan, d, linksDown: [], failingScripts: [])
            lan.start(d)
        }
        lan.run(until: settle)
        return lan
    }

    public func run(_ failures: [SimFailure], recover: Bool = false, from base: VRRPLan? = nil) -> SimOutcome {
        var lan = base ?? baseline()
        let failedServers = Set(failures.compactMap { if case .realServerDown(let a) = $0 { a } else { nil } })
        let before = snapshot(lan, failedServers: [])
        var failed = Failed(count: model.directors.count)
        let t0 = lan.now
        for f in failures { set(f, failed: true, &lan, &failed) }
        lan.run(until: t0 + settle)
        let after = snapshot(lan, failedServers: failedServers)
        var outcome = SimOutcome(failures: failures, before: before, after: after,
                                 moves: moves(lan, from: before, to: after, since: t0))
        outcome.splitSyncGroups = splits(after)
        outcome.transients = transients(lan, since: t0)
        outcome.flapping = flapping(lan, after: t0 + settle / 2)
        guard recover else { return outcome }
        let t1 = lan.now
        for f in failures { set(f, failed: false, &lan, &failed) }
        lan.run(until: t1 + settle)
        let recovered = snapshot(lan, failedServers: [])
        outcome.recovered = recovered
        outcome.recoveryMoves = moves(lan, from: after, to: recovered, since: t1)
        outcome.recoveryTransients = transients(lan, since: t1)
        return outcome
    }

    /// The links and scripts failed so far, per director.
    struct Failed {
        var links: [Set<String>]
        var scripts: [Set<String>]
        init(count: Int) { links = Array(repeating: [], count: count); scripts = links }
    }

    /// One failure happens (`failed`) or is undone: a director comes back as a fresh process,
    /// a link or script as tracking sees it. Real servers are the snapshot's, not the LAN's.
    func set(_ f: SimFailure, failed isFailed: Bool, _ lan: inout VRRPLan, _ failed: inout Failed) {
        switch f {
        case .directorDown(let d) where isFailed: lan.kill(d)
        case .directorStopped(let d) where isFailed: lan.stop(d)
        case .directorDown(let d), .directorStopped(let d):
            lan.replace(d, with: model.directors[d].engine())
            failed.links[d] = []; failed.scripts[d] = []
            applyTracking(&lan, d, linksDown: [], failingScripts: [])
            lan.start(d)
        case .linkDown(let d, let iface):
            if isFailed { failed.links[d].insert(iface) } else { failed.links[d].remove(iface) }
            for (r, p) in model.directors[d].plan.instances.enumerated() where p.interface == iface { lan.setCut(director: d, router: r, isFailed) }
            applyTracking(&lan, d, linksDown: failed.links[d], failingScripts: failed.scripts[d])
        case .scriptFails(let d, let name):
            if isFailed { failed.scripts[d].insert(name) } else { failed.scripts[d].remove(name) }
            applyTracking(&lan, d, linksDown: failed.links[d], failingScripts: failed.scripts[d])
        case .realServerDown: break
        }
    }

    /// Tracking as `lvsc run` computes it (`VRRPInstancePlan.tracking`), from the links and
    /// scripts the scenario has failed; everything else is up and good.
    func applyTracking(_ lan: inout VRRPLan, _ d: Int, linksDown: Set<String>, failingScripts: Set<String>) {
        var good = ScriptHealth(rise: 1, fall: 1)
        _ = good.record(success: true)
        let bad = ScriptHealth(rise: 1, fall: 1, initFail: true)
        let plan = model.directors[d].plan
        for (r, p) in plan.instances.enumerated() {
            let t = p.tracking(interfaceUp: { !linksDown.contains($0) },
                               script: { failingScripts.contains(plan.scripts[$0].name) ? bad : good })
            lan.setTracking(director: d, router: r, priorityDelta: t.priorityDelta, fault: t.fault)
        }
    }

    public func snapshot(_ lan: VRRPLan, failedServers: Set<IPAddress>) -> SimSnapshot {
        var reasons: [VRRPLan.RouterRef: String] = [:]
        for e in lan.log { reasons[VRRPLan.RouterRef(director: e.director, router: e.router)] = e.reason }
        let groups = model.groups.map { g -> SimSnapshot.Group in
            let members = g.members.map { m in
                let r = lan.directors[m.director].routers[m.router]
                return SimSnapshot.Member(ref: m, state: r.state, priority: r.effectivePriority, up: !lan.down.contains(m.director), reason: reasons[m])
            }
            return SimSnapshot.Group(members: members, masters: members.filter { $0.up && $0.state == .master }.map(\.ref.director))
        }
        let services = model.services.map { s -> SimSnapshot.Service in
            let serving = s.onDirector.first { e in
                guard !lan.down.contains(e.director) else { return false }
                // No VRRP instance holds the address (a standalone director, a static address,
                // a fwmark): the director serves it while it is up.
                guard let r = e.router else { return true }
                return lan.directors[e.director].routers[r].state == .master
            }
            let entry = s.entry(servedBy: serving?.director)
            let all = entry.service.destinations
            let live = all.filter { !failedServers.contains($0.address) }
            return SimSnapshot.Service(servedBy: serving?.director, liveServers: live, totalServers: all.count,
                                       liveWeight: live.reduce(0) { $0 + $1.weight }, totalWeight: all.reduce(0) { $0 + $1.weight },
                                       quorum: entry.vs?.quorum?.value ?? 1, sorryServer: entry.vs?.sorryServer?.value)
        }
        return SimSnapshot(groups: groups, services: services)
    }

    func moves(_ lan: VRRPLan, from: SimSnapshot, to: SimSnapshot, since t0: VRRPTime) -> [SimMove] {
        var out: [SimMove] = []
        for (g, group) in model.groups.enumerated() where from.groups[g].masters != to.groups[g].masters {
            let members = Set(group.members)
            let entry = lan.log.first { $0.time >= t0 && $0.to == .master && members.contains(VRRPLan.RouterRef(director: $0.director, router: $0.router)) }
            out.append(SimMove(group: g, from: from.groups[g].masters, to: to.groups[g].masters,
                               seconds: to.groups[g].masters.isEmpty ? nil : entry.map { Double($0.time - t0) / 1_000_000 },
                               reason: entry?.reason))
        }
        return out
    }

    /// Groups with a transition after `t`.
    func flapping(_ lan: VRRPLan, after t: VRRPTime) -> [Int] {
        var out: [Int] = []
        for e in lan.log where e.time > t {
            if let g = model.groupOf[VRRPLan.RouterRef(director: e.director, router: e.router)], !out.contains(g) { out.append(g) }
        }
        return out.sorted()
    }

    /// Spells as MASTER that began after `t0` and ended before now.
    func transients(_ lan: VRRPLan, since t0: VRRPTime) -> [SimTransient] {
        var began: [VRRPLan.RouterRef: VRRPTime] = [:]
        var out: [SimTransient] = []
        for e in lan.log where e.time >= t0 {
            let ref = VRRPLan.RouterRef(director: e.director, router: e.router)
            if e.to == .master { began[ref] = e.time }
            else if e.from == .master, let b = began.removeValue(forKey: ref), let g = model.groupOf[ref],
                    !out.contains(where: { $0.group == g && $0.director == e.director }) {
                out.append(SimTransient(group: g, director: e.director, seconds: Double(e.time - b) / 1_000_000))
            }
        }
        return out
    }

    /// Sync groups whose members' VRRP groups ended with MASTERs on different directors (or
    /// some with a MASTER and some without).
    func splits(_ s: SimSnapshot) -> [(director: Int, group: Int)] {
        var out: [(director: Int, group: Int)] = []
        for (d, director) in model.directors.enumerated() {
            for (gi, sg) in director.plan.groups.enumerated() {
                let masters = sg.members.compactMap { model.groupOf[VRRPLan.RouterRef(director: d, router: $0)] }.map { s.groups[$0].masters }
                if Set(masters.map { $0.sorted().map(String.init).joined(separator: ",") }).count > 1 { out.append((d, gi)) }
            }
        }
        return out
    }
}
