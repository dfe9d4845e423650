import LVSCore

/// ipvsadm's rule syntax (`ipvsadm-save -n`, `ipvsadm -R`): printing in ipvsadm's order and
/// spelling, and reading it back as the current state.
public enum IPVSText {
    // MARK: ordering — ipvsadm sorts with qsort and its own comparators (libipvs.c)

    /// AF_INET and AF_INET6, the values ipvsadm compares.
    static func af(_ f: IPAddress.Family) -> Int32 { f == .inet ? 2 : 10 }

    /// ipvsadm subtracts unsigned 32-bit words and keeps the result as a C int; mirrored exactly,
    /// including its wrap-around for values more than 2^31 apart.
    static func diff(_ a: UInt32, _ b: UInt32) -> Int32 { Int32(truncatingIfNeeded: a &- b) }

    /// The address as ipvsadm's 32-bit words in network order (an IPv4 address is word 0).
    @inline(__always)
    static func word(_ a: IPAddress, _ i: Int) -> UInt32 {
        switch a {
        case .v4(let v): return i == 0 ? v : 0
        case .v6(let h, let l):
            switch i {
            case 0: return UInt32(h >> 32)
            case 1: return UInt32(truncatingIfNeeded: h)
            case 2: return UInt32(l >> 32)
            default: return UInt32(truncatingIfNeeded: l)
            }
        }
    }

    static func compareAddresses(_ a: IPAddress, _ b: IPAddress, family: IPAddress.Family) -> Int32 {
        if family == .inet6 {
            for i in 0..<4 {
                let r = diff(word(a, i), word(b, i))
                if r != 0 { return r }
            }
            return 0
        }
        return diff(word(a, 0), word(b, 0))
    }

    /// ipvs_cmp_services: fwmark, family, protocol, address, port.
    public static func compareServices(_ a: IPVSService, _ b: IPVSService) -> Int32 { compareKeys(a.key, b.key) }

    public static func compareKeys(_ ka: IPVSServiceKey, _ kb: IPVSServiceKey) -> Int32 {
        func parts(_ k: IPVSServiceKey) -> (UInt32, IPAddress.Family, Int32, IPAddress, Int32) {
            switch k {
            case .address(let p, let addr, let port): return (0, addr.family, Int32(p.number), addr, Int32(port))
            case .fwmark(let m, let f): return (m, f, 0, f == .inet ? .v4(0) : .v6(0, 0), 0)
            }
        }
        let x = parts(ka), y = parts(kb)
        var r = diff(x.0, y.0)
        if r != 0 { return r }
        r = af(x.1) - af(y.1)
        if r != 0 { return r }
        r = x.2 - y.2
        if r != 0 { return r }
        r = compareAddresses(x.3, y.3, family: x.1)
        if r != 0 { return r }
        return x.4 - y.4
    }

    /// ipvs_cmp_dests: address, port.
    public static func compareDestinations(_ a: IPVSDestination, _ b: IPVSDestination) -> Int32 {
        let r = compareAddresses(a.address, b.address, family: a.address.family)
        if r != 0 { return r }
        return Int32(a.port) - Int32(b.port)
    }

    /// glibc's qsort on Debian 12 is a top-down merge sort that takes from the left run while
    /// cmp <= 0; the same algorithm gives the same order even where ipvsadm's comparator is
    /// not transitive (addresses more than 2^31 apart).
    public static func mergeSort<T>(_ items: [T], _ cmp: (T, T) -> Int32) -> [T] {
        if items.count < 2 { return items }
        var a = items
        var tmp = items
        func sort(_ lo: Int, _ n: Int) {
            if n < 2 { return }
            let n1 = n / 2, n2 = n - n1
            sort(lo, n1)
            sort(lo + n1, n2)
            var i = lo, j = lo + n1, k = 0
            let iEnd = lo + n1, jEnd = lo + n
            while i < iEnd && j < jEnd {
                if cmp(a[i], a[j]) <= 0 { tmp[k] = a[i]; i += 1 } else { tmp[k] = a[j]; j += 1 }
                k += 1
            }
            while i < iEnd { tmp[k] = a[i]; i += 1; k += 1 }
            // What is left of the right run is already in place.
            for m in 0..<k { a[lo + m] = tmp[m] }
        }
        sort(0, a.count)
        return a
    }

