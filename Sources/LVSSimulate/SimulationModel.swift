import LVSCore
import LVSEmit
import LVSKernel
import LVSModel
import LVSRuntime
import VRRP

/// One director as the simulator runs it: the VRRP engine `lvsc run` would build from its
/// keepalived.conf (read leniently: what `lvsc run` refuses still takes part in the election
/// as keepalived runs it), and the IPVS table `lvsc emit ipvsadm` compiles from it.
public struct SimDirector: Sendable {
    public var name: String
    public var config: KeepalivedConfig
    public var plan: VRRPRuntimePlan
    /// The instance of `config` behind each plan instance (same order as `plan.instances`).
    public var instances: [VRRPInstance]
    /// The LAN each plan instance's interface is on (cluster.txt's `lan=`/`net=`, else the
    /// interface's name: same-named interfaces of directors are taken to share a LAN).
    public var lans: [String]
    public var table: IPVSTable
    /// `lvs_sync_daemon` is configured: connections survive a takeover between two such directors.
    public var syncDaemon: Bool

    /// The interfaces whose link matters to its VRRP instances: theirs and the tracked ones.
    public var vrrpInterfaces: [String] {
        var out: [String] = []
        for p in plan.instances {
            for i in [p.interface] + p.trackedInterfaces.map(\.name) where !out.contains(i) { out.append(i) }
        }
        return out
    }

    /// A fresh state machine for this director (at start-up, or restarted after a failure).
    public func engine() -> VRRPDirector {
        VRRPDirector(name: name, routers: plan.instances.map { VRRPRouter($0.router) }, syncGroups: plan.syncGroups)
    }
}

/// Routers of several directors that back one another up: one VRID on one LAN (one family).
public struct SimGroup: Sendable {
    public var vrid: UInt8
    public var lan: String
    public var members: [VRRPLan.RouterRef]
    public var name: String
}

/// A virtual service as the cluster runs it: the same service may be on several directors
/// (each compiles its own table); the one whose VRRP instance holds the VIP serves it.
public struct SimService: Sendable {
    public var key: IPVSServiceKey
    /// Per director that has the service: its compiled service and the router holding the VIP
    /// (nil: no instance of that director holds the address, e.g. a fwmark service).
    public var onDirector: [(director: Int, service: IPVSService, router: Int?, vs: VirtualServer?)]

    /// The entry whose table a report reads: the serving director's, else the first.
    public func entry(servedBy d: Int?) -> (director: Int, service: IPVSService, router: Int?, vs: VirtualServer?) {
        onDirector.first { $0.director == d } ?? onDirector[0]
    }

    public var label: String {
        switch key {
        case .address(let p, let a, let port):
            let proto = p.rawValue.uppercased()
            return a.family == .inet6 ? "\(proto) [\(a)]:\(port)" : "\(proto) \(a):\(port)"
        case .fwmark(let m, let f): return "FWM \(m)\(f == .inet6 ? " IPv6" : "")"
        }
    }
}

/// The whole cluster as the simulator sees it.
public struct SimulationModel: Sendable {
    public var directors: [SimDirector]
    public var receivers: [[[VRRPLan.RouterRef]]]
    public var groups: [SimGroup]
    public var services: [SimService]
    /// (director, router) → its group.
    public var groupOf: [VRRPLan.RouterRef: Int]

    /// Builds the model of every director whose configuration could be read.
    public static func build(_ cluster: Cluster) -> SimulationModel {
        var directors: [SimDirector] = []
        for (index, d) in cluster.directors.enumerated() {
            guard let config = d.config else { continue }
            directors.append(director(d, index: index, config: config))
        }
        let receivers = Self.receivers(directors)
        // Groups: one VRID on one LAN (and family), in order of first appearance.
        var groups: [SimGroup] = []
        var groupIndex: [String: Int] = [:]
        var groupOf: [VRRPLan.RouterRef: Int] = [:]
        for (di, d) in directors.enumerated() {
            for (ri, p) in d.plan.instances.enumerated() {
                let key = "\(p.router.virtualRouterID) \(d.lans[ri]) \(p.router.primaryAddress.family == .inet ? 4 : 6)"
                let ref = VRRPLan.RouterRef(director: di, router: ri)
                if let g = groupIndex[key] {
                    groups[g].members.append(ref)
                    if !groups[g].name.split(separator: "/").contains(Substring(p.router.name)) { groups[g].name += "/" + p.router.name }
                } else {
                    groupIndex[key] = groups.count
                    groups.append(SimGroup(vrid: p.router.virtualRouterID, lan: d.lans[ri], members: [ref], name: p.router.name))
                }
                groupOf[ref] = groupIndex[key]
            }
        }
        return SimulationModel(directors: directors, receivers: receivers, groups: groups,
                               services: services(directors), groupOf: groupOf)
    }

