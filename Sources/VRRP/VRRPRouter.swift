import LVSCore

/// A point on the monotonic clock the state machine is driven by, in microseconds. The machine
/// never reads a clock itself: the runtime passes the event loop's time, tests and the
/// simulator a counter they move.
public typealias VRRPTime = Int64

/// The settings of one VRRP instance that the protocol acts on.
public struct VRRPRouterConfig: Sendable, Equatable {
    public var name: String
    public var virtualRouterID: UInt8
    /// As configured; 255 marks the address owner.
    public var priority: UInt8
    /// Centiseconds (VRRPv2 carries whole seconds: a multiple of 100).
    public var advertInterval: Int
    public var version: VRRPAdvert.Version
    /// false for `nopreempt`.
    public var preempt: Bool
    /// `preempt_delay`: after start-up, or after leaving FAULT, a lower-priority MASTER is not
    /// preempted for this long.
    public var preemptDelay: VRRPTime
    /// `state MASTER`: keepalived's instance starts as MASTER and holds an election at once
    /// (its manual: "as soon as the other machine(s) come up, an election will be held").
    public var startAsMaster: Bool
    /// This router's own address on the LAN: compared on a tie of priorities.
    public var primaryAddress: IPAddress
    public var virtualAddresses: [IPAddress]
    /// Gratuitous ARP / unsolicited NA: how many at once on becoming MASTER, the delay before
    /// the second round, and the refresh period while MASTER (nil: none).
    public var garpRepeat: Int
    public var garpDelay: VRRPTime
    public var garpRefresh: VRRPTime?
    /// How many go out at each refresh (keepalived's garp_master_refresh_repeat).
    public var garpRefreshRepeat: Int = 1

    public init(name: String, virtualRouterID: UInt8, priority: UInt8 = 100, advertInterval: Int = 100,
                version: VRRPAdvert.Version = .v2, preempt: Bool = true, preemptDelay: VRRPTime = 0,
                startAsMaster: Bool = false, primaryAddress: IPAddress, virtualAddresses: [IPAddress],
                garpRepeat: Int = 5, garpDelay: VRRPTime = 5_000_000, garpRefresh: VRRPTime? = nil) {
        self.name = name
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.advertInterval = advertInterval
        self.version = version
        self.preempt = preempt
        self.preemptDelay = preemptDelay
        self.startAsMaster = startAsMaster
        self.primaryAddress = primaryAddress
        self.virtualAddresses = virtualAddresses
        self.garpRepeat = garpRepeat
        self.garpDelay = garpDelay
        self.garpRefresh = garpRefresh
    }

    public var isAddressOwner: Bool { priority == 255 }
}

public enum VRRPRouterState: String, Sendable, Equatable, CaseIterable {
    case initialize = "INIT", backup = "BACKUP", master = "MASTER", fault = "FAULT"
}

/// What the machine asks its surroundings to do; the thin runtime layer (or the simulator)
/// carries each out.
public enum VRRPAction: Sendable, Equatable {
    case sendAdvert(priority: UInt8)
    case addVirtualAddresses
    case removeVirtualAddresses
    /// Gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) for every VIP, `count` of each.
    case sendGratuitous(count: Int)
    /// Entered `to`; `reason` is the one line a person greps the log for.
    case transition(from: VRRPRouterState, to: VRRPRouterState, reason: String)
}

/// An advert that passed the receive checks (RFC 5798 §7.1: TTL, version, VRID, checksum,
/// authentication, address list) and is for this router.
public struct PeerAdvert: Sendable, Equatable {
    public var priority: UInt8
    /// Centiseconds (VRRPv2: whole seconds × 100).
    public var interval: Int
    public var source: IPAddress

    public init(priority: UInt8, interval: Int, source: IPAddress) {
        self.priority = priority
        self.interval = interval
        self.source = source
    }
}

/// One VRRP instance's protocol state machine (RFC 3768 for v2, RFC 5798 for v3, with
/// keepalived's FAULT state, start-up as MASTER, preempt_delay and gratuitous-ARP rounds): pure
/// logic, driven by events and an injected clock, answering with actions. The runtime, the
/// tests and `lvsc simulate` run this same code.
public struct VRRPRouter: Sendable {
    public let config: VRRPRouterConfig
    public private(set) var state: VRRPRouterState = .initialize
    /// The priority adverts carry: the configured one moved by tracking weights (1…254 unless
    /// the address owner, which stays 255).
    public private(set) var effectivePriority: UInt8
    /// v3: learnt from the MASTER's adverts; v2: the configured interval.
    public private(set) var masterAdverInterval: Int
    public private(set) var adverTimer: VRRPTime?
    public private(set) var masterDownTimer: VRRPTime?
    /// The master-down timer runs only the skew time, because the MASTER resigned (for the log).
    var masterResigned = false
    var garpTimer: VRRPTime?
    /// The second gratuitous round is still to come (then refreshes, if configured).
    var garpSecondRoundDue = false
    /// Until this time a BACKUP does not preempt a lower-priority MASTER (preempt_delay).
    var preemptAllowedAt: VRRPTime = 0
    /// A tracked interface or script in fault (without a weight): the instance is in FAULT.
    public private(set) var trackingFault = false
    var priorityDelta = 0

