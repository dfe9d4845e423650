import LVSModel
import VRRP

/// A keyword `lvsc run` does not implement yet: named with its line and refused at start,
/// never silently ignored.
public struct RuntimeRefusal: Sendable, Equatable {
    public var keyword: String
    public var span: SourceSpan?
    public var why: String

    public init(keyword: String, span: SourceSpan?, why: String) {
        self.keyword = keyword
        self.span = span
        self.why = why
    }
}

/// Everything `lvsc run` refuses in one configuration.
public struct RuntimeRefusals: Error, Sendable {
    public var items: [RuntimeRefusal]
}

/// One VRRP instance as `lvsc run` drives it.
public struct VRRPInstancePlan: Sendable {
    public var router: VRRPRouterConfig
    public var interface: String
    public var filter: VRRPReceiveFilter
    /// The VIPs with their prefix length and label, as they go onto the interface.
    public var vips: [(prefix: IPPrefix, label: String?)]
    /// Interfaces whose state moves the instance: its own (FAULT when down, as keepalived) and
    /// `track_interface` entries (FAULT when down, or with a weight: the weight applies).
    public var trackedInterfaces: [(name: String, weight: Int?)]
    /// Unicast mode: the peers the adverts go to (empty: multicast to 224.0.0.18).
    public var unicastPeers: [IPAddress] = []
    /// The address adverts leave from: `unicast_src_ip`, else the interface's primary address.
    public var sourceAddress: IPAddress { router.primaryAddress }
    /// `track_script` entries: the script (an index into `VRRPRuntimePlan.scripts`) and the
    /// weight that applies (the entry's, else the script's; 0: FAULT while the script fails).
    public var trackedScripts: [(script: Int, weight: Int)] = []
    /// notify_master, notify_backup, notify_fault, notify_stop and notify, by keyword.
    public var notify: [String: ResolvedScript] = [:]

    /// The same settings (a reload leaves such an instance alone); scripts are compared by
    /// what they are, not by their index in either plan.
    func isSame(as o: VRRPInstancePlan, scripts: [TrackScriptPlan], oldScripts: [TrackScriptPlan]) -> Bool {
        router == o.router && interface == o.interface && filter == o.filter
            && vips.map { "\($0.prefix) \($0.label ?? "")" } == o.vips.map { "\($0.prefix) \($0.label ?? "")" }
            && trackedInterfaces.map { "\($0.name) \($0.weight ?? 0) \($0.weight == nil)" } == o.trackedInterfaces.map { "\($0.name) \($0.weight ?? 0) \($0.weight == nil)" }
            && unicastPeers == o.unicastPeers && notify == o.notify
            && trackedScripts.map(\.weight) == o.trackedScripts.map(\.weight)
            && trackedScripts.map { scripts[$0.script] } == o.trackedScripts.map { oldScripts[$0.script] }
    }
}

extension VRRPInstancePlan {
    /// keepalived's tracking, as `lvsc run` and `lvsc simulate` both apply it: a tracked
    /// interface or script that is down without a weight is FAULT; a negative weight applies
    /// while it is down (failing), a positive one while it is up (good). A script without a
    /// result yet counts for neither (unless it has a zero weight: then it is not good yet).
    public func tracking(interfaceUp: (String) -> Bool, script: (Int) -> ScriptHealth) -> (priorityDelta: Int, fault: Bool) {
        var delta = 0
        var fault = false
        for t in trackedInterfaces {
            let up = interfaceUp(t.name)
            if let w = t.weight, w != 0 {
                if up && w > 0 { delta += w }
                if !up && w < 0 { delta += w }
            } else if !up {
                fault = true
            }
        }
        for t in trackedScripts {
            let h = script(t.script)
            if t.weight == 0 {
                if !h.isGood { fault = true }
            } else if h.known {
                if h.isGood && t.weight > 0 { delta += t.weight }
                if !h.isGood && t.weight < 0 { delta += t.weight }
            }
        }
        return (delta, fault)
    }
}

/// A `vrrp_script` as `lvsc run` runs it.
public struct TrackScriptPlan: Sendable, Equatable {
    public var name: String
    public var script: ResolvedScript
    public var interval: Duration
    public var timeout: Duration
    public var rise: Int
    public var fall: Int
    public var initFail: Bool
}

