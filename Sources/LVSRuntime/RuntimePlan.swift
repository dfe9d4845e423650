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
}

/// What a director's keepalived.conf asks of `lvsc run`'s VRRP engine, or why it cannot run it.
public struct VRRPRuntimePlan: Sendable {
    public var instances: [VRRPInstancePlan]
    public var syncGroups: [[Int]]

    /// The keywords of an instance the engine implements.
    static let instanceKeywords: Set<String> = [
        "state", "interface", "virtual_router_id", "priority", "advert_int", "version",
        "nopreempt", "preempt", "preempt_delay", "authentication", "virtual_ipaddress", "track_interface",
    ]
    /// global_defs keywords that change nothing the engine does (names, mail addresses that
    /// keepalived only uses with smtp_alert, the script settings of scripts it refuses anyway).
    static let globalKeywords: Set<String> = [
        "router_id", "lvs_id", "notification_email", "notification_email_from", "smtp_server",
        "smtp_connect_timeout", "enable_script_security", "script_user", "vrrp_version",
    ]

    /// `primaryAddress`: the IPv4 address the director has on an interface (nil: none).
    public static func make(_ config: KeepalivedConfig, vrrpOnly: Bool,
                            primaryAddress: (String) -> IPAddress?) -> Result<VRRPRuntimePlan, RuntimeRefusals> {
        var refusals: [RuntimeRefusal] = []
        func refuse(_ k: String, _ span: SourceSpan?, _ why: String) { refusals.append(RuntimeRefusal(keyword: k, span: span, why: why)) }
        let g = config.globalDefs
        for k in g.keywords where !globalKeywords.contains(k.value) {
            refuse(k.value, k.span, "lvsc run does not implement this global setting yet")
        }
        for s in config.scripts { refuse("vrrp_script", s.name.span, "lvsc run does not run tracking scripts yet") }
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
            if inst.family == .inet6 { refuse("virtual_ipaddress", inst.name.span, "lvsc run implements VRRP over IPv4 only yet") ; continue }
            let version = inst.version?.value ?? g.vrrpVersion?.value ?? 2
            let seconds = inst.advertInterval?.value ?? 1
            let centiseconds = Int((seconds * 100).rounded())
            if version == 2 && centiseconds % 100 != 0 {
                refuse("advert_int", inst.advertInterval?.span, "VRRPv2 carries whole seconds")
            }
            guard let primary = primaryAddress(iface) else {
                refuse("interface", inst.interface?.span, "\(iface) has no IPv4 address here, so it cannot send adverts")
                continue
            }
            var vips: [(prefix: IPPrefix, label: String?)] = []
            for v in inst.virtualIPs {
                if let d = v.device, d.value != iface { refuse("dev", d.span, "lvsc run puts VIPs on the instance's interface only yet") }
                if let sc = v.scope { refuse("scope", sc.span, "lvsc run does not set an address scope yet") }
                if let b = v.broadcast { refuse("brd", b.span, "lvsc run does not set a broadcast address yet") }
                vips.append((v.prefix, v.label?.value))
            }
            let router = VRRPRouterConfig(
                name: inst.name.value, virtualRouterID: UInt8(clamping: vrid), priority: UInt8(clamping: inst.priority?.value ?? 100),
                advertInterval: centiseconds, version: version == 3 ? .v3 : .v2,
                preempt: inst.nopreempt?.value != true,
                preemptDelay: VRRPTime(((inst.preemptDelay?.value ?? 0) * 1_000_000).rounded()),
                startAsMaster: inst.state?.value == .master,
                primaryAddress: primary, virtualAddresses: vips.map(\.prefix.address))
            let pass = inst.authentication?.type?.value == .pass
            let filter = VRRPReceiveFilter(
                version: router.version, virtualRouterID: router.virtualRouterID,
                authType: pass ? 1 : 0, authPassword: pass ? Array((inst.authentication?.password?.value ?? "").utf8) : [],
                advertInterval: centiseconds, addresses: Set(router.virtualAddresses), ownAddresses: [primary])
            var tracked: [(name: String, weight: Int?)] = [(iface, nil)]
            // keepalived ignores an entry naming the instance's own interface (lint says so).
            for t in inst.trackInterfaces where t.name.value != iface { tracked.append((t.name.value, t.weight?.value)) }
            index[inst.name.value] = instances.count
            instances.append(VRRPInstancePlan(router: router, interface: iface, filter: filter, vips: vips, trackedInterfaces: tracked))
        }
        let groups = config.syncGroups.map { $0.members.compactMap { index[$0.value] } }.filter { $0.count > 1 }
        if !refusals.isEmpty { return .failure(RuntimeRefusals(items: refusals)) }
        return .success(VRRPRuntimePlan(instances: instances, syncGroups: groups))
    }
}
