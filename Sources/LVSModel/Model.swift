@_exported import LVSCore
@_exported import Diagnostics
@_exported import KeepalivedSyntax

/// A value and the source span it was read from.
public struct Located<T> {
    public var value: T
    public var span: SourceSpan

    public init(_ value: T, _ span: SourceSpan) {
        self.value = value
        self.span = span
    }
}

extension Located: Sendable where T: Sendable {}
extension Located: Equatable where T: Equatable {}
extension Located: Hashable where T: Hashable {}

/// One keepalived.conf after preprocessing, as keepalived would read it for one config id.
public struct KeepalivedConfig: Sendable {
    /// The main file's path as given.
    public var path: String
    /// The config id the file was read with (`@id` lines); nil when none matched.
    public var configID: String?
    public var globalDefs = GlobalDefs()
    public var scripts: [VRRPScript] = []
    /// `vrrp_track_process`, `track_file` and `bfd_instance` names, for reference checks.
    public var trackProcesses: [Located<String>] = []
    public var trackFiles: [Located<String>] = []
    public var bfdInstances: [Located<String>] = []
    public var syncGroups: [SyncGroup] = []
    public var instances: [VRRPInstance] = []
    public var staticAddresses: [VirtualIP] = []
    public var virtualServerGroups: [VirtualServerGroup] = []
    public var virtualServers: [VirtualServer] = []
    /// Blocks kept as text because the model does not type them yet.
    public var untyped: [UntypedBlock] = []

    public init(path: String, configID: String?) {
        self.path = path
        self.configID = configID
    }
}

public struct UntypedBlock: Sendable {
    public var keyword: String
    public var context: String
    public var span: SourceSpan
    public var lines: Int
}

public struct GlobalDefs: Sendable {
    public var routerID: Located<String>?
    /// The 1.x keyword `lvs_id`: keepalived 2.x does not know it, so `routerID` stays unset
    /// (the host name); kept so the emitter can write it in 2.x's spelling.
    public var legacyLVSID: Located<String>?
    public var notificationEmail: [Located<String>] = []
    /// Every keyword of the block as written, with its place: `lvsc run` refuses, by name and
    /// line, each one it does not implement instead of ignoring it.
    public var keywords: [Located<String>] = []
    /// The `notification_email` keyword, when written (an empty block is a finding).
    public var notificationEmailKeyword: SourceSpan?
    public var notificationEmailFrom: Located<String>?
    public var smtpServer: Located<String>?
    public var smtpConnectTimeout: Located<Int>?
    public var vrrpVersion: Located<Int>?
    /// vrrp_garp_master_delay / _repeat / _refresh / _refresh_repeat: the defaults of the
    /// instances' garp_master_* settings.
    public var garpMaster = GarpMaster()
    public var vrrpStrict: Located<Bool>?
    public var vrrpMcastGroup4: Located<IPAddress>?
    public var vrrpMcastGroup6: Located<IPAddress>?
    public var enableScriptSecurity: Located<Bool>?
    public var scriptUser: Located<String>?
    public var lvsSyncDaemon: Located<String>?
    public var defaultInterface: Located<String>?
    public var span: SourceSpan?

    public init() {}
}

public struct VRRPScript: Sendable {
    public var name: Located<String>
    public var script: Located<String>?
    /// `script` as the argv keepalived executes.
    public var command: Located<ScriptCommand>?
    public var interval: Located<Double>?
    public var timeout: Located<Double>?
    public var weight: Located<Int>?
    public var rise: Located<Int>?
    public var fall: Located<Int>?
    public var user: Located<String>?
    /// `weight W reverse`: the weight applies the other way round.
    public var weightReverse: Located<Bool>?
    /// `init_fail`: the script counts as failed until it first succeeds.
    public var initFail: Located<Bool>?
    /// Every keyword of the block as written, with its place (see `GlobalDefs.keywords`).
    public var keywords: [Located<String>] = []
    public var span: SourceSpan
}

