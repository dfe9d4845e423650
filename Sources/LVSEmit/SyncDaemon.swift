import LVSModel

/// An IPVS connection-synchronisation daemon (ipvsadm --start-daemon): a MASTER director sends
/// its connection table to the backups so that a failover keeps established connections.
public struct SyncDaemon: Sendable, Hashable {
    public enum Role: String, Sendable { case master, backup }

    public var role: Role
    public var interface: String
    public var syncID: Int
    public var maxLength: Int?
    public var port: Int?
    public var ttl: Int?
    public var group: IPAddress?
    public var origin: SourceSpan?

    public init(role: Role, interface: String, syncID: Int) {
        self.role = role
        self.interface = interface
        self.syncID = syncID
    }

    /// What the kernel keeps; the origin aside.
    public func sameSettings(as o: SyncDaemon) -> Bool {
        role == o.role && interface == o.interface && syncID == o.syncID && maxLength == o.maxLength
            && port == o.port && ttl == o.ttl && group == o.group
    }

    public static func == (a: SyncDaemon, b: SyncDaemon) -> Bool { a.sameSettings(as: b) }
    public func hash(into h: inout Hasher) { h.combine(role); h.combine(interface); h.combine(syncID) }

    /// `ipvsadm --start-daemon …`, the command that does the same.
    public var command: String {
        var s = "ipvsadm --start-daemon \(role.rawValue) --mcast-interface \(interface) --syncid \(syncID)"
        if let m = maxLength { s += " --sync-maxlen \(m)" }
        if let g = group { s += " --mcast-group \(g)" }
        if let p = port { s += " --mcast-port \(p)" }
        if let t = ttl { s += " --mcast-ttl \(t)" }
        return s
    }

    /// keepalived's `lvs_sync_daemon IFACE [INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]`:
    /// the daemon runs as master where INSTANCE starts as MASTER, as backup elsewhere; the sync id
    /// defaults to the instance's virtual_router_id.
    public static func from(_ config: KeepalivedConfig, notes: inout [EmitNote]) -> SyncDaemon? {
        guard let line = config.globalDefs.lvsSyncDaemon else { return nil }
        let words = line.value.split(separator: " ").map(String.init)
        guard let iface = words.first else { return nil }
        var i = 1
        var instance: VRRPInstance?
        if i < words.count, !["id", "maxlen", "port", "ttl", "group"].contains(words[i]) {
            instance = config.instances.first { $0.name.value == words[i] }
            if instance == nil { notes.append(EmitNote("lvs_sync_daemon names no vrrp_instance '\(words[i])'; the daemon runs as master", at: line.span)) }
            i += 1
        }
        var d = SyncDaemon(role: instance.map { $0.effectiveState == .master ? .master : .backup } ?? .master,
                           interface: iface, syncID: instance?.virtualRouterID?.value ?? 0)
        d.origin = line.span
        while i + 1 < words.count {
            let v = words[i + 1]
            switch words[i] {
            case "id": d.syncID = Int(v) ?? d.syncID
            case "maxlen": d.maxLength = Int(v)
            case "port": d.port = Int(v)
            case "ttl": d.ttl = Int(v)
            case "group": d.group = IPAddress.parse(v)
            default: notes.append(EmitNote("lvs_sync_daemon: unknown option '\(words[i])'", at: line.span))
            }
            i += 2
        }
        return d
    }
}
