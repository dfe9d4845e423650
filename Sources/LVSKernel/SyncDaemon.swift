import Diagnostics
import LVSCore

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

    /// A running daemon as a plan compares it with `want`: the kernel reports its defaults for
    /// settings the configuration leaves unset, and those count as unset.
    public func normalized(like want: [SyncDaemon]) -> SyncDaemon {
        var d = SyncDaemon(role: role, interface: interface, syncID: syncID)
        let w = want.first { $0.role == d.role }
        if w?.maxLength != nil { d.maxLength = maxLength }
        if w?.group != nil { d.group = group }
        if w?.port != nil { d.port = port }
        if w?.ttl != nil { d.ttl = ttl }
        return d
    }
}