public struct SyncGroup: Sendable {
    public var name: Located<String>
    public var members: [Located<String>] = []
    public var notify: [String: Located<String>] = [:]
    /// `notify` as the argv keepalived executes, by keyword.
    public var notifyCommands: [String: Located<ScriptCommand>] = [:]
    /// Every keyword of the block as written, with its place (see `GlobalDefs.keywords`).
    public var keywords: [Located<String>] = []
    public var span: SourceSpan
}

public enum VRRPState: String, Sendable { case master = "MASTER", backup = "BACKUP" }

public enum AuthType: String, Sendable { case pass = "PASS", ah = "AH" }

public struct Authentication: Sendable {
    public var type: Located<AuthType>?
    public var password: Located<String>?
    public var span: SourceSpan
}

/// A `track_*` entry: a name and an optional weight.
public struct TrackReference: Sendable {
    public var name: Located<String>
    public var weight: Located<Int>?
}

/// One `virtual_ipaddress` / `static_ipaddress` entry.
public struct VirtualIP: Sendable {
    public var prefix: IPPrefix
    public var span: SourceSpan
    /// dev/label/scope/brd, which most entries do not write.
    var rare = Rare<VirtualIPRareFields>()

    public init(prefix: IPPrefix, span: SourceSpan) {
        self.prefix = prefix
        self.span = span
    }

    public var device: Located<String>? {
        get { rare.get { $0.device } }
        set { rare.set { $0.device = newValue } }
    }
    public var label: Located<String>? {
        get { rare.get { $0.label } }
        set { rare.set { $0.label = newValue } }
    }
    public var scope: Located<String>? {
        get { rare.get { $0.scope } }
        set { rare.set { $0.scope = newValue } }
    }
    public var broadcast: Located<String>? {
        get { rare.get { $0.broadcast } }
        set { rare.set { $0.broadcast = newValue } }
    }
}

struct VirtualIPRareFields: RareFields {
    var device: Located<String>?
    var label: Located<String>?
    var scope: Located<String>?
    var broadcast: Located<String>?
}

/// Gratuitous ARP / unsolicited NA pacing after becoming MASTER (keepalived's garp_master_*):
/// `repeat` of them at once, as many again `delay` seconds later, then `refreshRepeat` every
/// `refresh` seconds (0: none).
public struct GarpMaster: Sendable, Equatable {
    public var delay: Located<Int>?
    public var `repeat`: Located<Int>?
    public var refresh: Located<Int>?
    public var refreshRepeat: Located<Int>?
    public init() {}
}

public struct VRRPInstance: Sendable {
    public var name: Located<String>
    public var garpMaster = GarpMaster()
    public var state: Located<VRRPState>?
    public var interface: Located<String>?
    public var virtualRouterID: Located<Int>?
    public var priority: Located<Int>?
    public var advertInterval: Located<Double>?
    public var version: Located<Int>?
    public var nopreempt: Located<Bool>?
    public var preemptDelay: Located<Double>?
    public var mcastSourceIP: Located<IPAddress>?
    public var unicastSourceIP: Located<IPAddress>?
    public var unicastPeers: [Located<IPAddress>] = []
    /// `min_ttl` / `max_ttl` words of the peer entries, where written.
    public var unicastPeerOptions: [Located<String>] = []
    /// Keywords the block misspelt (the one suggested, at the typo): the cause of findings
    /// that the keyword is missing, which are then its notes.
    public var misspelt: [Located<String>] = []
    /// Every keyword of the block as written, with its place (see `GlobalDefs.keywords`).
    public var keywords: [Located<String>] = []
    /// The `unicast_peer` keyword, when written (an empty block falls back to multicast).
    public var unicastPeerKeyword: SourceSpan?
    public var authentication: Authentication?
    public var virtualIPs: [VirtualIP] = []
    public var excludedVirtualIPs: [VirtualIP] = []
    public var trackInterfaces: [TrackReference] = []
    public var trackScripts: [TrackReference] = []
    public var trackFiles: [TrackReference] = []
    public var trackProcesses: [TrackReference] = []
    public var trackBFD: [TrackReference] = []
    public var accept: Located<Bool>?
    public var strictMode: Located<Bool>?
    public var useVMAC: Located<String>?
    public var notify: [String: Located<String>] = [:]
    /// `notify` as the argv keepalived executes, by keyword.
    public var notifyCommands: [String: Located<ScriptCommand>] = [:]
    /// A virtual_router_id line was written (its value may have been invalid).
    public var virtualRouterIDWritten = false
    public var span: SourceSpan