    /// The table in the order `ipvsadm -S` lists it. Indices are sorted, not the services
    /// themselves, so 10,000 large values are moved once.
    public static func sorted(_ t: IPVSTable) -> IPVSTable {
        let order = mergeSort(Array(t.services.indices)) { compareKeys(t.services[$0].key, t.services[$1].key) }
        var out = IPVSTable()
        out.services.reserveCapacity(order.count)
        for i in order {
            var s = t.services[i]
            if s.destinations.count > 1 { s.destinations = mergeSort(s.destinations, compareDestinations) }
            out.services.append(s)
        }
        return out
    }

    // MARK: printing

    public static func endpoint(_ a: IPAddress, _ port: Int) -> String {
        a.family == .inet6 ? "[\(a)]:\(port)" : "\(a):\(port)"
    }

    /// `-t 192.0.2.1:80`, `-u …`, `--sctp-service …`, `-f 1`, `-f 1 -6`. `asSaved` spells a mark
    /// from 2^31 up as ipvsadm-save does (negative, which ipvsadm itself then refuses to read);
    /// otherwise it is written unsigned, as ipvsadm's command line accepts it.
    public static func service(_ k: IPVSServiceKey, asSaved: Bool = false) -> String {
        serviceArgs(k, asSaved: asSaved).joined(separator: " ")
    }

    public static func serviceArgs(_ k: IPVSServiceKey, asSaved: Bool = false) -> [String] {
        switch k {
        case .address(let p, let a, let port):
            let flag = p == .tcp ? "-t" : (p == .udp ? "-u" : "--sctp-service")
            return [flag, endpoint(a, port)]
        // ipvsadm prints the mark with %d: marks from 2^31 up come out negative (seen in the lab).
        case .fwmark(let m, let f):
            let mark = asSaved ? String(Int32(bitPattern: m)) : String(m)
            return f == .inet6 ? ["-f", mark, "-6"] : ["-f", mark]
        }
    }

    static func dotted(_ mask: UInt32) -> String {
        "\(mask >> 24).\((mask >> 16) & 255).\((mask >> 8) & 255).\(mask & 255)"
    }

    /// The `-A` line as `ipvsadm -S -n` prints it (without the newline).
    public static func addServiceLine(_ s: IPVSService, asSaved: Bool = false) -> String {
        addServiceArgs(s, asSaved: asSaved).joined(separator: " ")
    }

    /// The words of the `-A` line; a script quotes each (the scheduler and the persistence
    /// engine are names from the configuration).
    public static func addServiceArgs(_ s: IPVSService, asSaved: Bool = false) -> [String] {
        var args = ["-A"] + serviceArgs(s.key, asSaved: asSaved) + ["-s", s.scheduler]
        if let p = s.persistence {
            args += ["-p", String(p)]
            switch s.effectiveNetmask {
            case .v4(let m) where m != 0xFFFF_FFFF: args += ["-M", dotted(m)]
            case .v6(let n) where n != 128: args += ["-M", String(n)]
            default: break
            }
        }
        if let pe = s.persistenceEngine { args += ["--pe", pe] }
        if s.onePacket { args.append("-o") }
        let bits = s.schedulerFlagBits
        if bits != 0 {
            let names: [String]
            switch s.scheduler {
            case "sh": names = ["sh-fallback", "sh-port", "flag-3"]
            case "mh": names = ["mh-fallback", "mh-port", "flag-3"]
            default: names = ["flag-1", "flag-2", "flag-3"]
            }
            args += ["-b", (0..<3).filter { bits & (1 << $0) != 0 }.map { names[$0] }.joined(separator: ",")]
        }
        return args
    }

    public static func forwardingSwitch(_ f: IPVSForwarding) -> String {
        switch f {
        case .masquerade: return "-m"
        case .route: return "-g"
        case .tunnel: return "-i"
        }
    }

    /// The `-a` line as `ipvsadm -S -n` prints it: no -x/-y, which ipvsadm 1.31 does not save.
    public static func addDestinationLine(_ s: IPVSService, _ d: IPVSDestination, asSaved: Bool = false) -> String {
        addDestinationArgs(s, d, asSaved: asSaved).joined(separator: " ")
    }

    public static func addDestinationArgs(_ s: IPVSService, _ d: IPVSDestination, asSaved: Bool = false) -> [String] {
        var args = ["-a"] + serviceArgs(s.key, asSaved: asSaved) + ["-r", endpoint(d.address, d.port), forwardingSwitch(d.forwarding), "-w", String(d.weight)]
        if case .tunnel(let type, let port, let csum) = d.forwarding {
            args += ["--tun-type", type.rawValue]
            switch type {
            case .ipip: break
            case .gue: args += ["--tun-port", String(port ?? 0), "--tun-\(csum.rawValue)"]
            case .gre: args.append("--tun-\(csum.rawValue)")
            }
        }
        return args
    }

