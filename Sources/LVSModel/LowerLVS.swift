extension Lowering {
    mutating func lowerVSG(_ n: Node) {
        guard let name = string(n) else { return }
        var group = VirtualServerGroup(name: name, span: blockSpan(n))
        for e in tree.children(n) { if let entry = vsgEntry(e) { group.entries.append(entry) } }
        config.virtualServerGroups.append(group)
    }

    /// `IP [PORT]`, `A.B.C.D-E [PORT]`, `A.B.C.D-W.X.Y.Z [PORT]`, `A.B.C.D/NN [PORT]`, `fwmark N [inet|inet6]`.
    mutating func vsgEntry(_ e: Node) -> VSGEntry? {
        if ConfigParser.isAnonymous(e, in: tree) { return nil }
        let kw = tree.keyword(e)
        let words = Array(tree.args(e))
        let lineSpan = tree.lineSpan(e)
        if text(kw) == "fwmark" {
            guard let t = words.first else {
                diags.add(.missingArgument, .error, "'fwmark' needs a mark number", at: span(kw)); return nil
            }
            guard let m = NumberParser.integer(raw(t)), m >= 0, m <= Int(UInt32.max) else {
                diags.add(.valueRange, .error, "fwmark \(text(t)) is outside 0..4294967295", at: span(t)); return nil
            }
            var fam: IPAddress.Family?
            if words.count > 1 { fam = IPAddress.Family(rawValue: text(words[1])) }
            return VSGEntry(kind: .fwmark(UInt32(m), family: fam), span: lineSpan)
        }
        let port = words.first.flatMap { portValue($0, allowZero: true) }
        if words.count > 1 {
            diags.add(.syntax, .warning, "unexpected extra word '\(text(words[1]))' in a virtual_server_group entry", at: span(words[1]))
        }
        let bytes = Array(raw(kw))
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")) {
            guard let p = prefixValue(kw, what: "address") else { return nil }
            if p.length == 0 {
                diags.add(.badMask, .error, "a /0 range is not allowed in a virtual_server_group", at: span(kw)); return nil
            }
            if p.hasHostBits {
                diags.add(.badMask, .error, "'\(text(kw))' has host bits set; a virtual_server_group prefix must be a network",
                          at: span(kw), hint: "write \(p.network)/\(p.length)")
                return nil
            }
            _ = slash
            let last = lastAddress(of: p)
            return VSGEntry(kind: .range(first: p.address, last: last, port: port), span: lineSpan)
        }
        if let dash = bytes.firstIndex(of: UInt8(ascii: "-")) {
            guard let first = IPAddress.parse(bytes[..<dash]) else {
                diags.add(.invalidValue, .error, "'\(text(kw))' is not an address range", at: span(kw)); return nil
            }
            let tail = bytes[(dash + 1)...]
            var last: IPAddress?
            if let full = IPAddress.parse(tail) { last = full }
            else if first.family == .inet, let v = NumberParser.integer(tail), v >= 0, v <= 255, case .v4(let a) = first {
                last = .v4(a & 0xFFFF_FF00 | UInt32(v))
            } else if first.family == .inet6, tail.count <= 4, let v = UInt16(String(decoding: tail, as: UTF8.self), radix: 16),
                      case .v6(let hi, let lo) = first {
                last = .v6(hi, lo & ~0xFFFF | UInt64(v))
            }
            guard let l = last, l.family == first.family, first <= l else {
                diags.add(.invalidValue, .error, "'\(text(kw))' is not a valid address range (the end must not be below the start)", at: span(kw))
                return nil
            }
            return VSGEntry(kind: .range(first: first, last: l, port: port), span: lineSpan)
        }
        guard let a = IPAddress.parse(bytes) else {
            diags.add(.invalidValue, .error, "'\(text(kw))' is not an address, range or fwmark", at: span(kw)); return nil
        }
        return VSGEntry(kind: .range(first: a, last: a, port: port), span: lineSpan)
    }

    func lastAddress(of p: IPPrefix) -> IPAddress {
        switch p.network {
        case .v4(let v): return .v4(p.length >= 32 ? v : v | (UInt32.max >> UInt32(p.length)))
        case .v6(let hi, let lo):
            if p.length >= 128 { return .v6(hi, lo) }
            if p.length >= 64 { return .v6(hi, lo | (UInt64.max >> UInt64(p.length - 64))) }
            return .v6(hi | (p.length == 0 ? .max : UInt64.max >> UInt64(p.length)), .max)
        }
    }

    mutating func portValue(_ t: Token, allowZero: Bool) -> Int? {
        guard let v = NumberParser.integer(raw(t)), v >= (allowZero ? 0 : 1), v <= 65535 else {
            diags.add(.valueRange, .error, "port \(text(t)) is outside \(allowZero ? 0 : 1)..65535", at: span(t))
            return nil
        }
        return v
    }

    mutating func lowerVirtualServer(_ n: Node) {
        let args = Array(tree.args(n))
        let head = span(args[0]).union(span(args[args.count - 1]))
        var key: VirtualServerKey?
        let first = text(args[0])
        if first == "fwmark" || first == "group" {
            if args.count < 2 {
                diags.add(.missingArgument, .error, "'virtual_server \(first)' needs a \(first == "fwmark" ? "mark number" : "group name")", at: head)
            } else if first == "fwmark" {
                if let m = NumberParser.integer(raw(args[1])), m >= 0, m <= Int(UInt32.max) { key = .fwmark(UInt32(m)) }
                else { diags.add(.valueRange, .error, "fwmark \(text(args[1])) is outside 0..4294967295", at: span(args[1])) }
            } else {
                key = .group(text(args[1]))
            }
        } else if let a = IPAddress.parse(raw(args[0])) {
            var port: Int?
            if args.count > 1 { port = portValue(args[1], allowZero: true) ; if port == nil { return } }
            key = .address(a, port: port == 0 ? nil : port)
        } else {
            diags.add(.invalidValue, .error, "'\(first)' is not an address; virtual_server takes 'IP [PORT]', 'fwmark N' or 'group NAME'", at: span(args[0]))
        }
        guard let key else { checkBlock(n, .virtual_server); return }
        var vs = VirtualServer(key: Located(key, head), span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .virtual_server) else {
                if let typo = lastSuggestion {
                    lastSuggestion = nil
                    let canonical = ["lvs_sched": "lb_algo", "lvs_method": "lb_kind"][typo.keyword] ?? typo.keyword
                    vs.misspelt.append(Located(canonical, typo.span))
                }
                continue
            }
            switch s.id {
            case .virtual_server__lvs_sched: vs.scheduler = string(c); vs.schedulerWritten = true
            case .virtual_server__lvs_method: vs.method = forwarding(c); vs.methodWritten = true
            case .virtual_server__protocol:
                if c.argCount > 0 {
                    // keepalived compares the protocol case-insensitively.
                    let t = tree.arg(c, 0)
                    let b = raw(t)
                    func isWord(_ w: StaticString) -> Bool {
                        b.count == w.utf8CodeUnitCount && zip(b, UnsafeBufferPointer(start: w.utf8Start, count: w.utf8CodeUnitCount)).allSatisfy { $0 | 0x20 == $1 | 0x20 }
                    }
                    let p: IPProtocol? = isWord("TCP") ? .tcp : isWord("UDP") ? .udp : isWord("SCTP") ? .sctp : nil
                    if let p { vs.proto = Located(p, span(t)) }
                    else { diags.add(.invalidValue, .error, "'\(text(t))' is not a protocol; expected TCP, UDP or SCTP", at: span(t)) }
                }
            case .virtual_server__persistence_timeout:
                vs.persistenceTimeout = c.argCount == 0 ? Located(360, keywordSpan(c)) : int(c, s)
            case .virtual_server__persistence_granularity: vs.persistenceGranularity = string(c)
            case .virtual_server__persistence_engine: vs.persistenceEngine = string(c)
            case .virtual_server__ops: vs.ops = Located(true, keywordSpan(c))
            case .virtual_server__flag_1, .virtual_server__flag_2, .virtual_server__flag_3, .virtual_server__sh_port,
                 .virtual_server__sh_fallback, .virtual_server__mh_port, .virtual_server__mh_fallback:
                vs.schedulerFlags.append(Located(s.name, keywordSpan(c)))
            case .virtual_server__delay_loop: vs.delayLoop = decimal(c, s)
            case .virtual_server__quorum: vs.quorum = int(c, s)
            case .virtual_server__hysteresis: vs.hysteresis = int(c, s)
            case .virtual_server__sorry_server: vs.sorryServer = joined(c)
            case .virtual_server__virtualhost: vs.virtualhost = string(c)
            case .virtual_server__weight: vs.defaultWeight = int(c, s)
            case .virtual_server__real_server:
                if let rs = realServer(c) { vs.realServers.append(rs) }
            default: break
            }
        }
        config.virtualServers.append(vs)
    }

    /// `NAT`, `DR`, `TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`.
    mutating func forwarding(_ n: Node) -> Located<ForwardingMethod>? {
        let args = Array(tree.args(n))
        let s = span(args[0])
        switch text(args[0]) {
        case "NAT": return Located(.nat, s)
        case "DR": return Located(.directRouting, s)
        case "TUN":
            var type = "ipip", port: Int?, csum: String?
            var i = 1
            while i < args.count {
                let w = text(args[i])
                if w == "type", i + 1 < args.count { type = text(args[i + 1]); i += 2; continue }
                if w == "port", i + 1 < args.count { port = portValue(args[i + 1], allowZero: false); i += 2; continue }
                if ["nocsum", "csum", "remcsum"].contains(w) { csum = w; i += 1; continue }
                diags.add(.unknownForwarding, .error, "unknown TUN option '\(w)'", at: span(args[i]))
                i += 1
            }
            guard let tunnel = TunnelType(rawValue: type) else {
                // keepalived refuses the line; the method stays what it was.
                diags.add(.unknownForwarding, .error, "unknown tunnel type '\(type)'; expected ipip, gue or gre", at: s)
                return nil
            }
            if tunnel == .gue && port == nil {
                diags.add(.missingArgument, .error, "a gue tunnel needs 'port N'", at: s)
            } else if tunnel == .ipip && csum != nil {
                diags.add(.unknownForwarding, .error, "ipip tunnels take no checksum option", at: s)
            }
            return Located(.tunnel(type: tunnel, port: port, checksum: csum.flatMap(TunnelChecksum.init(rawValue:))), s)
        default:
            let w = text(args[0])
            let hint: String? = ["nat", "dr", "tun", "Nat", "Dr", "Tun"].contains(w) ? "keepalived matches case: write \(w.uppercased())" : "LVS forwards by NAT, DR (direct routing) or TUN (IP tunnelling)"
            diags.add(.unknownForwarding, .error, "'\(w)' is not a forwarding method; expected NAT, DR or TUN", at: s, hint: hint)
            return nil
        }
    }

    mutating func realServer(_ n: Node) -> RealServer? {
        let args = Array(tree.args(n))
        guard let a = IPAddress.parse(raw(args[0])) else {
            diags.add(.invalidValue, .error, "'\(text(args[0]))' is not a real server address", at: span(args[0]))
            checkBlock(n, .real_server)
            return nil
        }
        var rs = RealServer(address: Located(a, span(args[0])), span: blockSpan(n))
        if args.count > 1, let p = portValue(args[1], allowZero: true) { rs.port = Located(p, span(args[1])) }
        for c in tree.children(n) {
            guard let s = spec(c, .real_server) else { continue }
            switch s.id {
            case .real_server__weight: rs.weight = int(c, s)
            case .real_server__lvs_method: rs.method = forwarding(c)
            case .real_server__inhibit_on_failure: rs.inhibitOnFailure = flag(c)
            case .real_server__uthreshold: rs.upperThreshold = int(c, s)
            case .real_server__lthreshold: rs.lowerThreshold = int(c, s)
            case .real_server__notify_up: rs.notifyUp = joined(c); rs.notifyUpCommand = command(c)
            case .real_server__notify_down: rs.notifyDown = joined(c); rs.notifyDownCommand = command(c)
            default:
                if case .block(let ctx) = s.kind, let checker = checker(c, ctx, ssl: s.id == .real_server__SSL_GET) {
                    rs.checkers.append(checker)
                }
            }
        }
        return rs
    }

    mutating func checker(_ n: Node, _ ctx: ContextID, ssl: Bool) -> Checker? {
        let whole = blockSpan(n)
        var conn = CheckConnection()
        var timing = CheckTiming()
        // Only the fields of this checker's own kind are ever set (the table keeps the others
        // out of its context), so the kind's struct is created on first use: most real servers
        // have a TCP_CHECK and should not build and destroy six other structs each.
        var http: HTTPCheck?, misc: MiscCheck?, smtp: SMTPCheck?, dns: DNSCheck?, udp: UDPCheck?
        var file: FileCheck?, bfd: BFDCheck?
        for c in tree.children(n) {
            guard let s = spec(c, ctx) else { continue }
            // Checker contexts share keyword names; one switch on the name serves them all.
            switch CheckerField.of(s) {
            case .other: break
            case .connectIp: conn.connectIP = ip(c)
            case .connectPort: conn.connectPort = int(c, s)
            case .bindto: conn.bindTo = ip(c)
            case .bindPort: conn.bindPort = int(c, s)
            case .bindIf: conn.bindInterface = string(c)
            case .connectTimeout: conn.connectTimeout = decimal(c, s)
            case .fwmark: conn.fwmark = int(c, s)
            case .retry: timing.retry = int(c, s)
            case .delayBeforeRetry: timing.delayBeforeRetry = decimal(c, s)
            case .warmup: timing.warmup = decimal(c, s)
            case .delayLoop: timing.delayLoop = decimal(c, s)
            case .alpha:
                timing.alpha = flag(c)
                if ctx == .BFD_CHECK { bfd = bfd ?? BFDCheck(); bfd!.alpha = timing.alpha }
            case .logAllFailures: timing.logAllFailures = flag(c)
            case .url:
                let u = url(c)
                http = http ?? HTTPCheck(); http!.urls.append(u)
            case .virtualhost: let v = string(c); http = http ?? HTTPCheck(); http!.virtualhost = v
            case .httpProtocol: let v = string(c); http = http ?? HTTPCheck(); http!.httpProtocol = v
            case .miscPath: let v = joined(c); misc = misc ?? MiscCheck(); misc!.path = v; misc!.command = command(c)
            case .miscTimeout: let v = int(c, s); misc = misc ?? MiscCheck(); misc!.timeout = v
            case .miscDynamic: misc = misc ?? MiscCheck(); misc!.dynamic = Located(true, keywordSpan(c))
            case .user: let v = joined(c); misc = misc ?? MiscCheck(); misc!.user = v
            case .heloName: let v = string(c); smtp = smtp ?? SMTPCheck(); smtp!.heloName = v
            case .host: checkBlock(c, .smtp_host)
            case .type: let v = string(c); dns = dns ?? DNSCheck(); dns!.queryType = v
            case .name:
                let v = string(c)
                if ctx == .DNS_CHECK { dns = dns ?? DNSCheck(); dns!.name = v } else { bfd = bfd ?? BFDCheck(); bfd!.name = v }
            case .payload: let v = string(c); udp = udp ?? UDPCheck(); udp!.payload = v
            case .requireReply:
                let v = string(c) ?? Located("", keywordSpan(c))
                udp = udp ?? UDPCheck(); udp!.requireReply = v
            case .minReplyLength: let v = int(c, s); udp = udp ?? UDPCheck(); udp!.minReplyLength = v
            case .maxReplyLength: let v = int(c, s); udp = udp ?? UDPCheck(); udp!.maxReplyLength = v
            case .trackFile: let v = string(c); file = file ?? FileCheck(); file!.trackFile = v
            case .weight: let v = int(c, s); file = file ?? FileCheck(); file!.weight = v
            }
        }
        switch ctx {
        case .TCP_CHECK: return .tcp(TCPCheck(connection: conn, timing: timing), whole)
        case .HTTP_GET:
            var h = http ?? HTTPCheck()
            h.connection = conn; h.timing = timing
            return .http(h, ssl: ssl, whole)
        case .MISC_CHECK: var m = misc ?? MiscCheck(); m.timing = timing; return .misc(m, whole)
        case .SMTP_CHECK: var m = smtp ?? SMTPCheck(); m.connection = conn; m.timing = timing; return .smtp(m, whole)
        case .DNS_CHECK: var d = dns ?? DNSCheck(); d.connection = conn; d.timing = timing; return .dns(d, whole)
        case .UDP_CHECK: var u = udp ?? UDPCheck(); u.connection = conn; u.timing = timing; return .udp(u, whole)
        case .PING_CHECK: return .ping(PingCheck(connection: conn, timing: timing), whole)
        case .FILE_CHECK: return .file(file ?? FileCheck(), whole)
        case .BFD_CHECK: return .bfd(bfd ?? BFDCheck(), whole)
        default: return nil
        }
    }

    mutating func url(_ n: Node) -> HTTPURL {
        var u = HTTPURL(span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .url) else { continue }
            switch s.id {
            case .url__path: u.path = string(c)
            case .url__digest:
                u.digest = string(c)
                if let d = u.digest, d.value.utf8.count != 32 || !d.value.utf8.allSatisfy({ IPAddress.hexValue($0) != nil }) {
                    diags.add(.invalidValue, .error, "digest '\(d.value)' is not an MD5 sum (32 hex digits)", at: d.span)
                }
            case .url__status_code:
                for t in tree.args(c) { u.statusCodes.append(Located(text(t), span(t))) }
            case .url__virtualhost: u.virtualhost = string(c)
            default: break
            }
        }
        return u
    }
}

