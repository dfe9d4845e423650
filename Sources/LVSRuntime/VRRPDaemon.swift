import LVSCore
import LVSKernel
import LVSNetlink
import NIOCore
import NIOPosix
import VRRP
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import Dispatch
import Logging

/// `lvsc run`'s VRRP engine: the state machines of one director (`VRRPDirector`) wired to
/// real sockets on one swift-nio event loop. Adverts come from the raw VRRP sockets through the
/// receive checks; timers are tasks on the loop at the machines' deadlines; actions go out as
/// adverts, addresses through netlink, and gratuitous ARPs.
///
/// Every mutable field is touched only on `loop` (the machines, the timer, the counters).
public final class VRRPDaemon: @unchecked Sendable {
    var plan: VRRPRuntimePlan
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    /// lvsc run's log: transitions at notice, trouble at warning or error, the rest at info.
    public let logger: Logger
    let base = NIODeadline.now()
    var director: VRRPDirector
    /// The VRRP sockets: one multicast socket per interface, one unicast socket per interface
    /// and source address.
    struct ChannelKey: Hashable { var interface: String; var family: IPAddress.Family; var unicastSource: IPAddress? }
    var channels: [ChannelKey: VRRPSocket] = [:]
    var garp: [String: GratuitousARP] = [:]
    var neighbourAdverts: [String: UnsolicitedNA] = [:]
    var addresses: AddressNetlink?
    var timer: Scheduled<Void>?
    public private(set) var drops: [VRRPDropCounters]
    /// Adverts sent, by instance (in the statistics: a reload that changes nothing sends none extra).
    var sent: [Int]
    /// Packets for no instance here (another VRID, or too short to name one), by interface.
    var unmatched: [String: VRRPDropCounters] = [:]
    var stopped = false
    /// Links by name: up and running (carrier). Filled at start, then from the link monitor.
    var links: [String: Bool] = [:]
    let monitorDone = DispatchSemaphore(value: 0)
    var monitorRunning = false
    /// Set at shutdown; the monitor thread reads it between its 200 ms waits.
    let monitorStop = NIOLockedValueBox(false)
    /// Each vrrp_script's standing (`plan.scripts`), and the tasks that run them.
    var health: [ScriptHealth]
    var scriptTasks: [Task<Void, Never>] = []
    /// The checks running now: shutdown ends them (notify scripts are left to finish).
    let runningChecks = RunningScripts()
    /// Notify scripts still running: shutdown waits a little for notify_stop.
    let notifying = DispatchGroup()
    /// The state each sync group last notified.
    var groupStates: [VRRPRouterState?]
    /// Bumped by each reload: a script result from before it names an index that may have moved.
    var scriptGeneration = 0

    public init(plan: VRRPRuntimePlan, logger: Logger) {
        self.plan = plan
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        director = VRRPDirector(name: "local", routers: plan.instances.map { VRRPRouter($0.router) }, syncGroups: plan.syncGroups)
        drops = Array(repeating: VRRPDropCounters(), count: plan.instances.count)
        sent = Array(repeating: 0, count: plan.instances.count)
        health = plan.scripts.map { ScriptHealth(rise: $0.rise, fall: $0.fall, initFail: $0.initFail) }
        groupStates = Array(repeating: nil, count: plan.groups.count)
    }