    /// Exactly what `ipvsadm-save -n` prints once this table is loaded.
    public static func save(_ t: IPVSTable) -> String {
        var out = ""
        for s in sorted(t).services {
            out += addServiceLine(s, asSaved: true) + "\n"
            for d in s.destinations { out += addDestinationLine(s, d, asSaved: true) + "\n" }
        }
        return out
    }

    // MARK: reading

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads `ipvsadm-save -n` output (or any `ipvsadm -R` input made of -A and -a lines).
    public static func parse(_ text: String) -> Result<IPVSTable, ParseError> {
        var table = IPVSTable()
        var index: [IPVSServiceKey: Int] = [:]
        var parsedAny = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if words.first == "ipvsadm" { words.removeFirst() }
            if words.isEmpty || words[0].hasPrefix("#") { continue }
            let line = n + 1
            // Until one line has been an ipvsadm rule, the file may be anything (a key named by
            // mistake): say where, but repeat none of its words.
            func fail(_ m: String) -> Result<IPVSTable, ParseError> {
                .failure(ParseError(line: line, message: parsedAny ? ValueSyntax.escaped(m) : "not an ipvsadm rule (-A or -a)"))
            }
            defer { parsedAny = true }
            var i = 1
            func next() -> String? { i < words.count ? words[i] : nil }
            var key: IPVSServiceKey?
            var options: [String: String] = [:]
            var flags = Set<String>()
            while i < words.count {
                let w = words[i]
                switch w {
                case "-t", "--tcp-service", "-u", "--udp-service", "--sctp-service":
                    i += 1
                    guard let ep = next(), let (a, p) = parseEndpoint(ep) else { return fail("bad service address '\(next() ?? "")'") }
                    let proto: IPVSProtocol = (w == "-t" || w == "--tcp-service") ? .tcp : (w == "--sctp-service" ? .sctp : .udp)
                    key = .address(proto, a, port: p)
                case "-f", "--fwmark-service":
                    i += 1
                    // Saved marks from 2^31 up are negative (ipvsadm prints them with %d).
                    guard let text = next(), let m = UInt32(text) ?? Int32(text).map({ UInt32(bitPattern: $0) }), m != 0 else {
                        return fail("bad fwmark '\(next() ?? "")'")
                    }
                    key = .fwmark(m, .inet)
                case "-6", "--ipv6":
                    if case .fwmark(let m, _)? = key { key = .fwmark(m, .inet6) }
                case "-s", "--scheduler", "-p", "--persistent", "-M", "--netmask", "--pe", "-b", "--sched-flags",
                     "-r", "--real-server", "-w", "--weight", "-x", "--u-threshold", "-y", "--l-threshold",
                     "--tun-type", "--tun-port":
                    i += 1
                    guard let v = next() else { return fail("\(w) needs a value") }
                    options[canonical(w)] = v
                case "-g", "--gatewaying", "-m", "--masquerading", "-i", "--ipip", "-o", "--ops",
                     "--tun-nocsum", "--tun-csum", "--tun-remcsum":
                    flags.insert(canonical(w))
                default:
                    return fail("unknown option '\(w)'")
                }
                i += 1
            }
            guard let key else { return fail("no service (-t, -u, --sctp-service or -f)") }
            // A number that does not read, or is outside what the kernel keeps, is an error:
            // taking it as 0 would make a wrong state look like the wanted one.
            func number(_ option: String, _ range: ClosedRange<Int>, default value: Int) -> Int? {
                guard let text = options[option] else { return value }
                guard let v = Int(text), range.contains(v) else { return nil }
                return v
            }
            switch words[0] {
            case "-A", "--add-service":
                guard index[key] == nil else { return fail("service \(service(key)) listed twice") }
                let scheduler = options["-s"] ?? "wlc"
                if ValueSyntax.schedulerNameProblem(scheduler) != nil { return fail("bad scheduler '\(scheduler)'") }
                var s = IPVSService(key: key, scheduler: scheduler)
                if let p = options["-p"] {
                    guard let v = Int(p), v > 0, v <= Int(Int32.max) else { return fail("bad persistence timeout '\(p)'") }
                    s.persistence = v
                }
                if let pe = options["--pe"], ValueSyntax.persistenceEngineProblem(pe) != nil { return fail("bad persistence engine '\(pe)'") }
                if let m = options["-M"] {
                    if key.family == .inet, case .v4(let mask)? = IPAddress.parse(m) { s.netmask = .v4(mask) }
                    else if key.family == .inet6, let v = Int(m), (1...128).contains(v) { s.netmask = .v6(v) }
                    else { return fail("bad netmask '\(m)'") }
                }
                s.persistenceEngine = options["--pe"]
                s.onePacket = flags.contains("-o")
                s.schedulerFlags = options["-b"].map { $0.split(separator: ",").map(String.init) } ?? []
                index[key] = table.services.count
                table.services.append(s)
            case "-a", "--add-server":
                guard let si = index[key] else { return fail("destination before its service \(service(key))") }
                var servicePort = 0
                if case .address(_, _, let p) = key { servicePort = p }
                guard let r = options["-r"], let (a, p) = parseEndpoint(r, defaultPort: servicePort) else { return fail("bad or missing -r") }
                let fwd: IPVSForwarding
                if flags.contains("-m") { fwd = .masquerade }
                else if flags.contains("-i") {
                    guard let type = IPVSForwarding.TunnelType(rawValue: options["--tun-type"] ?? "ipip") else {
                        return fail("bad --tun-type '\(options["--tun-type"] ?? "")'")
                    }
                    let csum: IPVSForwarding.TunnelChecksum = flags.contains("--tun-csum") ? .csum : (flags.contains("--tun-remcsum") ? .remcsum : .nocsum)
                    var tunPort: Int?
                    if options["--tun-port"] != nil {
                        guard let v = number("--tun-port", 0...65535, default: 0) else { return fail("bad --tun-port '\(options["--tun-port"]!)'") }
                        tunPort = v
                    }
                    fwd = .tunnel(type: type, port: tunPort, checksum: csum)
                } else { fwd = .route }
                // The kernel keeps weights and thresholds as 32-bit values; ipvsadm's own -w stops at 65535.
                guard let w = number("-w", 0...Int(Int32.max), default: 1) else { return fail("bad weight '\(options["-w"] ?? "")'") }
                var d = IPVSDestination(address: a, port: p, forwarding: fwd, weight: w)
                guard let x = number("-x", 0...Int(UInt32.max), default: 0) else { return fail("bad upper threshold (-x) '\(options["-x"] ?? "")'") }
                guard let y = number("-y", 0...Int(UInt32.max), default: 0) else { return fail("bad lower threshold (-y) '\(options["-y"] ?? "")'") }
                d.upperThreshold = x
                d.lowerThreshold = y
                if table.services[si].destinations.contains(where: { $0.key == d.key }) { return fail("destination \(r) listed twice") }
                table.services[si].destinations.append(d)
            default:
                return fail("expected -A or -a, found '\(words[0])'")
            }
        }
        return .success(table)
    }

    static func canonical(_ w: String) -> String {
        switch w {
        case "--scheduler": return "-s"
        case "--persistent": return "-p"
        case "--netmask": return "-M"
        case "--sched-flags": return "-b"
        case "--real-server": return "-r"
        case "--weight": return "-w"
        case "--u-threshold": return "-x"
        case "--l-threshold": return "-y"
        case "--gatewaying": return "-g"
        case "--masquerading": return "-m"
        case "--ipip": return "-i"
        case "--ops": return "-o"
        default: return w
        }
    }

    /// `ADDR:PORT`, `[V6]:PORT`, or an address alone when a default port is given.
    static func parseEndpoint(_ s: String, defaultPort: Int? = nil) -> (IPAddress, Int)? {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            guard let a = IPAddress.parse(String(s[s.index(after: s.startIndex)..<close])), a.family == .inet6 else { return nil }
            let rest = s[s.index(after: close)...]
            if rest.isEmpty { return defaultPort.map { (a, $0) } }
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
            return (a, p)
        }
        if let colon = s.lastIndex(of: ":"), s.firstIndex(of: ":") == colon {
            guard let a = IPAddress.parse(String(s[..<colon])), let p = Int(s[s.index(after: colon)...]), (0...65535).contains(p) else { return nil }
            return (a, p)
        }
        guard let a = IPAddress.parse(s), let d = defaultPort else { return nil }
        return (a, d)
    }
}
