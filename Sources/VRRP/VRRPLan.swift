import LVSCore

/// The VRRP instances of one director and its sync groups: an event on one instance is
/// carried to the members of its group (all MASTER together, all BACKUP together, FAULT of one
/// is FAULT of all, as keepalived's vrrp_sync_group does).
public struct VRRPDirector: Sendable {
    public var name: String
    public private(set) var routers: [VRRPRouter]
    /// Indices into `routers`, one list per sync group.
    public let syncGroups: [[Int]]
    var groupOf: [Int?]

    public init(name: String, routers: [VRRPRouter], syncGroups: [[Int]] = []) {
        self.name = name
        self.routers = routers
        self.syncGroups = syncGroups
        groupOf = Array(repeating: nil, count: routers.count)
        for (g, members) in syncGroups.enumerated() { for m in members { groupOf[m] = g } }
    }

    /// One router's actions, tagged with its index.
    public typealias Actions = [(router: Int, action: VRRPAction)]

    public mutating func start(now: VRRPTime) -> Actions {
        var out: Actions = []
        for i in routers.indices { out += propagate(i, routers[i].start(now: now), now: now) }
        return out
    }

    public mutating func stop(now: VRRPTime) -> Actions {
        var out: Actions = []
        for i in routers.indices { out += routers[i].stop(now: now).map { (i, $0) } }
        return out
    }

    /// One router stops (a reload removed or changed it): as at shutdown, without the group.
    public mutating func stop(router i: Int, now: VRRPTime) -> Actions {
        routers[i].stop(now: now).map { (i, $0) }
    }

    public mutating func tick(now: VRRPTime) -> Actions {
        var out: Actions = []
        for i in routers.indices where (routers[i].nextDeadline ?? .max) <= now {
            out += propagate(i, routers[i].tick(now: now), now: now)
        }
        return out
    }

    public mutating func received(_ advert: PeerAdvert, router i: Int, now: VRRPTime) -> Actions {
        propagate(i, routers[i].received(advert, now: now), now: now)
    }

    public mutating func setTracking(router i: Int, priorityDelta: Int, fault: Bool, now: VRRPTime) -> Actions {
        propagate(i, routers[i].setTracking(priorityDelta: priorityDelta, fault: fault, now: now), now: now)
    }

    public var nextDeadline: VRRPTime? { routers.compactMap(\.nextDeadline).min() }

    /// Carries a member's transition to the rest of its sync group.
    mutating func propagate(_ i: Int, _ actions: [VRRPAction], now: VRRPTime) -> Actions {
        var out: Actions = actions.map { (i, $0) }
        guard let g = groupOf[i] else { return out }
        for case .transition(_, let to, _) in actions {
            var target = to
            // The group leaves FAULT only when no member is still in fault.
            if to == .backup, let faulty = syncGroups[g].first(where: { routers[$0].trackingFault }) {
                out += routers[i].follow(.fault, now: now, reason: "sync group member \(routers[faulty].config.name) is in FAULT").map { (i, $0) }
                target = .fault
            }
            for j in syncGroups[g] where j != i && routers[j].state != target {
                if target == .backup && routers[j].trackingFault { continue }
                out += routers[j].follow(target, now: now, reason: "sync group: \(routers[i].config.name) is \(target.rawValue)").map { (j, $0) }
            }
        }
        return out
    }
}

/// A simulated LAN: directors exchanging adverts with a fixed delay, on a clock the caller
/// moves. The tests drive elections and failures through it, and `lvsc simulate` answers
/// "who becomes MASTER if …" with it, so both run the runtime's own state machine.
public struct VRRPLan: Sendable {
    public private(set) var directors: [VRRPDirector]
    public private(set) var now: VRRPTime = 0
    /// One-way delay of an advert on the wire.
    public var delay: VRRPTime
    /// A director that is down (killed, or its link): it neither sends nor receives.
    public private(set) var down: Set<Int> = []
    /// Adverts on the wire: (arrival, director, router, advert).
    var inFlight: [(at: VRRPTime, director: Int, router: Int, advert: PeerAdvert)] = []
    /// Every transition, in order: the simulator's report and the tests' evidence.
    public private(set) var log: [(time: VRRPTime, director: Int, router: Int, from: VRRPRouterState, to: VRRPRouterState, reason: String)] = []
    /// VIPs held: director → router indices whose addresses are on the director now.
    public private(set) var holding: [Set<Int>]
    /// Who hears whose adverts: for each director and router, the (director, router) pairs its
    /// adverts reach. By default every router with the same VRID on another director; the
    /// simulator narrows it to what the configuration makes true (one LAN, unicast peers).
    public let receivers: [[[RouterRef]]]
    /// Routers whose link is cut: they neither send nor receive (their director lives on).
    public private(set) var cut: Set<RouterRef> = []

    public struct RouterRef: Hashable, Sendable {
        public var director: Int
        public var router: Int
        public init(director: Int, router: Int) { self.director = director; self.router = router }
    }