/// Checker keywords by meaning: the checker contexts share keyword names, so one switch over
/// this enum serves them all. Built once per KeywordID from the table's canonical names.
enum CheckerField: String {
    case other
    case connectIp = "connect_ip"
    case connectPort = "connect_port"
    case bindto
    case bindPort = "bind_port"
    case bindIf = "bind_if"
    case connectTimeout = "connect_timeout"
    case fwmark
    case retry
    case delayBeforeRetry = "delay_before_retry"
    case warmup
    case delayLoop = "delay_loop"
    case alpha
    case logAllFailures = "log_all_failures"
    case url
    case virtualhost
    case httpProtocol = "http_protocol"
    case miscPath = "misc_path"
    case miscTimeout = "misc_timeout"
    case miscDynamic = "misc_dynamic"
    case user
    case heloName = "helo_name"
    case host
    case type
    case name
    case payload
    case requireReply = "require_reply"
    case minReplyLength = "min_reply_length"
    case maxReplyLength = "max_reply_length"
    case trackFile = "track_file"
    case weight

    static let byID: [CheckerField] = {
        var out = [CheckerField](repeating: .other, count: KeywordTable.specs.count + 1)
        for s in KeywordTable.specs where Int(s.id.rawValue) < out.count {
            out[Int(s.id.rawValue)] = CheckerField(rawValue: s.aliasOf ?? s.name) ?? .other
        }
        return out
    }()

    @inline(__always)
    static func of(_ s: KeywordSpec) -> CheckerField { byID[Int(s.id.rawValue)] }
}
