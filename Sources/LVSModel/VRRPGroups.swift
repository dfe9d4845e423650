/// One vrrp_instance of one director, with what decides which VRRP group it joins.
public struct ClusterInstance: Sendable {
    public var director: Int
    public var instance: VRRPInstance
    /// The broadcast domain: `lan=`, else the inventory subnet of the director's LAN
    /// interface, else the network of the instance's first VIP with a prefix, else the
    /// interface name (the same name on every director taken as the same LAN).
    public var lan: String
    public var family: IPAddress.Family
    public var vrid: Int
    public var transport: Transport
    /// For unicast: this director's source address and its peers.
    public var unicastAddresses: Set<IPAddress>
    public var sourceAddress: IPAddress?
}

public enum Transport: Hashable, Sendable, CustomStringConvertible {
    case multicast(IPAddress)
    case unicast

    public var description: String {
        switch self {
        case .multicast(let g): return "multicast \(g)"
        case .unicast: return "unicast"
        }
    }
}

/// Where VRRP adverts meet: two instances with one bucket key hear each other's adverts (or,
/// for unicast, could once their peer lists overlap).
public struct BucketKey: Hashable, Sendable {
    public var lan: String
    public var family: IPAddress.Family
    public var vrid: Int
    public var transport: Transport
}

/// The VRRP groups of a cluster: instances of different directors that share a bucket and
/// at least one VIP (or, without VIPs, a name) are one virtual router seen from each director.
/// The one definition of "a VRRP group": the cluster rules, the keepalived emitter and the
/// runtime all use it.
public struct VRRPGroups: Sendable {
    public var instances: [ClusterInstance] = []
    /// Buckets in first-seen order, each a list of groups, each a list of indices into `instances`.
    public var buckets: [(key: BucketKey, groups: [[Int]])] = []

    public init(_ cluster: Cluster) {
        for (d, director) in cluster.directors.enumerated() {
            guard let config = director.config else { continue }
            for inst in config.instances {
                guard let vrid = inst.virtualRouterID?.value else { continue }
                instances.append(Self.place(inst, director: d, host: director.host, config: config, vrid: vrid))
            }
        }
        var bucketIndex: [BucketKey: Int] = [:]
        var members: [[Int]] = []
        var keys: [BucketKey] = []
        for (i, ci) in instances.enumerated() {
            let key = BucketKey(lan: ci.lan, family: ci.family, vrid: ci.vrid, transport: ci.transport)
            if let b = bucketIndex[key] { members[b].append(i) } else {
                bucketIndex[key] = members.count
                members.append([i]); keys.append(key)
            }
        }
        for (b, list) in members.enumerated() {
            buckets.append((keys[b], Self.components(list, instances)))
        }
    }

    static func place(_ inst: VRRPInstance, director d: Int, host: InventoryHost, config: KeepalivedConfig, vrid: Int) -> ClusterInstance {
        let iface = inst.interface?.value ?? config.globalDefs.defaultInterface?.value ?? "eth0"
        let family = inst.family
        let lan: String
        if let named = host.lan(of: iface)?.key {
            // cluster.txt says which LAN this interface is on (directors on different hardware
            // name it differently: eth0 on one, ens192 on the other).
            lan = named
        } else if let vip = inst.virtualIPs.first(where: { $0.prefix.explicitLength && $0.prefix.length < $0.prefix.address.maxPrefix }) {
            lan = "\(vip.prefix.network)/\(vip.prefix.length)"
        } else {
            lan = "interface " + iface
        }
        let transport: Transport
        var unicast = Set<IPAddress>()
        var source: IPAddress?
        if inst.unicastPeers.isEmpty {
            let group = family == .inet
                ? (config.globalDefs.vrrpMcastGroup4?.value ?? IPAddress.v4(0xE000_0012))
                : (config.globalDefs.vrrpMcastGroup6?.value ?? IPAddress.parse("ff02::12")!)
            transport = .multicast(group)
        } else {
            transport = .unicast
            source = inst.unicastSourceIP?.value ?? host.address?.value
            if let source { unicast.insert(source) }
            for p in inst.unicastPeers { unicast.insert(p.value) }
        }
        return ClusterInstance(director: d, instance: inst, lan: lan, family: family, vrid: vrid,
                               transport: transport, unicastAddresses: unicast, sourceAddress: source)
    }

    /// Union-find over shared VIPs (or equal names where neither has VIPs).
    static func components(_ list: [Int], _ all: [ClusterInstance]) -> [[Int]] {
        if list.count == 1 { return [list] }
        var parent = Array(0..<list.count)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var byVIP: [IPAddress: Int] = [:]
        var byName: [String: Int] = [:]
        for (k, i) in list.enumerated() {
            let inst = all[i].instance
            if inst.virtualIPs.isEmpty {
                if let other = byName[inst.name.value] { parent[find(k)] = find(other) } else { byName[inst.name.value] = k }
            }
            for v in inst.virtualIPs {
                if let other = byVIP[v.prefix.address] { parent[find(k)] = find(other) } else { byVIP[v.prefix.address] = k }
            }
        }
        var order: [Int: Int] = [:]
        var out: [[Int]] = []
        for (k, i) in list.enumerated() {
            let root = find(k)
            if let g = order[root] { out[g].append(i) } else { order[root] = out.count; out.append([i]) }
        }
        return out
    }

    /// The directors (indices into the cluster's directors) that share a VRRP group with one of
    /// `director`'s instances, `director` included; empty when it runs no VRRP instance.
    public func peers(ofDirector director: Int) -> [Int] {
        var out = Set<Int>()
        for bucket in buckets {
            for g in bucket.groups where g.contains(where: { instances[$0].director == director }) {
                for i in g { out.insert(instances[i].director) }
            }
        }
        return out.sorted()
    }

    /// Groups seen by more than one director: the ones master/backup and drift rules compare.
    public var sharedGroups: [[Int]] {
        buckets.flatMap { $0.groups }.filter { g in Set(g.map { instances[$0].director }).count > 1 }
    }
}