    public init(directors: [VRRPDirector], delay: VRRPTime = 200, receivers: [[[RouterRef]]]? = nil) {
        self.directors = directors
        self.delay = delay
        holding = Array(repeating: [], count: directors.count)
        self.receivers = receivers ?? directors.indices.map { d in
            directors[d].routers.map { me in
                directors.indices.filter { $0 != d }.flatMap { od in
                    directors[od].routers.indices.filter { directors[od].routers[$0].config.virtualRouterID == me.config.virtualRouterID }
                        .map { RouterRef(director: od, router: $0) }
                }
            }
        }
    }

    /// A link goes down or comes back for one router: while cut, its adverts are lost both ways.
    /// (The director's own tracking of the interface is the caller's: `setTracking`.)
    public mutating func setCut(director d: Int, router r: Int, _ isCut: Bool) {
        let ref = RouterRef(director: d, router: r)
        if isCut {
            cut.insert(ref)
            inFlight.removeAll { $0.director == d && $0.router == r }
        } else {
            cut.remove(ref)
        }
    }

    public mutating func start(_ d: Int) {
        down.remove(d)
        apply(d, directors[d].start(now: now))
    }

    /// A director comes back after a crash or a stop: a fresh engine in INIT (the caller sets
    /// its tracking, then `start`s it); whatever its old process held is gone.
    public mutating func replace(_ d: Int, with fresh: VRRPDirector) {
        directors[d] = fresh
        holding[d] = []
        down.remove(d)
        inFlight.removeAll { $0.director == d }
    }

    /// A clean stop (SIGTERM): priority-0 adverts go out, then the director is down.
    public mutating func stop(_ d: Int) {
        apply(d, directors[d].stop(now: now))
        down.insert(d)
    }

    /// A crash (SIGKILL) or a cut link: silence, nothing sent; the VIPs stay where they were
    /// on a killed process's host (keepalived's too), but nobody answers for them.
    public mutating func kill(_ d: Int) {
        down.insert(d)
        inFlight.removeAll { $0.director == d }
    }

    public mutating func setTracking(director d: Int, router r: Int, priorityDelta: Int, fault: Bool) {
        guard !down.contains(d) else { return }
        apply(d, directors[d].setTracking(router: r, priorityDelta: priorityDelta, fault: fault, now: now))
    }

    /// An advert from outside the simulated directors (a third router, a stray or forged packet
    /// that passed the receive checks) reaches one of them now.
    public mutating func deliver(_ advert: PeerAdvert, director d: Int, router r: Int) {
        guard !down.contains(d) else { return }
        apply(d, directors[d].received(advert, router: r, now: now))
    }

    /// Moves the clock to `end`, delivering adverts and firing timers in time order.
    public mutating func run(until end: VRRPTime) {
        while true {
            let nextTimer = directors.indices.filter { !down.contains($0) }.compactMap { directors[$0].nextDeadline }.min()
            let nextArrival = inFlight.map(\.at).min()
            guard let t = [nextTimer, nextArrival].compactMap({ $0 }).min(), t <= end else { break }
            now = max(now, t)
            if let a = nextArrival, a <= t {
                let due = inFlight.filter { $0.at <= now }
                inFlight.removeAll { $0.at <= now }
                for m in due where !down.contains(m.director) && !cut.contains(RouterRef(director: m.director, router: m.router)) {
                    apply(m.director, directors[m.director].received(m.advert, router: m.router, now: now))
                }
                continue
            }
            for d in directors.indices where !down.contains(d) && (directors[d].nextDeadline ?? .max) <= now {
                apply(d, directors[d].tick(now: now))
            }
        }
        now = max(now, end)
    }

    func router(_ d: Int, _ r: Int) -> VRRPRouter { directors[d].routers[r] }

    /// Carries out a director's actions on the simulated LAN.
    mutating func apply(_ d: Int, _ actions: VRRPDirector.Actions) {
        for (r, action) in actions {
            let me = router(d, r)
            switch action {
            case .sendAdvert(let priority):
                guard !down.contains(d), !cut.contains(RouterRef(director: d, router: r)) else { continue }
                let advert = PeerAdvert(priority: priority, interval: me.config.advertInterval, source: me.config.primaryAddress)
                for to in receivers[d][r] where !cut.contains(to) {
                    inFlight.append((now + delay, to.director, to.router, advert))
                }
            case .addVirtualAddresses: holding[d].insert(r)
            case .removeVirtualAddresses: holding[d].remove(r)
            case .sendGratuitous: break
            case .transition(let from, let to, let reason):
                log.append((now, d, r, from, to, reason))
            }
        }
    }

    /// The directors whose instance with this VRID is MASTER (and up).
    public func masters(vrid: UInt8) -> [Int] {
        directors.indices.filter { d in
            !down.contains(d) && directors[d].routers.contains { $0.config.virtualRouterID == vrid && $0.state == .master }
        }
    }

    public func state(_ d: Int, _ r: Int) -> VRRPRouterState { directors[d].routers[r].state }
}