    static func director(_ d: ClusterDirector, index: Int, config: KeepalivedConfig) -> SimDirector {
        let host = d.host
        // The address adverts leave from: cluster.txt's address of the director for IPv4, a
        // stand-in link-local address for IPv6 (cluster.txt lists none); both only break ties.
        let plan: VRRPRuntimePlan
        switch VRRPRuntimePlan.make(config, vrrpOnly: true, primaryAddress: { _, family in
            family == .inet ? (host.address?.value ?? IPAddress.v4(UInt32(0xC000_0200) | UInt32(index + 1)))
                : IPAddress.v6(0xFE80_0000_0000_0000, UInt64(index + 1))
        }, lenient: true) {
        case .success(let p): plan = p
        case .failure: plan = .empty
        }
        let byName = Dictionary(config.instances.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        let instances = plan.instances.compactMap { byName[$0.router.name] }
        let lans = plan.instances.map { p in host.lan(of: p.interface)?.key ?? "interface \(p.interface)" }
        var compiler = IPVSCompiler()
        let table = compiler.compile(config)
        let sync = config.globalDefs.lvsSyncDaemon != nil
        return SimDirector(name: d.name, config: config, plan: plan, instances: instances, lans: lans, table: table, syncDaemon: sync)
    }

    /// Who hears whom, as `lvsc run` (and keepalived) would on the LAN: the same VRID and family
    /// on the same LAN; multicast instances hear multicast adverts; a unicast instance's adverts
    /// reach the unicast instances whose address it lists as a peer.
    static func receivers(_ directors: [SimDirector]) -> [[[VRRPLan.RouterRef]]] {
        directors.indices.map { d in
            directors[d].plan.instances.indices.map { r in
                let me = directors[d].plan.instances[r]
                var out: [VRRPLan.RouterRef] = []
                for od in directors.indices where od != d {
                    for (or, o) in directors[od].plan.instances.enumerated()
                    where o.router.virtualRouterID == me.router.virtualRouterID
                        && o.router.primaryAddress.family == me.router.primaryAddress.family
                        && directors[od].lans[or] == directors[d].lans[r] {
                        let heard = me.unicastPeers.isEmpty
                            ? o.unicastPeers.isEmpty
                            : !o.unicastPeers.isEmpty && me.unicastPeers.contains(o.router.primaryAddress)
                        if heard { out.append(VRRPLan.RouterRef(director: od, router: or)) }
                    }
                }
                return out
            }
        }
    }

    /// Every service of every director, merged by key, with the router that holds its VIP.
    static func services(_ directors: [SimDirector]) -> [SimService] {
        var out: [SimService] = []
        var index: [IPVSServiceKey: Int] = [:]
        for (di, d) in directors.enumerated() {
            var holder: [IPAddress: Int] = [:]
            for (ri, p) in d.plan.instances.enumerated() {
                for v in p.router.virtualAddresses where holder[v] == nil { holder[v] = ri }
            }
            // virtual_ipaddress_excluded: the MASTER holds those too.
            for (ri, inst) in d.instances.enumerated() {
                for v in inst.excludedVirtualIPs where holder[v.prefix.address] == nil { holder[v.prefix.address] = ri }
            }
            var bySpan: [SourceSpan: VirtualServer] = [:]
            for vs in d.config.virtualServers { bySpan[vs.key.span] = vs }
            for s in d.table.services {
                var router: Int?
                if case .address(_, let a, _) = s.key { router = holder[a] }
                let entry = (director: di, service: s, router: router, vs: s.origin.flatMap { bySpan[$0] })
                if let i = index[s.key] {
                    out[i].onDirector.append(entry)
                } else {
                    index[s.key] = out.count
                    out.append(SimService(key: s.key, onDirector: [entry]))
                }
            }
        }
        return out
    }
}
