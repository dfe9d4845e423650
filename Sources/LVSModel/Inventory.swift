/// A 48-bit Ethernet address as cluster.txt writes it (`00:16:3e:00:00:01`).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var value: UInt64

    public var isZero: Bool { value == 0 }

    /// Six colon-separated pairs of hex digits, nothing else (cluster.txt's one spelling).
    public static func parse<C: Collection>(_ bytes: C) -> MACAddress? where C.Element == UInt8 {
        guard bytes.count == 17 else { return nil }
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i % 3 == 2 {
                guard b == UInt8(ascii: ":") else { return nil }
                continue
            }
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return MACAddress(value: value)
    }

    public var description: String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for i in (0..<6).reversed() {
            let byte = Int((value >> (UInt64(i) * 8)) & 0xFF)
            out.append(hex[byte >> 4]); out.append(hex[byte & 0xF])
            if i > 0 { out.append(UInt8(ascii: ":")) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One host line of cluster.txt: `name mac class label service ip extra`.
public struct InventoryHost: Sendable {
    public var name: Located<String>
    /// nil when the column does not parse (reported).
    public var mac: Located<MACAddress>?
    public var hostClass: Located<String>
    public var label: Located<String>
    public var service: Located<String>
    /// nil when the column does not parse (reported).
    public var address: Located<IPAddress>?
    /// The parameters of the `extra` column, in the order written.
    public var parameters: [InventoryParameter] = []
    /// The whole line, comment excluded.
    public var span: SourceSpan

    /// Class `LB`: a floating VIP that whichever director is master holds (seed, section 6).
    public var isFloatingVIP: Bool { hostClass.value == "LB" }

    public func parameter(_ key: InventoryKey) -> InventoryParameter? {
        parameters.first { $0.key == key }
    }

    /// `conf=`: the keepalived.conf this director runs; a host with one is a director.
    public var conf: Located<String>? { parameter(.conf).map { Located($0.value, $0.valueSpan) } }
    /// `iface=`: the director's interface on its LAN.
    public var interface: Located<String>? { parameter(.iface).map { Located($0.value, $0.valueSpan) } }
    /// `net=`: the LAN's subnet.
    public var subnet: Located<IPPrefix>? {
        guard let p = parameter(.net), case .success(let prefix) = IPPrefix.parse(Array(p.value.utf8)) else { return nil }
        return Located(prefix, p.valueSpan)
    }
    /// `id=`: the config id for `@id` lines; the host name when absent.
    public var configID: String { parameter(.id)?.value ?? name.value }
    /// `lan=`: a name for the broadcast domain when the subnet alone does not identify it.
    public var lanName: String? { parameter(.lan)?.value }

    public var isDirector: Bool { parameter(.conf) != nil }

    /// Every LAN the host is on, in the order written: each `iface=` with the `net=` after it
    /// (the first pair is `interface`/`subnet`); `lan=` names the first.
    public var lans: [InventoryLAN] {
        var out: [InventoryLAN] = []
        for p in parameters {
            switch p.key {
            case .iface: out.append(InventoryLAN(interface: Located(p.value, p.valueSpan), subnet: nil))
            case .net:
                guard case .success(let prefix) = IPPrefix.parse(Array(p.value.utf8)) else { continue }
                if out.isEmpty { out.append(InventoryLAN(interface: nil, subnet: nil)) }
                if out[out.count - 1].subnet == nil { out[out.count - 1].subnet = Located(prefix, p.valueSpan) }
            default: continue
            }
        }
        if let name = lanName, !out.isEmpty { out[0].name = name }
        return out
    }

    /// The LAN an interface of this host is on (nil when cluster.txt does not list it).
    public func lan(of iface: String) -> InventoryLAN? { lans.first { $0.interface?.value == iface } }
}

/// One LAN of a host: its interface there and the subnet.
public struct InventoryLAN: Sendable {
    public var interface: Located<String>?
    public var subnet: Located<IPPrefix>?
    /// `lan=`: a name for the broadcast domain.
    public var name: String?

    /// What identifies the LAN across hosts: its name, else its network.
    public var key: String? {
        name ?? subnet.map { "\($0.value.network)/\($0.value.length)" }
    }
}

/// The keys the `extra` column understands (Grammar/cluster-txt.md).
public enum InventoryKey: String, Sendable, CaseIterable {
    case conf, iface, net, id, lan
}

public struct InventoryParameter: Sendable {
    public var key: InventoryKey
    public var value: String
    public var keySpan: SourceSpan
    public var valueSpan: SourceSpan
}

/// cluster.txt, parsed: its hosts and what was wrong with its lines.
public struct Inventory: Sendable {
    public var path: String
    public var file: SourceFile
    public var hosts: [InventoryHost] = []
    public var diagnostics = DiagnosticBag()
    /// Not a cluster.txt at all: its lines must not be quoted in excerpts.
    public var unquotable = false
    /// `# lvsc: cluster=NAME`: the cluster's name in rc.final markers and headers. It is
    /// written in the file, never taken from the folder the file is in: a second clone or a CI
    /// workspace must produce the same markers.
    public var clusterName: Located<String>?

    public var directors: [InventoryHost] { hosts.filter(\.isDirector) }
    public var floatingVIPs: [InventoryHost] { hosts.filter(\.isFloatingVIP) }

    /// The folder configs named by `conf=` are relative to.
    public var folder: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public func resolve(conf: String) -> String {
        conf.hasPrefix("/") ? conf : (folder == "." ? conf : folder + "/" + conf)
    }
}
