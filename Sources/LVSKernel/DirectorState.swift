import Diagnostics
import LVSCore

/// An address on an interface: one the director must hold (a standalone director's VIP), or one
/// the kernel reports. The kernel keys an address by address, prefix length and interface; the
/// label is an attribute of it, and the origin is where the configuration asks for it, so
/// neither takes part in equality.
public struct HostAddress: Sendable, Hashable {
    public var prefix: IPPrefix
    public var interface: String
    public var label: String?
    public var origin: SourceSpan?

    public init(prefix: IPPrefix, interface: String, label: String? = nil, origin: SourceSpan? = nil) {
        self.prefix = prefix
        self.interface = interface
        self.label = label
        self.origin = origin
    }

    public static func == (a: HostAddress, b: HostAddress) -> Bool {
        a.prefix.address == b.prefix.address && a.prefix.length == b.prefix.length && a.interface == b.interface
    }

    public func hash(into h: inout Hasher) {
        h.combine(prefix.address); h.combine(prefix.length); h.combine(interface)
    }
}

/// What a director's kernel holds, or must hold: the IPVS table, addresses and sysctls.
/// A part that is nil is unknown (an `ipvsadm-save` file says nothing about addresses) and is
/// left alone by the plan.
public struct DirectorState: Sendable {
    public var table: IPVSTable
    public var addresses: [HostAddress]?
    public var sysctls: [String: String]?
    /// The connection-sync daemons (nil: unknown, left alone).
    public var syncDaemons: [SyncDaemon]?

    public init(table: IPVSTable, addresses: [HostAddress]? = nil, sysctls: [String: String]? = nil, syncDaemons: [SyncDaemon]? = nil) {
        self.table = table
        self.addresses = addresses
        self.sysctls = sysctls
        self.syncDaemons = syncDaemons
    }
}
