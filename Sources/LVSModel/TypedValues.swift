/// Values the runtime acts on, typed once here rather than re-read from text by each user.

extension HTTPURL {
    /// The HTTP statuses that count as up (`status_code N|A-B …`, 100..599); keepalived's
    /// default is 200-299. Words that are not a status or a range are left out (lint reports them).
    public var statusCodeRanges: [ClosedRange<Int>] {
        if statusCodes.isEmpty { return [200...299] }
        return statusCodes.compactMap { Self.statusRange($0.value) }
    }

    public static func statusRange(_ word: String) -> ClosedRange<Int>? {
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let lo = Int(parts[0]), (100...599).contains(lo) else { return nil }
        guard parts.count == 2 else { return lo...lo }
        guard let hi = Int(parts[1]), (100...599).contains(hi), hi >= lo else { return nil }
        return lo...hi
    }
}

/// Where a virtual server sends traffic when every real server is down (`sorry_server IP [PORT]`).
public struct SorryServer: Sendable, Hashable {
    public var address: IPAddress
    /// nil: the virtual server's own port.
    public var port: Int?
}

extension VirtualServer {
    /// `sorry_server`, parsed; nil when absent or not an address and port.
    public var sorryServerEndpoint: Located<SorryServer>? {
        guard let s = sorryServer else { return nil }
        let words = s.value.split(separator: " ")
        guard let first = words.first, let address = IPAddress.parse(String(first)), words.count <= 2 else { return nil }
        var port: Int?
        if words.count == 2 {
            guard let p = Int(words[1]), (0...65535).contains(p) else { return nil }
            port = p
        }
        return Located(SorryServer(address: address, port: port), s.span)
    }
}

/// `lvs_sync_daemon IFACE [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
public struct LVSSyncDaemonSetting: Sendable, Hashable {
    public var interface: String
    /// The vrrp_instance whose state decides master or backup (nil: the daemon runs as master).
    public var instance: String?
    public var syncID: Int?
    public var maxLength: Int?
    public var port: Int?
    public var ttl: Int?
    public var group: IPAddress?
    /// Words that are no option of the keyword, or an option without its value.
    public var unknown: [String] = []

    public init(interface: String) { self.interface = interface }
}

extension GlobalDefs {
    /// `lvs_sync_daemon`, parsed.
    public var lvsSyncDaemonSetting: Located<LVSSyncDaemonSetting>? {
        guard let line = lvsSyncDaemon else { return nil }
        let words = line.value.split(separator: " ").map(String.init)
        guard let iface = words.first else { return nil }
        var s = LVSSyncDaemonSetting(interface: iface)
        let options: Set<String> = ["id", "maxlen", "port", "ttl", "group"]
        var i = 1
        if i < words.count, words[i] == "inst", i + 1 < words.count { s.instance = words[i + 1]; i += 2 }
        else if i < words.count, !options.contains(words[i]) { s.instance = words[i]; i += 1 }
        while i < words.count {
            guard options.contains(words[i]), i + 1 < words.count else { s.unknown.append(words[i]); i += 1; continue }
            let v = words[i + 1]
            switch words[i] {
            case "id": s.syncID = Int(v)
            case "maxlen": s.maxLength = Int(v)
            case "port": s.port = Int(v)
            case "ttl": s.ttl = Int(v)
            default: s.group = IPAddress.parse(v)
            }
            i += 2
        }
        return Located(s, line.span)
    }
}