    /// keepalived's effective initial state: MASTER iff stated, or priority 255 with no state.
    public var effectiveState: VRRPState {
        if let s = state?.value { return s }
        return effectivePriority == 255 ? .master : .backup
    }

    /// keepalived's default: 255 for a stated MASTER without priority, else 100.
    public var effectivePriority: Int {
        if let p = priority?.value { return p }
        return state?.value == .master ? 255 : 100
    }

    /// The address family of the VIPs (keepalived requires one family per instance).
    public var family: IPAddress.Family {
        (virtualIPs.first ?? excludedVirtualIPs.first)?.prefix.address.family ?? .inet
    }
}

public enum IPProtocol: String, Sendable { case tcp = "TCP", udp = "UDP", sctp = "SCTP" }

/// The encapsulation of a TUN real server (`lvs_method TUN type …`).
public enum TunnelType: String, Sendable, Equatable, CaseIterable { case ipip, gue, gre }

/// The checksum option of a GUE or GRE tunnel.
public enum TunnelChecksum: String, Sendable, Equatable, CaseIterable { case nocsum, csum, remcsum }

/// How IPVS forwards to a real server.
public enum ForwardingMethod: Sendable, Equatable {
    case nat
    case directRouting
    case tunnel(type: TunnelType, port: Int?, checksum: TunnelChecksum?)

    public var keyword: String {
        switch self {
        case .nat: return "NAT"
        case .directRouting: return "DR"
        case .tunnel: return "TUN"
        }
    }
}

/// What a `virtual_server` line names.
public enum VirtualServerKey: Sendable, Hashable {
    case address(IPAddress, port: Int?)
    case fwmark(UInt32)
    case group(String)
}

public struct VirtualServerGroup: Sendable {
    public var name: Located<String>
    public var entries: [VSGEntry] = []
    public var span: SourceSpan
}

public struct VSGEntry: Sendable {
    public enum Kind: Sendable {
        /// An address, or a range `first…last` on the last octet/group or to a full end address.
        case range(first: IPAddress, last: IPAddress, port: Int?)
        case fwmark(UInt32, family: IPAddress.Family?)
    }
    public var kind: Kind
    public var span: SourceSpan
}

public struct VirtualServer: Sendable {
    public var key: Located<VirtualServerKey>
    public var scheduler: Located<String>?
    public var method: Located<ForwardingMethod>?
    public var proto: Located<IPProtocol>?
    public var persistenceTimeout: Located<Int>?
    public var delayLoop: Located<Double>?
    public var realServers: [RealServer] = []
    /// lb_algo / lb_kind lines were written (their values may have been invalid).
    public var schedulerWritten = false
    public var methodWritten = false
    public var span: SourceSpan
    /// Keywords most virtual servers do not write.
    var rare = Rare<VirtualServerRareFields>()

    public init(key: Located<VirtualServerKey>, span: SourceSpan) {
        self.key = key
        self.span = span
    }

    public var persistenceGranularity: Located<String>? {
        get { rare.get { $0.persistenceGranularity } }
        set { rare.set { $0.persistenceGranularity = newValue } }
    }
    public var persistenceEngine: Located<String>? {
        get { rare.get { $0.persistenceEngine } }
        set { rare.set { $0.persistenceEngine = newValue } }
    }
    public var schedulerFlags: [Located<String>] {
        get { rare.get { $0.schedulerFlags } ?? [] }
        set { rare.set { $0.schedulerFlags = newValue } }
    }
    public var ops: Located<Bool>? {
        get { rare.get { $0.ops } }
        set { rare.set { $0.ops = newValue } }
    }
    public var quorum: Located<Int>? {
        get { rare.get { $0.quorum } }
        set { rare.set { $0.quorum = newValue } }
    }
    public var hysteresis: Located<Int>? {
        get { rare.get { $0.hysteresis } }
        set { rare.set { $0.hysteresis = newValue } }
    }
    public var sorryServer: Located<String>? {
        get { rare.get { $0.sorryServer } }
        set { rare.set { $0.sorryServer = newValue } }
    }
    public var virtualhost: Located<String>? {
        get { rare.get { $0.virtualhost } }
        set { rare.set { $0.virtualhost = newValue } }
    }
    /// Keywords the block misspelt (the canonical name of the one suggested, at the typo): the
    /// cause of findings that the keyword is missing, which are then its notes.
    public var misspelt: [Located<String>] {
        get { rare.get { $0.misspelt } ?? [] }
        set { rare.set { $0.misspelt = newValue } }
    }
    public var defaultWeight: Located<Int>? {
        get { rare.get { $0.defaultWeight } }
        set { rare.set { $0.defaultWeight = newValue } }
    }

