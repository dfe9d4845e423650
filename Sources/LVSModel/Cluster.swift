/// A director of the inventory and the configuration it runs, read with its config id.
public struct ClusterDirector: Sendable {
    public var host: InventoryHost
    /// `conf=` resolved against cluster.txt's folder.
    public var configPath: String
    /// nil when the file could not be read (reported as `inventory-conf`).
    public var variant: ConfigVariant?

    public var name: String { host.name.value }
    public var config: KeepalivedConfig? { variant?.config }
}

/// The whole cluster: the inventory and every director's model.
public struct Cluster: Sendable {
    /// The cluster's name in markers and headers: `# lvsc: cluster=NAME` in cluster.txt, or
    /// `--cluster NAME`; `cluster` when neither names it (never the folder's name).
    public var name: String
    public static let unnamed = "cluster"
    public var inventory: Inventory
    public var directors: [ClusterDirector]
    /// Problems loading the directors' files.
    public var diagnostics = DiagnosticBag()
    /// False for `-f FILE` (one director, no cluster.txt).
    public var hasInventory = true

    /// Inventory hosts by address (the first line wins; clashes are a rule of their own).
    public func hostIndex() -> [IPAddress: Int] {
        var index: [IPAddress: Int] = [:]
        index.reserveCapacity(inventory.hosts.count)
        for (i, h) in inventory.hosts.enumerated() {
            if let a = h.address?.value, index[a] == nil { index[a] = i }
        }
        return index
    }
}

/// Reads cluster.txt and the keepalived.conf of every director it names.
public enum ClusterLoader {
    public static func load(inventoryPath: String, sources: SourceManager) -> Result<Cluster, ConfigParser.ReadError> {
        let bytes: [UInt8]
        switch ConfigParser.readAll(inventoryPath) {
        case .failure(let e): return .failure(e)
        case .success(let b): bytes = b
        }
        let inventoryFile = sources.add(path: inventoryPath, bytes: bytes)
        let inventory = InventoryParser.parse(inventoryFile)
        if inventory.unquotable { sources.markUnquotable(inventoryFile.id) }
        var cluster = Cluster(name: inventory.clusterName?.value ?? Cluster.unnamed, inventory: inventory, directors: [])
        // One file shared by several directors (the seed's @id pattern) is read from disk once.
        var read: [String: Result<SourceFile, ConfigParser.ReadError>] = [:]
        let folder = realPath(inventory.folder)
        for host in inventory.hosts where host.isDirector {
            guard let conf = host.conf else { continue }
            let path = inventory.resolve(conf: conf.value)
            var director = ClusterDirector(host: host, configPath: path, variant: nil)
            // conf= names a file of the cluster: inside cluster.txt's folder, links resolved.
            // A path outside it (conf=/etc/shadow, conf=../../x) is not read at all.
            if let folder, let real = realPath(path), !(real.hasPrefix(folder == "/" ? "/" : folder + "/")) {
                cluster.diagnostics.add(.inventoryConf, .error,
                                        "\(host.name.value)'s conf=\(ValueSyntax.shown(Array(conf.value.utf8))) is outside the cluster's folder \(folder); lvsc reads only configurations in or below the folder of cluster.txt",
                                        at: conf.span, hint: "move the file next to cluster.txt (or into a folder below it)")
                cluster.directors.append(director)
                continue
            }
            if read[path] == nil {
                read[path] = ConfigParser.readAll(path, regularOnly: true).map { sources.add(path: path, bytes: $0) }
            }
            switch read[path] ?? .failure(ConfigParser.ReadError(message: "not read")) {
            case .failure(let e):
                cluster.diagnostics.add(.inventoryConf, .error,
                                        "cannot read \(host.name.value)'s configuration \(path): \(e.message)", at: conf.span)
            case .success(let file):
                director.variant = FrontEnd.read(file: file, sources: sources, configID: host.configID)[0]
            }
            cluster.directors.append(director)
        }
        return .success(cluster)
    }