/// A `vrrp_sync_group` with its notify scripts.
public struct SyncGroupPlan: Sendable {
    public var name: String
    public var members: [Int]
    public var notify: [String: ResolvedScript]
}

/// What a director's keepalived.conf asks of `lvsc run`'s VRRP engine, or why it cannot run it.
public struct VRRPRuntimePlan: Sendable {
    public var instances: [VRRPInstancePlan]
    public var groups: [SyncGroupPlan]
    public var scripts: [TrackScriptPlan]
    public var syncGroups: [[Int]] { groups.map(\.members) }

    /// No instances: a director whose file gives the engine nothing to run.
    public static let empty = VRRPRuntimePlan(instances: [], groups: [], scripts: [])

    /// The keywords of an instance the engine implements.
    static let instanceKeywords: Set<String> = [
        "state", "interface", "virtual_router_id", "priority", "advert_int", "version",
        "nopreempt", "preempt", "preempt_delay", "authentication", "virtual_ipaddress", "track_interface",
        "unicast_src_ip", "unicast_peer", "check_unicast_src", "track_script",
        "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify",
        "garp_master_delay", "garp_master_repeat", "garp_master_refresh", "garp_master_refresh_repeat",
    ]
    static let notifyKeywords: Set<String> = ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"]
    static let syncGroupKeywords: Set<String> = ["group", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"]
    static let scriptKeywords: Set<String> = ["script", "interval", "timeout", "weight", "rise", "fall", "user", "init_fail"]
    /// global_defs keywords that change nothing the engine does (names, mail addresses that
    /// keepalived only uses with smtp_alert, the script settings of scripts it refuses anyway).
    static let globalKeywords: Set<String> = [
        "router_id", "lvs_id", "notification_email", "notification_email_from", "smtp_server",
        "smtp_connect_timeout", "enable_script_security", "script_user", "vrrp_version", "vrrp_check_unicast_src",
        "vrrp_garp_master_delay", "vrrp_garp_master_repeat", "vrrp_garp_master_refresh", "vrrp_garp_master_refresh_repeat",
    ]

    /// `primaryAddress`: the address adverts of a family leave from on an interface (IPv4:
    /// its primary address; IPv6: its link-local address; nil: none);
    /// `isLocal`: whether an address is on that interface here (for `unicast_src_ip`).
    /// `lenient`: `lvsc simulate`'s reading — what the engine does not implement yet is left
    /// out of the election as keepalived would run it, not refused (a script that could not
    /// run here still counts as tracked, for the simulator to fail it).
    public static func make(_ config: KeepalivedConfig, vrrpOnly: Bool,
                            primaryAddress: (String, IPAddress.Family) -> IPAddress?,
                            isLocal: (IPAddress, String) -> Bool = { _, _ in true },
                            lenient: Bool = false) -> Result<VRRPRuntimePlan, RuntimeRefusals> {
        var refusals: [RuntimeRefusal] = []
        func refuse(_ k: String, _ span: SourceSpan?, _ why: String) { refusals.append(RuntimeRefusal(keyword: k, span: span, why: why)) }
        let g = config.globalDefs
        for k in g.keywords where !globalKeywords.contains(k.value) {
            refuse(k.value, k.span, "lvsc run does not implement this global setting yet")
        }
        let resolver = ScriptResolver(globalUser: g.scriptUser?.value, securityEnabled: g.enableScriptSecurity?.value == true)
        func resolved(_ command: Located<ScriptCommand>?, user: String?, keyword: String, span: SourceSpan?) -> ResolvedScript? {
            guard let command else {
                refuse(keyword, span, "the script line is empty")
                return lenient ? ResolvedScript(argv: [], user: "", uid: 0, gid: 0, groups: []) : nil
            }
            switch resolver.resolve(command.value, user: user) {
            case .success(let r): return r
            case .failure(.refused(let why)):
                refuse(keyword, command.span, why)
                return lenient ? ResolvedScript(argv: [], user: "", uid: 0, gid: 0, groups: []) : nil
            }
        }
        // Only scripts an instance tracks run (keepalived does not run the others).
        let tracked = Set(config.instances.flatMap { $0.trackScripts.map(\.name.value) })
        var scripts: [TrackScriptPlan] = []
        var scriptIndex: [String: (index: Int, weight: Int)] = [:]
        for s in config.scripts where tracked.contains(s.name.value) && scriptIndex[s.name.value] == nil {
            for k in s.keywords where !scriptKeywords.contains(k.value) { refuse(k.value, k.span, "lvsc run does not implement this vrrp_script keyword yet") }
            if let r = s.weightReverse { refuse("reverse", r.span, "lvsc run does not implement a reversed script weight yet") }
            guard let script = resolved(s.command, user: s.user?.value, keyword: "script", span: s.name.span) else { continue }
            let interval = s.interval?.value ?? 1
            scriptIndex[s.name.value] = (scripts.count, s.weight?.value ?? 0)
            scripts.append(TrackScriptPlan(name: s.name.value, script: script, interval: .microseconds(Int64(interval * 1_000_000)),
                                           timeout: .microseconds(Int64((s.timeout?.value ?? interval) * 1_000_000)),
                                           rise: s.rise?.value ?? 1, fall: s.fall?.value ?? 1, initFail: s.initFail?.value == true))
        }
        func notifyScripts(_ commands: [String: Located<ScriptCommand>], _ written: [String: Located<String>]) -> [String: ResolvedScript] {
            var out: [String: ResolvedScript] = [:]
            for key in written.keys.sorted() where notifyKeywords.contains(key) {
                if let r = resolved(commands[key], user: nil, keyword: key, span: written[key]?.span) { out[key] = r }
            }
            return out
        }
        for a in config.staticAddresses { refuse("static_ipaddress", a.span, "lvsc run does not set static addresses yet") }
        for u in config.untyped { refuse(u.keyword, u.span, "lvsc run does not implement this block yet") }
        if !vrrpOnly {
            for vs in config.virtualServers.prefix(1) {
                refuse("virtual_server", vs.key.span, "lvsc run does not run health checks yet: start it with --vrrp-only (as keepalived -P) and keep the virtual servers with keepalived or lvsc apply")
            }
        }
        if config.instances.isEmpty { refuse("vrrp_instance", nil, "the file has no vrrp_instance: nothing for lvsc run to do") }
        var instances: [VRRPInstancePlan] = []
        var index: [String: Int] = [:]
        for inst in config.instances {
            for k in inst.keywords where !instanceKeywords.contains(k.value) {
                refuse(k.value, k.span, "lvsc run does not implement this vrrp_instance keyword yet")
            }
            if let a = inst.authentication, a.type?.value == .ah {
                refuse("auth_type AH", a.type?.span ?? a.span, "lvsc run implements PASS authentication only")
            }
            guard let iface = inst.interface?.value else { refuse("interface", inst.name.span, "vrrp_instance \(inst.name.value) has no interface"); continue }
            guard let vrid = inst.virtualRouterID?.value else { continue }
            // An IPv6 instance is VRRPv3 whatever vrrp_version says (lint errs on an explicit 2).
            let version = inst.family == .inet6 ? 3 : inst.version?.value ?? g.vrrpVersion?.value ?? 2
            let seconds = inst.advertInterval?.value ?? 1
            // At least 1 cs: an interval of 0 would make the advert timer fire forever (lint errs on it).
            let centiseconds = max(1, Int((seconds * 100).rounded()))
            if version == 2 && centiseconds % 100 != 0 {
                refuse("advert_int", inst.advertInterval?.span, "VRRPv2 carries whole seconds")
            }
            for o in inst.unicastPeerOptions { refuse(o.value, o.span, "lvsc run does not check a unicast peer's TTL range yet") }
            let peers = inst.unicastPeers.map(\.value)
            let primary: IPAddress
            if let src = inst.unicastSourceIP {
                guard !peers.isEmpty || lenient else {
                    refuse("unicast_src_ip", src.span, "without unicast peers the adverts are multicast, and lvsc run sends them from the interface's primary address only yet")
                    continue
                }
                guard isLocal(src.value, iface) else {
                    refuse("unicast_src_ip", src.span, "\(src.value) is not an address of \(iface) here, so adverts cannot leave from it")
                    continue
                }
                primary = src.value
            } else {
                guard let p = primaryAddress(iface, inst.family) else {
                    refuse("interface", inst.interface?.span, inst.family == .inet
                           ? "\(iface) has no IPv4 address here, so it cannot send adverts"
                           : "\(iface) has no IPv6 link-local address here (RFC 5798 sends IPv6 adverts from it), so it cannot send adverts")
                    continue
                }
                primary = p
            }
            var vips: [(prefix: IPPrefix, label: String?)] = []
            for v in inst.virtualIPs {
                if let d = v.device, d.value != iface { refuse("dev", d.span, "lvsc run puts VIPs on the instance's interface only yet") }
                if let sc = v.scope { refuse("scope", sc.span, "lvsc run does not set an address scope yet") }
                if let b = v.broadcast { refuse("brd", b.span, "lvsc run does not set a broadcast address yet") }
                vips.append((v.prefix, v.label?.value))
            }
            // The instance's garp_master_* settings, else global_defs' vrrp_garp_master_*, else
            // keepalived's defaults (5 at once, 5 more after 5 s, no refresh).
            let garp = inst.garpMaster, garpDefaults = g.garpMaster
            let garpDelay = (garp.delay ?? garpDefaults.delay)?.value ?? 5
            let garpRefresh = (garp.refresh ?? garpDefaults.refresh)?.value ?? 0
            var router = VRRPRouterConfig(
                name: inst.name.value, virtualRouterID: UInt8(clamping: vrid), priority: UInt8(clamping: inst.priority?.value ?? 100),
                advertInterval: centiseconds, version: version == 3 ? .v3 : .v2,
                preempt: inst.nopreempt?.value != true,
                preemptDelay: VRRPTime(((inst.preemptDelay?.value ?? 0) * 1_000_000).rounded()),
                startAsMaster: inst.state?.value == .master,
                primaryAddress: primary, virtualAddresses: vips.map(\.prefix.address),
                garpRepeat: (garp.repeat ?? garpDefaults.repeat)?.value ?? 5,
                garpDelay: VRRPTime(garpDelay) * 1_000_000,
                garpRefresh: garpRefresh > 0 ? VRRPTime(garpRefresh) * 1_000_000 : nil)
            router.garpRefreshRepeat = (garp.refreshRepeat ?? garpDefaults.refreshRepeat)?.value ?? 1
            let pass = inst.authentication?.type?.value == .pass
            var filter = VRRPReceiveFilter(
                version: router.version, virtualRouterID: router.virtualRouterID, family: inst.family,
                authType: pass ? 1 : 0, authPassword: pass ? Array((inst.authentication?.password?.value ?? "").utf8) : [],
                advertInterval: centiseconds, addresses: Set(router.virtualAddresses), ownAddresses: [primary])
            if !peers.isEmpty {
                filter.unicastPeers = Set(peers)
                filter.checkUnicastSource = inst.keywords.contains { $0.value == "check_unicast_src" }
                    || g.keywords.contains { $0.value == "vrrp_check_unicast_src" }
            }
            var tracked: [(name: String, weight: Int?)] = [(iface, nil)]
            // keepalived ignores an entry naming the instance's own interface (lint says so).
            for t in inst.trackInterfaces where t.name.value != iface { tracked.append((t.name.value, t.weight?.value)) }
            var trackedScripts: [(script: Int, weight: Int)] = []
            for t in inst.trackScripts {
                guard let s = scriptIndex[t.name.value] else {
                    if !config.scripts.contains(where: { $0.name.value == t.name.value }) {
                        refuse("track_script", t.name.span, "there is no vrrp_script \(t.name.value)")
                    }
                    continue
                }
                trackedScripts.append((s.index, t.weight?.value ?? s.weight))
            }
            index[inst.name.value] = instances.count
            instances.append(VRRPInstancePlan(router: router, interface: iface, filter: filter, vips: vips, trackedInterfaces: tracked,
                                              unicastPeers: peers.filter { $0 != primary }, trackedScripts: trackedScripts,
                                              notify: notifyScripts(inst.notifyCommands, inst.notify)))
        }
        var groups: [SyncGroupPlan] = []
        for sg in config.syncGroups {
            for k in sg.keywords where !syncGroupKeywords.contains(k.value) {
                refuse(k.value, k.span, "lvsc run does not implement this vrrp_sync_group keyword yet")
            }
            let members = sg.members.compactMap { index[$0.value] }
            guard members.count > 1 else { continue }
            groups.append(SyncGroupPlan(name: sg.name.value, members: members, notify: notifyScripts(sg.notifyCommands, sg.notify)))
        }
        if !refusals.isEmpty && !lenient { return .failure(RuntimeRefusals(items: refusals)) }
        return .success(VRRPRuntimePlan(instances: instances, groups: groups, scripts: scripts))
    }
}