    public var effectiveMethod: ForwardingMethod { method?.value ?? .nat }
}

struct VirtualServerRareFields: RareFields {
    var persistenceGranularity: Located<String>?
    var persistenceEngine: Located<String>?
    var schedulerFlags: [Located<String>] = []
    var ops: Located<Bool>?
    var quorum: Located<Int>?
    var hysteresis: Located<Int>?
    var sorryServer: Located<String>?
    var virtualhost: Located<String>?
    var defaultWeight: Located<Int>?
    var misspelt: [Located<String>] = []
}

public struct RealServer: Sendable {
    public var address: Located<IPAddress>
    public var port: Located<Int>?
    public var weight: Located<Int>?
    public var checkers = CheckerList()
    public var span: SourceSpan
    /// Keywords most real servers do not write.
    var rare = Rare<RealServerRareFields>()

    public init(address: Located<IPAddress>, span: SourceSpan) {
        self.address = address
        self.span = span
    }

    public var method: Located<ForwardingMethod>? {
        get { rare.get { $0.method } }
        set { rare.set { $0.method = newValue } }
    }
    public var inhibitOnFailure: Located<Bool>? {
        get { rare.get { $0.inhibitOnFailure } }
        set { rare.set { $0.inhibitOnFailure = newValue } }
    }
    public var upperThreshold: Located<Int>? {
        get { rare.get { $0.upperThreshold } }
        set { rare.set { $0.upperThreshold = newValue } }
    }
    public var lowerThreshold: Located<Int>? {
        get { rare.get { $0.lowerThreshold } }
        set { rare.set { $0.lowerThreshold = newValue } }
    }
    public var notifyUp: Located<String>? {
        get { rare.get { $0.notifyUp } }
        set { rare.set { $0.notifyUp = newValue } }
    }
    public var notifyDown: Located<String>? {
        get { rare.get { $0.notifyDown } }
        set { rare.set { $0.notifyDown = newValue } }
    }
    /// `notify_up` / `notify_down` as the argv keepalived executes.
    public var notifyUpCommand: Located<ScriptCommand>? {
        get { rare.get { $0.notifyUpCommand } }
        set { rare.set { $0.notifyUpCommand = newValue } }
    }
    public var notifyDownCommand: Located<ScriptCommand>? {
        get { rare.get { $0.notifyDownCommand } }
        set { rare.set { $0.notifyDownCommand = newValue } }
    }
}

struct RealServerRareFields: RareFields {
    var method: Located<ForwardingMethod>?
    var inhibitOnFailure: Located<Bool>?
    var upperThreshold: Located<Int>?
    var lowerThreshold: Located<Int>?
    var notifyUp: Located<String>?
    var notifyDown: Located<String>?
    var notifyUpCommand: Located<ScriptCommand>?
    var notifyDownCommand: Located<ScriptCommand>?
}

/// Connection keywords shared by the network checkers.
/// Stored sparsely: a checker sets two or three of these, and 40,000 real servers with a
/// struct of every optional would cost tens of megabytes.
public struct CheckConnection: Sendable {
    // The address and interface cases are boxed: they are rare, and unboxed they would make
    // every value 40 bytes instead of 24 (a checker's two values: 96 bytes of heap, not 128).
    enum Value: Sendable {
        indirect case connectIP(Located<IPAddress>)
        case connectPort(Located<Int>)
        indirect case bindTo(Located<IPAddress>)
        case bindPort(Located<Int>)
        indirect case bindInterface(Located<String>)
        case connectTimeout(Located<Double>)
        case fwmark(Located<Int>)
    }
    var values: [Value] = []

