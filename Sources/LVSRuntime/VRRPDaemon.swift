import LVSCore
import LVSKernel
import LVSNetlink
import NIOCore
import NIOPosix
import VRRP

/// `lvsc run`'s VRRP engine: the state machines of one director (`VRRPDirector`) wired to
/// real sockets on one swift-nio event loop. Adverts come from the raw VRRP sockets through the
/// receive checks; timers are tasks on the loop at the machines' deadlines; actions go out as
/// adverts, addresses through netlink, and gratuitous ARPs.
///
/// Every mutable field is touched only on `loop` (the machines, the timer, the counters).
public final class VRRPDaemon: @unchecked Sendable {
    let plan: VRRPRuntimePlan
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let log: @Sendable (String) -> Void
    let base = NIODeadline.now()
    var director: VRRPDirector
    var channels: [String: VRRPChannel] = [:]
    var garp: [String: GratuitousARP] = [:]
    var addresses: AddressNetlink?
    var timer: Scheduled<Void>?
    public private(set) var drops: [VRRPDropCounters]
    var stopped = false

    public init(plan: VRRPRuntimePlan, log: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.log = log
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        director = VRRPDirector(name: "local", routers: plan.instances.map { VRRPRouter($0.router) }, syncGroups: plan.syncGroups)
        drops = Array(repeating: VRRPDropCounters(), count: plan.instances.count)
    }

    var now: VRRPTime { (NIODeadline.now() - base).nanoseconds / 1000 }

    /// Opens the sockets and starts every instance (BACKUP, or MASTER at once where the
    /// configuration says so).
    public func start() throws {
        addresses = try AddressNetlink()
        for iface in Set(plan.instances.map(\.interface)) {
            channels[iface] = try VRRPChannel.open(interface: iface, on: group) { [weak self] r in self?.received(r, on: iface) }
            garp[iface] = try GratuitousARP(interface: iface)
        }
        try loop.submit {
            self.perform(self.director.start(now: self.now))
            self.reschedule()
        }.wait()
    }

    /// SIGTERM: every MASTER resigns (priority 0), the VIPs go, the sockets close.
    public func shutdown() {
        try? loop.submit {
            guard !self.stopped else { return }
            self.stopped = true
            self.timer?.cancel()
            self.perform(self.director.stop(now: self.now))
        }.wait()
        for c in channels.values { try? c.close().wait() }
        try? group.syncShutdownGracefully()
    }

    /// The state of each instance, by name (for logs and tests).
    public func states() -> [(String, VRRPRouterState)] {
        (try? loop.submit { self.director.routers.map { ($0.config.name, $0.state) } }.wait()) ?? []
    }

    // MARK: on the loop

    func received(_ r: ReceivedAdvert, on iface: String) {
        guard !stopped, r.payload.count >= 2 else { return }
        let vrid = r.payload[1]
        guard let i = plan.instances.firstIndex(where: { $0.interface == iface && $0.router.virtualRouterID == vrid }) else { return }
        switch plan.instances[i].filter.check(r.payload, ttl: r.ttl, source: r.source, destination: r.destination) {
        case .failure(let reason):
            drops[i].count(reason)
            // The first of each reason is logged; the counters hold the rest.
            if drops[i][reason] == 1 { log("\(plan.instances[i].router.name): dropped an advert from \(r.source): \(reason.rawValue) (counted from now on)") }
        case .success(let (advert, _)):
            perform(director.received(advert, router: i, now: now))
            reschedule()
        }
    }

    func reschedule() {
        timer?.cancel()
        guard !stopped, let deadline = director.nextDeadline else { return }
        timer = loop.scheduleTask(deadline: base + .microseconds(deadline)) { [weak self] in
            guard let self, !self.stopped else { return }
            self.perform(self.director.tick(now: self.now))
            self.reschedule()
        }
    }

    func perform(_ actions: VRRPDirector.Actions) {
        for (i, action) in actions {
            let p = plan.instances[i]
            let r = director.routers[i]
            switch action {
            case .sendAdvert(let priority):
                var a = VRRPAdvert(version: p.router.version, virtualRouterID: p.router.virtualRouterID, priority: priority,
                                   interval: UInt16(p.router.version == .v2 ? p.router.advertInterval / 100 : p.router.advertInterval),
                                   addresses: p.router.virtualAddresses)
                a.authType = p.filter.authType
                a.authData = p.filter.authPassword
                _ = channels[p.interface]?.send(a, source: p.router.primaryAddress)
            case .addVirtualAddresses:
                for v in p.vips {
                    do { try addresses?.add(v.prefix.address, prefixLength: v.prefix.length, interface: p.interface, label: v.label) }
                    catch { log("\(p.router.name): cannot add \(v.prefix) to \(p.interface): \(error)") }
                }
            case .removeVirtualAddresses:
                for v in p.vips {
                    do { try addresses?.delete(v.prefix.address, prefixLength: v.prefix.length, interface: p.interface) }
                    catch { log("\(p.router.name): cannot remove \(v.prefix) from \(p.interface): \(error)") }
                }
            case .sendGratuitous(let count):
                garp[p.interface]?.send(p.router.virtualAddresses, count: count)
            case .transition(let from, let to, let reason):
                log("\(p.router.name): \(from.rawValue) -> \(to.rawValue): \(reason) (priority \(r.effectivePriority))")
            }
        }
    }
}
