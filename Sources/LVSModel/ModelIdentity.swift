import Diagnostics

/// What makes a part of a configuration the same part after a reload, whatever moved around
/// it: a re-parse gives every value a new source span, and an edit elsewhere in the file moves
/// every line below it. The runtime keys VRRP state and health state by these, so an
/// unchanged instance keeps its state (MASTER stays MASTER) and an unchanged real server keeps
/// its health across `reload`.
public enum ModelKey: Hashable, Sendable, CustomStringConvertible {
    /// `global_defs` (one per file).
    case globalDefs
    /// The static_ipaddress block (one per file).
    case staticAddresses
    /// keepalived refuses a second vrrp_script, vrrp_instance or vrrp_sync_group of one name,
    /// so the name is the identity.
    case vrrpScript(String)
    case vrrpInstance(String)
    case syncGroup(String)
    case virtualServerGroup(String)
    /// A virtual server is its address, port (or fwmark, or group) and protocol: what the kernel
    /// keys an IPVS service by.
    case virtualServer(VirtualServerIdentity)
    /// A real server is its address and port within its virtual server.
    case realServer(VirtualServerIdentity, RealServerIdentity)
    /// A checker is its kind and target within its real server; checkers of one kind and
    /// target are told apart by their order.
    case checker(VirtualServerIdentity, RealServerIdentity, CheckerIdentity)

    public var description: String {
        switch self {
        case .globalDefs: return "global_defs"
        case .staticAddresses: return "static_ipaddress"
        case .vrrpScript(let n): return "vrrp_script \(n)"
        case .vrrpInstance(let n): return "vrrp_instance \(n)"
        case .syncGroup(let n): return "vrrp_sync_group \(n)"
        case .virtualServerGroup(let n): return "virtual_server_group \(n)"
        case .virtualServer(let v): return "virtual_server \(v)"
        case .realServer(let v, let r): return "virtual_server \(v) real_server \(r)"
        case .checker(let v, let r, let c): return "virtual_server \(v) real_server \(r) \(c)"
        }
    }
}

public struct VirtualServerIdentity: Hashable, Sendable, CustomStringConvertible {
    public var key: VirtualServerKey
    public var proto: IPProtocol

    public init(_ vs: VirtualServer) {
        key = vs.key.value
        // keepalived's default protocol is TCP; writing it or not is the same service.
        proto = vs.proto?.value ?? .tcp
    }

    public var description: String {
        switch key {
        case .address(let a, let p): return "\(a)\(p.map { " \($0)" } ?? "") \(proto.rawValue)"
        case .fwmark(let m): return "fwmark \(m)"
        case .group(let g): return "group \(g) \(proto.rawValue)"
        }
    }
}

public struct RealServerIdentity: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int?

    public init(_ rs: RealServer) {
        address = rs.address.value
        port = rs.port?.value
    }

    public init(address: IPAddress, port: Int?) {
        self.address = address
        self.port = port
    }

    public var description: String { "\(address)\(port.map { " \($0)" } ?? "")" }
}

public struct CheckerIdentity: Hashable, Sendable, CustomStringConvertible {
    public var kind: String
    /// connect_ip and connect_port as written (nil: the real server's own).
    public var target: String
    /// Among checkers of the same kind and target in one real server, 0 for the first.
    public var ordinal: Int

    public init(kind: String, target: String, ordinal: Int) {
        self.kind = kind
        self.target = target
        self.ordinal = ordinal
    }

    public var description: String {
        "\(kind)\(target.isEmpty ? "" : " \(target)")\(ordinal == 0 ? "" : " #\(ordinal + 1)")"
    }
}

/// Every keyed part of a configuration with its content, spans left out: two parses of the
/// same text, or of a text only moved or re-spaced, have equal parts under equal keys.
public struct KeyedModel: Sendable {
    public private(set) var parts: [ModelKey: JSON] = [:]
    /// The keys in the order the file defines them.
    public private(set) var order: [ModelKey] = []

    public init(_ config: KeepalivedConfig) {
        let json = ModelJSON(sources: SourceManager(), includeLocations: false)
        add(.globalDefs, json.globalDefs(config.globalDefs))
        add(.staticAddresses, .array(config.staticAddresses.map(json.vip)))
        for s in config.scripts { add(.vrrpScript(s.name.value), json.script(s)) }
        for g in config.syncGroups { add(.syncGroup(g.name.value), json.syncGroup(g)) }
        for i in config.instances { add(.vrrpInstance(i.name.value), json.instance(i)) }
        for g in config.virtualServerGroups { add(.virtualServerGroup(g.name.value), json.vsg(g)) }
        for vs in config.virtualServers {
            let v = VirtualServerIdentity(vs)
            // The real servers are parts of their own: a weight change is that real server's.
            add(.virtualServer(v), Self.without("realServers", json.virtualServer(vs)))
            for rs in vs.realServers {
                let r = RealServerIdentity(rs)
                add(.realServer(v, r), Self.without("checkers", json.realServer(rs)))
                var seen: [String: Int] = [:]
                for c in rs.checkers {
                    let content = json.checker(c)
                    let target = [Self.field("connectIp", content), Self.field("connectPort", content)]
                        .compactMap { $0 }.joined(separator: " ")
                    let kindAndTarget = c.keyword + " " + target
                    let n = seen[kindAndTarget, default: 0]
                    seen[kindAndTarget] = n + 1
                    add(.checker(v, r, CheckerIdentity(kind: c.keyword, target: target, ordinal: n)), content)
                }
            }
        }
    }

    /// A key defined twice (keepalived keeps the first instance of a name and skips the second
    /// block; two virtual servers of one key both load) keeps both contents, in order.
    mutating func add(_ key: ModelKey, _ content: JSON) {
        if let old = parts[key] {
            parts[key] = .array([old, content])
        } else {
            parts[key] = content
            order.append(key)
        }
    }

    static func without(_ field: String, _ j: JSON) -> JSON {
        guard case .object(let fields) = j else { return j }
        return .object(fields.filter { $0.0 != field })
    }

    static func field(_ name: String, _ j: JSON) -> String? {
        guard case .object(let fields) = j, let v = fields.first(where: { $0.0 == name })?.1 else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return v.rendered(pretty: false)
        }
    }
}

/// What a reload changes: the keys only the new configuration has, the ones only the old one
/// had, and the ones whose content differs.
public struct ModelChanges: Sendable, Equatable {
    public var added: [ModelKey] = []
    public var removed: [ModelKey] = []
    public var changed: [ModelKey] = []
    public var unchanged: [ModelKey] = []

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    public init(from old: KeyedModel, to new: KeyedModel) {
        for k in new.order {
            guard let before = old.parts[k] else { added.append(k); continue }
            if before == new.parts[k]! { unchanged.append(k) } else { changed.append(k) }
        }
        for k in old.order where new.parts[k] == nil { removed.append(k) }
    }
}

extension KeepalivedConfig {
    /// Equal content, source positions aside: what a reload compares.
    public func sameContent(as other: KeepalivedConfig) -> Bool {
        ModelChanges(from: KeyedModel(self), to: KeyedModel(other)).isEmpty && path == other.path && configID == other.configID
    }
}