    public init() {}

    public var connectIP: Located<IPAddress>? {
        get { for v in values { if case .connectIP(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .connectIP = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.connectIP(n))
            }
        }
    }

    public var connectPort: Located<Int>? {
        get { for v in values { if case .connectPort(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .connectPort = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.connectPort(n))
            }
        }
    }

    public var bindTo: Located<IPAddress>? {
        get { for v in values { if case .bindTo(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .bindTo = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.bindTo(n))
            }
        }
    }

    public var bindPort: Located<Int>? {
        get { for v in values { if case .bindPort(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .bindPort = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.bindPort(n))
            }
        }
    }

    public var bindInterface: Located<String>? {
        get { for v in values { if case .bindInterface(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .bindInterface = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.bindInterface(n))
            }
        }
    }

    public var connectTimeout: Located<Double>? {
        get { for v in values { if case .connectTimeout(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .connectTimeout = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.connectTimeout(n))
            }
        }
    }

    public var fwmark: Located<Int>? {
        get { for v in values { if case .fwmark(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .fwmark = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.fwmark(n))
            }
        }
    }
}

/// Retry and timing keywords shared by all checkers.
/// Stored sparsely: a checker sets two or three of these, and 40,000 real servers with a
/// struct of every optional would cost tens of megabytes.
public struct CheckTiming: Sendable {
    enum Value: Sendable {
        case retry(Located<Int>)
        case delayBeforeRetry(Located<Double>)
        case warmup(Located<Double>)
        case delayLoop(Located<Double>)
        case alpha(Located<Bool>)
        case logAllFailures(Located<Bool>)
    }
    var values: [Value] = []

    public init() {}

    public var retry: Located<Int>? {
        get { for v in values { if case .retry(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .retry = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.retry(n))
            }
        }
    }

    public var delayBeforeRetry: Located<Double>? {
        get { for v in values { if case .delayBeforeRetry(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .delayBeforeRetry = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.delayBeforeRetry(n))
            }
        }
    }

    public var warmup: Located<Double>? {
        get { for v in values { if case .warmup(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .warmup = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.warmup(n))
            }
        }
    }

    public var delayLoop: Located<Double>? {
        get { for v in values { if case .delayLoop(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .delayLoop = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.delayLoop(n))
            }
        }
    }

    public var alpha: Located<Bool>? {
        get { for v in values { if case .alpha(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .alpha = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.alpha(n))
            }
        }
    }

    public var logAllFailures: Located<Bool>? {
        get { for v in values { if case .logAllFailures(let x) = v { return x } }; return nil }
        set {
            if !values.isEmpty { values.removeAll { if case .logAllFailures = $0 { return true }; return false } }
            if let n = newValue {
                if values.capacity == 0 { values.reserveCapacity(2) }
                values.append(.logAllFailures(n))
            }
        }
    }
}

public struct HTTPURL: Sendable {
    public var path: Located<String>?
    public var digest: Located<String>?
    public var statusCodes: [Located<String>] = []
    public var virtualhost: Located<String>?
    public var span: SourceSpan
}

public struct TCPCheck: Sendable { public var connection = CheckConnection(); public var timing = CheckTiming() }
public struct HTTPCheck: Sendable {
    public var connection = CheckConnection(); public var timing = CheckTiming()
    public var urls: [HTTPURL] = []
    public var virtualhost: Located<String>?
    public var httpProtocol: Located<String>?
}
public struct MiscCheck: Sendable {
    public var path: Located<String>?; public var timeout: Located<Int>?
    /// `misc_path` as the argv keepalived executes.
    public var command: Located<ScriptCommand>?
    public var dynamic: Located<Bool>?; public var user: Located<String>?
    public var timing = CheckTiming()
}
public struct SMTPCheck: Sendable {
    public var connection = CheckConnection(); public var timing = CheckTiming()
    public var heloName: Located<String>?
}
public struct DNSCheck: Sendable {
    public var connection = CheckConnection(); public var timing = CheckTiming()
    public var queryType: Located<String>?; public var name: Located<String>?
}
public struct UDPCheck: Sendable {
    public var connection = CheckConnection(); public var timing = CheckTiming()
    public var payload: Located<String>?; public var requireReply: Located<String>?
    public var minReplyLength: Located<Int>?; public var maxReplyLength: Located<Int>?
}
public struct PingCheck: Sendable { public var connection = CheckConnection(); public var timing = CheckTiming() }
public struct FileCheck: Sendable { public var trackFile: Located<String>?; public var weight: Located<Int>? }
public struct BFDCheck: Sendable { public var name: Located<String>?; public var alpha: Located<Bool>? }