    public init(_ config: VRRPRouterConfig) {
        self.config = config
        effectivePriority = config.priority
        masterAdverInterval = config.advertInterval
    }

    // MARK: timers

    /// Centiseconds to microseconds.
    static func micros(_ centiseconds: Int) -> VRRPTime { VRRPTime(centiseconds) * 10_000 }

    /// RFC 3768: (256 − Priority) / 256 seconds; RFC 5798: ((256 − Priority) × Master_Adver_Interval) / 256.
    public var skewTime: VRRPTime {
        let p = VRRPTime(256 - Int(effectivePriority))
        switch config.version {
        case .v2: return p * 1_000_000 / 256
        case .v3: return p * Self.micros(masterAdverInterval) / 256
        }
    }

    /// 3 × the MASTER's advert interval + skew: how long a BACKUP waits for a silent MASTER.
    public var masterDownInterval: VRRPTime { 3 * Self.micros(masterAdverInterval) + skewTime }

    /// The next time `tick` has something to do.
    public var nextDeadline: VRRPTime? {
        [adverTimer, masterDownTimer, garpTimer].compactMap { $0 }.min()
    }

    // MARK: events

    /// Start-up: the address owner and `state MASTER` become MASTER at once; the others
    /// BACKUP, waiting a master-down interval for an advert.
    public mutating func start(now: VRRPTime) -> [VRRPAction] {
        guard state == .initialize else { return [] }
        preemptAllowedAt = now + config.preemptDelay
        if trackingFault { return enter(.fault, now: now, reason: "a tracked interface or script is down at start-up") }
        if config.isAddressOwner { return becomeMaster(now: now, reason: "address owner (priority 255)") }
        if config.startAsMaster { return becomeMaster(now: now, reason: "configured state MASTER") }
        return enter(.backup, now: now, reason: "start-up")
    }

    /// Shutdown (SIGTERM): a MASTER resigns with priority 0 so a BACKUP takes over after
    /// only its skew time.
    public mutating func stop(now: VRRPTime) -> [VRRPAction] {
        var out: [VRRPAction] = []
        if state == .master {
            out.append(.sendAdvert(priority: 0))
            out.append(.removeVirtualAddresses)
        }
        out.append(.transition(from: state, to: .initialize, reason: "shutdown"))
        state = .initialize
        adverTimer = nil; masterDownTimer = nil; garpTimer = nil
        return out
    }

    /// Runs every timer due at `now`, earliest first.
    public mutating func tick(now: VRRPTime) -> [VRRPAction] {
        var out: [VRRPAction] = []
        while let due = nextDeadline, due <= now {
            if let t = masterDownTimer, t == due {
                masterDownTimer = nil
                if state == .backup {
                    out += becomeMaster(now: t, reason: masterResigned
                        ? "the MASTER resigned (priority 0); skew time \(Self.seconds(skewTime)) s"
                        : "no advert for the master-down interval (\(Self.seconds(masterDownInterval)) s)")
                }
            } else if let t = adverTimer, t == due {
                if state == .master {
                    out.append(.sendAdvert(priority: effectivePriority))
                    adverTimer = t + Self.micros(config.advertInterval)
                } else { adverTimer = nil }
            } else if let t = garpTimer, t == due {
                garpTimer = nil
                guard state == .master else { continue }
                if garpSecondRoundDue {
                    garpSecondRoundDue = false
                    out.append(.sendGratuitous(count: config.garpRepeat))
                } else {
                    out.append(.sendGratuitous(count: config.garpRefreshRepeat))
                }
                if let refresh = config.garpRefresh, refresh > 0 { garpTimer = t + refresh }
            }
        }
        return out
    }