    public func log(_ message: String, _ level: Logger.Level = .info, _ metadata: Logger.Metadata? = nil) {
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    var now: VRRPTime { (NIODeadline.now() - base).nanoseconds / 1000 }

    /// Opens the sockets and starts every instance (BACKUP, or MASTER at once where the
    /// configuration says so).
    public func start() throws {
        addresses = try AddressNetlink()
        for key in Set(plan.instances.map(Self.channelKey)) { channels[key] = try openSocket(key) }
        try openAnnouncers(plan)
        let tracked = Set(plan.instances.flatMap { $0.trackedInterfaces.map(\.name) })
        let initial = Dictionary(uniqueKeysWithValues: tracked.map { ($0, Self.isUp($0)) })
        let generation = scriptGeneration
        let monitor = try LinkMonitor()
        // Every tracked script runs once before the instances start, so none starts on a guess.
        let firstRuns = Self.runOnce(plan.scripts)
        try loop.submit {
            self.links = initial
            for (i, outcome) in firstRuns.enumerated() { self.scriptResult(i, outcome, generation: generation) }
            for i in self.plan.instances.indices { self.perform(self.applyTracking(i)) }
            self.perform(self.director.start(now: self.now))
            self.reschedule()
        }.wait()
        // The monitor's socket is read on a thread of its own (it is confined to one thread),
        // which hands each change to the loop.
        for i in plan.scripts.indices { scriptTasks.append(scriptLoop(i, generation: generation)) }
        nonisolated(unsafe) let m = monitor
        monitorRunning = true
        DispatchQueue(label: "lvsc.link-monitor").async { [self] in
            while !monitorStop.withLockedValue({ $0 }) {
                guard let events = try? m.next(within: 200) else { continue }
                for event in events {
                    switch event {
                    case .link(let name, _, let up, let running):
                        loop.execute { self.linkChanged(name, up: up && running) }
                    case .addressRemoved(let a):
                        loop.execute { self.addressRemoved(a) }
                    default:
                        break
                    }
                }
            }
            monitorDone.signal()
        }
    }

    /// Runs each script once, all at the same time, and waits for every outcome.
    static func runOnce(_ scripts: [TrackScriptPlan]) -> [ScriptOutcome] {
        let outcomes = NIOLockedValueBox([ScriptOutcome](repeating: .failedToStart("not run"), count: scripts.count))
        let done = DispatchGroup()
        for (i, s) in scripts.enumerated() {
            done.enter()
            Task {
                let o = await ScriptRunner.run(s.script, timeout: s.timeout)
                outcomes.withLockedValue { $0[i] = o }
                done.leave()
            }
        }
        done.wait()
        return outcomes.withLockedValue { $0 }
    }

    /// Runs script `i` every interval (after the previous run ended, as keepalived) and hands
    /// each outcome to the loop.
    func scriptLoop(_ i: Int, generation: Int) -> Task<Void, Never> {
        let s = plan.scripts[i]
        let loop = self.loop, checks = runningChecks
        return Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: s.interval)
                if Task.isCancelled { return }
                let outcome = await ScriptRunner.run(s.script, timeout: s.timeout, running: checks)
                // Cancelled at shutdown: the run was cut short, its outcome says nothing.
                if Task.isCancelled { return }
                loop.execute { self?.scriptResult(i, outcome, generation: generation) }
            }
        }
    }

    func scriptResult(_ i: Int, _ outcome: ScriptOutcome, generation: Int) {
        guard !stopped, generation == scriptGeneration else { return }
        let s = plan.scripts[i]
        guard health[i].record(success: outcome.succeeded) else { return }
        log("vrrp_script \(s.name): \(health[i].isGood ? "succeeded" : "failed") (\(outcome.description))")
        for j in plan.instances.indices where plan.instances[j].trackedScripts.contains(where: { $0.script == i }) {
            perform(applyTracking(j))
        }
        reschedule()
    }

    /// SIGHUP with a configuration that linted and planned: instances whose settings did not
    /// change keep their state and timers untouched (no advert, no VIP moves); a changed one is
    /// stopped as at shutdown and started again with its new settings; a removed one stops; a
    /// new one starts. Returns one line saying what changed.
    public func reload(_ new: VRRPRuntimePlan) throws -> String {
        // New and changed checks run once first, as at start.
        let keptScripts = new.scripts.map { s in plan.scripts.firstIndex(of: s) }
        let fresh = new.scripts.indices.filter { keptScripts[$0] == nil }
        let firstRuns = Self.runOnce(fresh.map { new.scripts[$0] })
        // Sockets for the new plan first, off the loop (opening one waits for the loop): if one
        // cannot be opened, nothing has changed yet.
        let have = try loop.submit { Set(self.channels.keys) }.wait()
        var opened: [ChannelKey: VRRPSocket] = [:]
        do {
            for key in Set(new.instances.map(Self.channelKey)) where !have.contains(key) { opened[key] = try openSocket(key) }
        } catch {
            for c in opened.values { c.close() }
            throw error
        }
        let reloaded = loop.submit { () throws -> (String, [VRRPSocket]) in
            let old = self.plan
            var kept: [Int?] = []   // new instance → old index, when unchanged
            for n in new.instances {
                let o = old.instances.firstIndex { $0.router.name == n.router.name }
                kept.append(o.flatMap { n.isSame(as: old.instances[$0], scripts: new.scripts, oldScripts: old.scripts) ? $0 : nil })
            }
            let keptOld = Set(kept.compactMap { $0 })
            try self.openAnnouncers(new)
            self.channels.merge(opened) { a, _ in a }
            let now = self.now
            // Changed and removed instances stop under the old plan (resign, VIPs removed).
            for i in old.instances.indices where !keptOld.contains(i) { self.perform(self.director.stop(router: i, now: now)) }
            let stopped = old.instances.indices.filter { !keptOld.contains($0) }.map { old.instances[$0].router.name }
            let routers = new.instances.enumerated().map { (j, n) in kept[j].map { self.director.routers[$0] } ?? VRRPRouter(n.router) }
            let groupStates = new.groups.map { g in old.groups.firstIndex { $0.name == g.name && $0.members.map { old.instances[$0].router.name } == g.members.map { new.instances[$0].router.name } }.flatMap { self.groupStates[$0] } }
            self.drops = new.instances.indices.map { j in kept[j].map { self.drops[$0] } ?? VRRPDropCounters() }
            self.sent = new.instances.indices.map { j in kept[j].map { self.sent[$0] } ?? 0 }
            self.health = new.scripts.indices.map { j in keptScripts[j].map { self.health[$0] } ?? ScriptHealth(rise: new.scripts[j].rise, fall: new.scripts[j].fall, initFail: new.scripts[j].initFail) }
            self.plan = new
            self.director = VRRPDirector(name: "local", routers: routers, syncGroups: new.syncGroups)
            self.groupStates = groupStates
            self.scriptGeneration += 1
            for (k, j) in fresh.enumerated() { self.scriptResult(j, firstRuns[k], generation: self.scriptGeneration) }
            for name in Set(new.instances.flatMap { $0.trackedInterfaces.map(\.name) }) where self.links[name] == nil { self.links[name] = Self.isUp(name) }
            let started = new.instances.indices.filter { kept[$0] == nil }
            for j in started { self.perform(self.applyTracking(j)) }
            self.perform(self.director.start(now: now))
            // Sockets no instance uses any more (closed off the loop).
            let keys = Set(new.instances.map(Self.channelKey))
            let unused = self.channels.filter { !keys.contains($0.key) }
            for key in unused.keys { self.channels[key] = nil }
            self.reschedule()
            let added = started.map { new.instances[$0].router.name }.filter { n in !old.instances.contains { $0.router.name == n } }
            let changed = started.map { new.instances[$0].router.name }.filter { n in old.instances.contains { $0.router.name == n } }
            let removed = stopped.filter { n in !new.instances.contains { $0.router.name == n } }
            if added.isEmpty && changed.isEmpty && removed.isEmpty && fresh.isEmpty { return ("nothing changed", Array(unused.values)) }
            func names(_ l: [String]) -> String { l.isEmpty ? "none" : l.joined(separator: ", ") }
            return ("restarted \(names(changed)); added \(names(added)); removed \(names(removed)); \(new.instances.count - started.count) unchanged", Array(unused.values))
        }
        let summary: String, unused: [VRRPSocket]
        do { (summary, unused) = try reloaded.wait() } catch {
            // Nothing was applied (the one step that can fail comes before any change).
            for c in opened.values { c.close() }
            throw error
        }
        for c in unused { c.close() }
        // The old checks' results carry the old generation from here on and are ignored.
        for t in scriptTasks { t.cancel() }
        scriptTasks = []
        let generation = try loop.submit { self.scriptGeneration }.wait()
        for i in new.scripts.indices { scriptTasks.append(scriptLoop(i, generation: generation)) }
        return summary
    }

    /// Administratively up and with a carrier (SIOCGIFFLAGS).
    static func isUp(_ name: String) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var req = ifreq()
        withUnsafeMutableBytes(of: &req.ifr_ifrn) { p in for (i, b) in name.utf8.prefix(15).enumerated() { p[i] = b } }
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &req) == 0 else { return false }
        let flags = Int32(req.ifr_ifru.ifru_flags)
        return flags & Int32(IFF_UP) != 0 && flags & Int32(IFF_RUNNING) != 0
    }

    func linkChanged(_ name: String, up: Bool) {
        // Only tracked links are in `links` (a reload may add some).
        guard !stopped, let was = links[name], was != up else { return }
        links[name] = up
        log("link \(name) is \(up ? "up" : "down")")
        for i in plan.instances.indices where plan.instances[i].trackedInterfaces.contains(where: { $0.name == name }) {
            perform(applyTracking(i))
        }
        reschedule()
    }

    /// A VIP deleted while its instance is MASTER (by hand, or by another tool): put it back and
    /// say so. Removals lvsc makes itself happen after the instance has left MASTER.
    func addressRemoved(_ a: HostAddress) {
        guard !stopped else { return }
        for (i, p) in plan.instances.enumerated() where p.interface == a.interface && director.routers[i].state == .master {
            guard let vip = p.vips.first(where: { $0.prefix.address == a.prefix.address }) else { continue }
            do {
                try addresses?.add(vip.prefix.address, prefixLength: vip.prefix.length, interface: p.interface, label: vip.label)
                log("\(p.router.name): VIP \(vip.prefix) was removed from \(p.interface) while MASTER; put back", .warning)
            } catch {
                log("\(p.router.name): VIP \(vip.prefix) was removed from \(p.interface) while MASTER and cannot be put back: \(error)", .error)
            }
        }
    }

    /// Tracking as `VRRPInstancePlan.tracking` has it, from the links and scripts seen now.
    func applyTracking(_ i: Int) -> VRRPDirector.Actions {
        let (delta, fault) = plan.instances[i].tracking(interfaceUp: { links[$0] ?? false }, script: { health[$0] })
        return director.setTracking(router: i, priorityDelta: delta, fault: fault, now: now)
    }

    /// SIGTERM: every MASTER resigns (priority 0), the VIPs go, the sockets close.
    public func shutdown() {
        // The priority-0 advert goes first: the backup's takeover clock (skew time) starts when
        // it arrives, so nothing slow (a link monitor's poll, killing checks) may come before it.
        try? loop.submit {
            guard !self.stopped else { return }
            self.stopped = true
            self.timer?.cancel()
            self.perform(self.director.stop(now: self.now))
        }.wait()
        for t in scriptTasks { t.cancel() }
        runningChecks.killAll()
        monitorStop.withLockedValue { $0 = true }
        if monitorRunning { monitorDone.wait() }
        // notify_stop (and notify … STOP) have started; give them a moment, as an init system
        // gives a stopping service, without hanging the stop on a script that never ends.
        if notifying.wait(timeout: .now() + .seconds(5)) == .timedOut { log("notify scripts still running at exit; left to finish", .warning) }
        for c in channels.values { c.close() }
        try? group.syncShutdownGracefully()
    }

    /// SIGUSR1: one line per instance (state, priority, the packets dropped by reason) and one
    /// per interface that received packets for no instance here.
    public func logStatistics() {
        loop.execute {
            func listed(_ c: VRRPDropCounters) -> String {
                c.total == 0 ? "none" : VRRPDropReason.allCases.filter { c[$0] > 0 }.map { "\($0.rawValue)=\(c[$0])" }.joined(separator: " ")
            }
            for (i, p) in self.plan.instances.enumerated() {
                let r = self.director.routers[i]
                self.log("statistics \(p.router.name): \(r.state.rawValue), priority \(r.effectivePriority), adverts sent \(self.sent[i]), dropped: \(listed(self.drops[i]))")
            }
            for (iface, c) in self.unmatched.sorted(by: { $0.key < $1.key }) {
                self.log("statistics \(iface): packets for no instance here: \(listed(c))")
            }
        }
    }

    /// The state of each instance, by name (for logs and tests).
    public func states() -> [(String, VRRPRouterState)] {
        (try? loop.submit { self.director.routers.map { ($0.config.name, $0.state) } }.wait()) ?? []
    }

    static func channelKey(_ p: VRRPInstancePlan) -> ChannelKey {
        ChannelKey(interface: p.interface, family: p.sourceAddress.family, unicastSource: p.unicastPeers.isEmpty ? nil : p.sourceAddress)
    }

    /// The socket for one interface, family and transport; what it receives goes to `received`
    /// on the loop. Not on the loop: opening an IPv4 channel waits for it.
    func openSocket(_ key: ChannelKey) throws -> VRRPSocket {
        switch key.family {
        case .inet:
            return .v4(try VRRPChannel.open(interface: key.interface, unicastSource: key.unicastSource, on: group) { [weak self] r in
                self?.received(r, on: key)
            })
        case .inet6:
            return .v6(try VRRPChannel6.open(interface: key.interface, unicastSource: key.unicastSource, on: loop) { [weak self] r in
                self?.received(r, on: key)
            })
        }
    }

    /// Gratuitous ARP for interfaces with IPv4 instances, neighbour advertisements for IPv6 ones.
    func openAnnouncers(_ plan: VRRPRuntimePlan) throws {
        for p in plan.instances {
            if p.router.virtualAddresses.contains(where: { $0.family == .inet }), garp[p.interface] == nil {
                garp[p.interface] = try GratuitousARP(interface: p.interface)
            }
            if p.router.virtualAddresses.contains(where: { $0.family == .inet6 }), neighbourAdverts[p.interface] == nil {
                neighbourAdverts[p.interface] = try UnsolicitedNA(interface: p.interface)
            }
        }
    }

    // MARK: on the loop

    func received(_ r: ReceivedAdvert, on key: ChannelKey) {
        guard !stopped else { return }
        guard r.payload.count >= 2 else { unmatched[key.interface, default: VRRPDropCounters()].count(.tooShort); return }
        // The multicast socket also sees unicast adverts (a raw socket gets every packet of its
        // protocol on the interface); those are the unicast socket's.
        if key.unicastSource == nil && r.destination != (key.family == .inet ? VRRPChannel.group4 : VRRPChannel6.group6) { return }
        let vrid = r.payload[1]
        guard let i = plan.instances.firstIndex(where: { Self.channelKey($0) == key && $0.router.virtualRouterID == vrid }) else {
            unmatched[key.interface, default: VRRPDropCounters()].count(.otherRouterID)
            return
        }
        switch plan.instances[i].filter.check(r.payload, ttl: r.ttl, source: r.source, destination: r.destination) {
        case .failure(let reason):
            drops[i].count(reason)
            // The first of each reason is logged; the counters hold the rest.
            if drops[i][reason] == 1 { log("\(plan.instances[i].router.name): dropped an advert from \(r.source): \(reason.rawValue) (counted from now on)", .warning) }
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
        // Adverts first (RFC 5798 §6.4.2 sends the advert, then transitions): the log line and
        // the notify scripts of a transition must not delay the advert a takeover hinges on.
        var ordered = actions.filter { if case .sendAdvert = $0.action { true } else { false } }
        ordered += actions.filter { if case .sendAdvert = $0.action { false } else { true } }
        for (i, action) in ordered {
            let p = plan.instances[i]
            let r = director.routers[i]
            switch action {
            case .sendAdvert(let priority):
                var a = VRRPAdvert(version: p.router.version, virtualRouterID: p.router.virtualRouterID, priority: priority,
                                   interval: UInt16(p.router.version == .v2 ? p.router.advertInterval / 100 : p.router.advertInterval),
                                   addresses: p.router.virtualAddresses)
                a.authType = p.filter.authType
                a.authData = p.filter.authPassword
                sent[i] += 1
                let channel = channels[Self.channelKey(p)]
                if p.unicastPeers.isEmpty {
                    channel?.send(a, source: p.sourceAddress, to: nil)
                } else {
                    for peer in p.unicastPeers { channel?.send(a, source: p.sourceAddress, to: peer) }
                }
            case .addVirtualAddresses:
                for v in p.vips {
                    do { try addresses?.add(v.prefix.address, prefixLength: v.prefix.length, interface: p.interface, label: v.label) }
                    catch { log("\(p.router.name): cannot add \(v.prefix) to \(p.interface): \(error)", .error) }
                }
            case .removeVirtualAddresses:
                for v in p.vips {
                    do { try addresses?.delete(v.prefix.address, prefixLength: v.prefix.length, interface: p.interface) }
                    catch { log("\(p.router.name): cannot remove \(v.prefix) from \(p.interface): \(error)", .error) }
                }
            case .sendGratuitous(let count):
                garp[p.interface]?.send(p.router.virtualAddresses.filter { $0.family == .inet }, count: count)
                neighbourAdverts[p.interface]?.send(p.router.virtualAddresses.filter { $0.family == .inet6 }, count: count)
            case .transition(let from, let to, let reason):
                log("\(p.router.name): \(from.rawValue) -> \(to.rawValue): \(reason) (priority \(r.effectivePriority))", .notice,
                    ["instance": "\(p.router.name)", "from": "\(from.rawValue)", "to": "\(to.rawValue)"])
                notify(p.notify, type: "INSTANCE", name: p.router.name, state: to, priority: Int(r.effectivePriority))
            }
        }
        notifyGroups()
    }

    /// A sync group's notify scripts run when all its members have reached one state.
    func notifyGroups() {
        for (g, group) in plan.groups.enumerated() {
            let states = Set(group.members.map { director.routers[$0].state })
            guard states.count == 1, let state = states.first, groupStates[g] != state else { continue }
            groupStates[g] = state
            notify(group.notify, type: "GROUP", name: group.name, state: state, priority: 0)
        }
    }

    /// keepalived's notify scripts: notify_<state> as written, and `notify` with the type, the
    /// name, the state (STOP at shutdown) and the priority (0 for a group) appended.
    func notify(_ scripts: [String: ResolvedScript], type: String, name: String, state: VRRPRouterState, priority: Int) {
        let word: String
        switch state {
        case .master: word = "MASTER"
        case .backup: word = "BACKUP"
        case .fault: word = "FAULT"
        case .initialize: word = "STOP"
        }
        var runs: [(ResolvedScript, [String])] = []
        if let s = scripts["notify_" + word.lowercased()] { runs.append((s, [])) }
        if let s = scripts["notify"] { runs.append((s, [type, name, word, String(priority)])) }
        for (script, args) in runs {
            notifying.enter()
            let logger = self.logger, done = notifying
            Task {
                let outcome = await ScriptRunner.run(script, extraArguments: args, timeout: nil)
                if !outcome.succeeded { logger.warning("\(name): notify script \(script.words): \(outcome.description)") }
                done.leave()
            }
        }
    }
}

/// One VRRP socket of the daemon: IPv4 on a swift-nio channel, IPv6 on its own reading thread
/// (see `VRRPChannel6`).
enum VRRPSocket: Sendable {
    case v4(VRRPChannel)
    case v6(VRRPChannel6)

    /// To the family's multicast group when `destination` is nil. Sending never blocks; an
    /// advert the kernel refuses is lost as one lost on the wire would be.
    func send(_ advert: VRRPAdvert, source: IPAddress, to destination: IPAddress?) {
        switch self {
        case .v4(let c): _ = c.send(advert, source: source, to: destination ?? VRRPChannel.group4)
        case .v6(let c): c.send(advert, source: source, to: destination ?? VRRPChannel6.group6)
        }
    }

    /// Not on the loop: it waits for the socket to close.
    func close() {
        switch self {
        case .v4(let c): try? c.close().wait()
        case .v6(let c): c.close()
        }
    }
}