    /// One keepalived.conf as a one-director cluster (`-f FILE`): no inventory lines, the
    /// director named `name` or after the file.
    public static func single(path: String, bytes: [UInt8], name: String?, sources: SourceManager) -> Cluster {
        let file = sources.add(path: path, bytes: bytes)
        let empty = sources.add(path: "(no inventory)", bytes: [])
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if base.hasSuffix(".conf") { base.removeLast(5) }
        let hostName = name ?? base
        let at = SourceSpan(file: UInt32(file.id), offset: 0, length: 0)
        var host = InventoryHost(name: Located(hostName, at), mac: nil, hostClass: Located("LVS", at), label: Located(hostName, at),
                                 service: Located("lvs", at), address: nil, span: at)
        host.parameters = [InventoryParameter(key: .conf, value: path, keySpan: at, valueSpan: at)]
        var inventory = Inventory(path: "(no inventory)", file: empty)
        inventory.hosts = [host]
        let variant = FrontEnd.read(file: file, sources: sources, configID: name)[0]
        var cluster = Cluster(name: Cluster.unnamed, inventory: inventory,
                              directors: [ClusterDirector(host: host, configPath: path, variant: variant)])
        cluster.hasInventory = false
        if let problem = ValueSyntax.hostNameProblem(hostName) {
            cluster.diagnostics.add(.inventoryBadValue, .error,
                                    "the director's name '\(ValueSyntax.shown(Array(hostName.utf8)))' (from --host or the file name): \(problem)", at: at,
                                    hint: "name the director with --host NAME")
        }
        return cluster
    }

    static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a NAT real server must send its replies: the director rewrites them, so the real
/// server's default route points at it — the floating VIP a VRRP group keeps on the real
/// servers' LAN, or a standalone director's own address there.
public struct NATGateway: Sendable, Equatable {
    public var address: IPAddress
    /// The VRRP instance holding the gateway VIP (nil for a standalone director's address).
    public var instance: String?
    public var span: SourceSpan?
}

extension ClusterDirector {
    /// The gateway for a NAT real server of this director: a VIP whose prefix contains the
    /// real server's address (the first in file order), else, for a director without VRRP,
    /// its own address when its LAN (net=) holds the real server.
    public func natGateway(for realServer: IPAddress) -> NATGateway? {
        natGateway(for: realServer, among: gatewayCandidates)
    }

    /// The VIPs that can be a gateway: those with a LAN prefix (a /32 names no LAN), in file
    /// order. A director with 10,000 /32 VIPs has one or two of these: callers that look up many
    /// real servers compute them once.
    public var gatewayCandidates: [(vip: VirtualIP, instance: String)] {
        var out: [(vip: VirtualIP, instance: String)] = []
        // virtual_ipaddress_excluded counts too: the MASTER holds those addresses as well.
        for i in config?.instances ?? [] {
            for v in i.virtualIPs + i.excludedVirtualIPs where v.prefix.explicitLength && v.prefix.length < v.prefix.address.maxPrefix {
                out.append((v, i.name.value))
            }
        }
        return out
    }

    public func natGateway(for realServer: IPAddress, among candidates: [(vip: VirtualIP, instance: String)]) -> NATGateway? {
        guard let c = config else { return nil }
        for (v, name) in candidates where v.prefix.address.family == realServer.family && v.prefix.contains(realServer) && v.prefix.address != realServer {
            return NATGateway(address: v.prefix.address, instance: name, span: v.span)
        }
        if c.instances.isEmpty, let own = host.address, let net = host.subnet, net.value.contains(realServer), own.value != realServer {
            return NATGateway(address: own.value, instance: nil, span: own.span)
        }
        return nil
    }

    /// Whether two instances of this director fail over together (one sync group holds both).
    public func synced(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        return config?.syncGroups.contains { g in g.members.contains { $0.value == a } && g.members.contains { $0.value == b } } ?? false
    }
}