    public mutating func received(_ advert: PeerAdvert, now: VRRPTime) -> [VRRPAction] {
        // VRRPv2 routers discard adverts whose interval differs from their own (RFC 3768
        // §7.1); v3 routers learn it.
        if config.version == .v2, advert.interval != config.advertInterval { return [] }
        switch state {
        case .initialize, .fault:
            return []
        case .backup:
            if advert.priority == 0 {
                // The MASTER resigned: take over after the skew time only.
                masterDownTimer = now + skewTime
                masterResigned = true
                return []
            }
            let preemptHeld = config.preempt && now < preemptAllowedAt
            if !config.preempt || preemptHeld || advert.priority >= effectivePriority {
                if config.version == .v3 { masterAdverInterval = advert.interval }
                masterDownTimer = now + masterDownInterval
                masterResigned = false
            }
            // A lower-priority MASTER while preempting: let the timer run out, then take over.
            return []
        case .master:
            if advert.priority == 0 {
                // Another MASTER resigned: advertise at once so its backups settle on this one.
                adverTimer = now + Self.micros(config.advertInterval)
                return [.sendAdvert(priority: effectivePriority)]
            }
            if advert.priority > effectivePriority
                || (advert.priority == effectivePriority && Self.greater(advert.source, than: config.primaryAddress)) {
                if config.version == .v3 { masterAdverInterval = advert.interval }
                let why = advert.priority > effectivePriority
                    ? "advert with higher priority \(advert.priority) from \(advert.source) (ours \(effectivePriority))"
                    : "advert with equal priority \(advert.priority) from the higher address \(advert.source)"
                return enter(.backup, now: now, reason: why)
            }
            return []
        }
    }

    /// Tracking changed: `delta` is the sum of the weights that apply now, `fault` whether a
    /// tracked item without a weight is down (keepalived's FAULT).
    public mutating func setTracking(priorityDelta delta: Int, fault: Bool, now: VRRPTime) -> [VRRPAction] {
        priorityDelta = delta
        let base = Int(config.priority)
        effectivePriority = config.isAddressOwner ? 255 : UInt8(min(254, max(1, base + delta)))
        let wasFault = trackingFault
        trackingFault = fault
        if fault && !wasFault && state != .initialize {
            return enter(.fault, now: now, reason: "a tracked interface or script is down")
        }
        if !fault && wasFault && state == .fault {
            preemptAllowedAt = now + config.preemptDelay
            return enter(.backup, now: now, reason: "tracked interfaces and scripts are up again")
        }
        return []
    }

    /// A sync group moved another member: this one follows (`reason` names the member).
    public mutating func follow(_ target: VRRPRouterState, now: VRRPTime, reason: String) -> [VRRPAction] {
        guard state != target, state != .initialize else { return [] }
        switch target {
        case .master: return trackingFault ? [] : becomeMaster(now: now, reason: reason)
        case .backup, .fault: return enter(target, now: now, reason: reason)
        case .initialize: return []
        }
    }

    // MARK: transitions

    mutating func becomeMaster(now: VRRPTime, reason: String) -> [VRRPAction] {
        let from = state
        state = .master
        masterDownTimer = nil
        adverTimer = now + Self.micros(config.advertInterval)
        garpSecondRoundDue = config.garpDelay > 0
        garpTimer = config.garpDelay > 0 ? now + config.garpDelay : config.garpRefresh.flatMap { $0 > 0 ? now + $0 : nil }
        return [.transition(from: from, to: .master, reason: reason), .sendAdvert(priority: effectivePriority),
                .addVirtualAddresses, .sendGratuitous(count: config.garpRepeat)]
    }

    mutating func enter(_ target: VRRPRouterState, now: VRRPTime, reason: String) -> [VRRPAction] {
        let from = state
        var out: [VRRPAction] = [.transition(from: from, to: target, reason: reason)]
        if from == .master {
            // Leaving MASTER for FAULT: resign, so the BACKUP takes over after its skew time.
            if target == .fault { out.append(.sendAdvert(priority: 0)) }
            out.append(.removeVirtualAddresses)
        }
        state = target
        adverTimer = nil
        garpTimer = nil
        masterDownTimer = target == .backup ? now + masterDownInterval : nil
        masterResigned = false
        return out
    }

    // MARK: helpers

    /// The tie-break of RFC 5798 §6.4.3: the numerically greater primary address wins.
    static func greater(_ a: IPAddress, than b: IPAddress) -> Bool {
        a.family == b.family && a > b
    }

    static func seconds(_ t: VRRPTime) -> String {
        let ms = (t + 500) / 1000
        return "\(ms / 1000).\(String(format3: Int(ms % 1000)))"
    }
}

extension String {
    /// Three digits, zero-padded (no Foundation formatting in this module).
    init(format3 v: Int) {
        let s = String(v)
        self = String(repeating: "0", count: Swift.max(0, 3 - s.count)) + s
    }
}