/// A health checker of a real server, with its typed fields.
public indirect enum Checker: Sendable {
    case tcp(TCPCheck, SourceSpan)
    case http(HTTPCheck, ssl: Bool, SourceSpan)
    case misc(MiscCheck, SourceSpan)
    case smtp(SMTPCheck, SourceSpan)
    case dns(DNSCheck, SourceSpan)
    case udp(UDPCheck, SourceSpan)
    case ping(PingCheck, SourceSpan)
    case file(FileCheck, SourceSpan)
    case bfd(BFDCheck, SourceSpan)

    public var keyword: String {
        switch self {
        case .tcp: return "TCP_CHECK"
        case .http(_, let ssl, _): return ssl ? "SSL_GET" : "HTTP_GET"
        case .misc: return "MISC_CHECK"
        case .smtp: return "SMTP_CHECK"
        case .dns: return "DNS_CHECK"
        case .udp: return "UDP_CHECK"
        case .ping: return "PING_CHECK"
        case .file: return "FILE_CHECK"
        case .bfd: return "BFD_CHECK"
        }
    }

    public var span: SourceSpan {
        switch self {
        case .tcp(_, let s), .http(_, _, let s), .misc(_, let s), .smtp(_, let s), .dns(_, let s),
             .udp(_, let s), .ping(_, let s), .file(_, let s), .bfd(_, let s): return s
        }
    }
}

/// A real server's checkers. Almost every real server has exactly one, so the first is kept
/// inline and only further ones get an array: 40,000 real servers save an allocation each.
public struct CheckerList: RandomAccessCollection, Sendable {
    private var first: Checker?
    private var rest: [Checker] = []

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { first == nil ? 0 : 1 + rest.count }

    public subscript(i: Int) -> Checker { i == 0 ? first! : rest[i - 1] }

    public mutating func append(_ c: Checker) {
        if first == nil { first = c } else { rest.append(c) }
    }
}

/// Fields most blocks leave out, stored behind a `Rare` box.
protocol RareFields: Sendable { init() }

/// Copy-on-write storage for keywords most blocks leave out: nothing is allocated until one
/// is written, so 40,000 real servers do not each carry room for fields they rarely use.
struct Rare<Fields: RareFields>: Sendable {
    private final class Box: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
    private var box: Box?

    init() {}

    @inline(__always)
    func get<T>(_ read: (Fields) -> T?) -> T? { box.flatMap { read($0.fields) } }

    mutating func set(_ write: (inout Fields) -> Void) {
        if box == nil { box = Box(Fields()) } else if !isKnownUniquelyReferenced(&box!) { box = Box(box!.fields) }
        write(&box!.fields)
    }
}

extension VirtualServer {
    /// keepalived's check_data.c: an address service (or a group with an address range) on
    /// port 0 is only valid persistent; without persistence_timeout (or a granularity, which
    /// implies one) keepalived sets 360 s and reports a configuration error.
    public func portZeroMadePersistent(groups: [String: VirtualServerGroup]) -> Bool {
        if persistenceTimeout != nil || persistenceGranularity != nil { return false }
        switch key.value {
        case .address(_, let port): return (port ?? 0) == 0
        case .fwmark: return false
        case .group(let name):
            guard let g = groups[name] else { return false }
            return g.entries.contains { e in
                if case .range(_, _, let port) = e.kind { return (port ?? 0) == 0 }
                return false
            }
        }
    }
}
