extension Lowering {
    mutating func lowerInstance(_ n: Node) {
        guard let name = string(n), firstDefinition(name, of: "vrrp_instance") else { return }
        var inst = VRRPInstance(name: name, span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .vrrp_instance) else {
                if let typo = lastSuggestion {
                    lastSuggestion = nil
                    inst.misspelt.append(Located(typo.keyword, typo.span))
                }
                continue
            }
            inst.keywords.append(Located(s.name, keywordSpan(c)))
            switch s.id {
            case .vrrp_instance__state:
                if let v = string(c), let st = VRRPState(rawValue: v.value) { inst.state = Located(st, v.span) }
            case .vrrp_instance__interface: inst.interface = string(c)
            case .vrrp_instance__virtual_router_id:
                inst.virtualRouterID = int(c, s)
                inst.virtualRouterIDWritten = true
            case .vrrp_instance__priority: inst.priority = int(c, s)
            case .vrrp_instance__advert_int: inst.advertInterval = decimal(c, s)
            case .vrrp_instance__version: inst.version = int(c, s)
            case .vrrp_instance__nopreempt: inst.nopreempt = flag(c)
            case .vrrp_instance__preempt: inst.nopreempt = nil
            case .vrrp_instance__preempt_delay: inst.preemptDelay = decimal(c, s)
            case .vrrp_instance__garp_master_delay: inst.garpMaster.delay = int(c, s)
            case .vrrp_instance__garp_master_repeat: inst.garpMaster.repeat = int(c, s)
            case .vrrp_instance__garp_master_refresh: inst.garpMaster.refresh = int(c, s)
            case .vrrp_instance__garp_master_refresh_repeat: inst.garpMaster.refreshRepeat = int(c, s)
            case .vrrp_instance__mcast_src_ip: inst.mcastSourceIP = ip(c)
            case .vrrp_instance__unicast_src_ip: inst.unicastSourceIP = ip(c)
            case .vrrp_instance__unicast_peer:
                inst.unicastPeerKeyword = keywordSpan(c)
                for e in tree.children(c) {
                    guard let p = peerEntry(e) else { continue }
                    inst.unicastPeers.append(p)
                    for a in tree.args(e) where text(a) == "min_ttl" || text(a) == "max_ttl" { inst.unicastPeerOptions.append(Located(text(a), span(a))) }
                }
            case .vrrp_instance__authentication: inst.authentication = authentication(c)
            case .vrrp_instance__virtual_ipaddress:
                for e in tree.children(c) { if let v = ipAddressEntry(e) { inst.virtualIPs.append(v) } }
            case .vrrp_instance__virtual_ipaddress_excluded:
                for e in tree.children(c) { if let v = ipAddressEntry(e) { inst.excludedVirtualIPs.append(v) } }
            case .vrrp_instance__track_interface:
                for e in tree.children(c) { if let t = trackEntry(e, weightRange: -254...254) { inst.trackInterfaces.append(t) } }
            case .vrrp_instance__track_script:
                for e in tree.children(c) { if let t = trackEntry(e, weightRange: -254...254) { inst.trackScripts.append(t) } }
            case .vrrp_instance__track_file:
                for e in tree.children(c) { if let t = trackEntry(e, weightRange: -254...254) { inst.trackFiles.append(t) } }
            case .vrrp_instance__track_process:
                for e in tree.children(c) { if let t = trackEntry(e, weightRange: -254...254) { inst.trackProcesses.append(t) } }
            case .vrrp_instance__track_bfd:
                for e in tree.children(c) { if let t = trackEntry(e, weightRange: -253...253) { inst.trackBFD.append(t) } }
            case .vrrp_instance__accept: inst.accept = Located(true, keywordSpan(c))
            case .vrrp_instance__no_accept: inst.accept = Located(false, keywordSpan(c))
            case .vrrp_instance__strict_mode: inst.strictMode = flag(c)
            case .vrrp_instance__use_vmac: inst.useVMAC = joined(c) ?? Located("", keywordSpan(c))
            case .vrrp_instance__notify_master, .vrrp_instance__notify_backup, .vrrp_instance__notify_fault,
                 .vrrp_instance__notify_stop, .vrrp_instance__notify, .vrrp_instance__notify_deleted,
                 .vrrp_instance__notify_master_rx_lower_pri:
                inst.notify[s.name] = joined(c) ?? Located("", keywordSpan(c))
                if let argv = command(c) { inst.notifyCommands[s.name] = argv }
            case .vrrp_instance__virtual_routes, .vrrp_instance__virtual_rules:
                for e in tree.children(c) { routeOrRuleEntry(e, isRule: s.id == .vrrp_instance__virtual_rules) }
                config.untyped.append(UntypedBlock(keyword: s.name, context: "vrrp_instance", span: blockSpan(c), lines: lineCount(c)))
            case .vrrp_instance__auth_hmac:
                checkBlock(c, .auth_hmac)
            default: break
            }
        }
        config.instances.append(inst)
    }

    mutating func authentication(_ n: Node) -> Authentication {
        var auth = Authentication(span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .authentication) else { continue }
            switch s.id {
            case .authentication__auth_type:
                if let v = string(c), let t = AuthType(rawValue: v.value) { auth.type = Located(t, v.span) }
            case .authentication__auth_pass:
                auth.password = joined(c)
            default: break
            }
        }
        return auth
    }

    // MARK: value-block entries

    /// `ADDR[/PREFIX] [brd X] [dev IF] [scope S] [label L] [peer A] [flags…]`.
    mutating func ipAddressEntry(_ e: Node) -> VirtualIP? {
        if ConfigParser.isAnonymous(e, in: tree) { return nil }
        if e.hasBlock {
            diags.add(.syntax, .error, "a block inside an address list is not allowed", at: tree.openBrace(e) ?? keywordSpan(e))
        }
        let words = [tree.keyword(e)] + Array(tree.args(e))
        guard let prefix = prefixValue(words[0], what: "address") else { return nil }
        var vip = VirtualIP(prefix: prefix, span: tree.lineSpan(e))
        var i = 1
        while i < words.count {
            let w = text(words[i])
            let needsValue = ["brd", "broadcast", "dev", "scope", "label", "peer", "preferred_lft", "track_group"]
            if needsValue.contains(w) {
                guard i + 1 < words.count else {
                    diags.add(.missingArgument, .error, "'\(w)' needs a value; keepalived drops this address", at: span(words[i]))
                    return nil
                }
                let v = Located(text(words[i + 1]), span(words[i + 1]))
                switch w {
                case "dev": vip.device = v
                case "label":
                    vip.label = v
                    if v.value.utf8.count > 15 {
                        diags.add(.valueRange, .error, "label '\(v.value)' is longer than 15 characters", at: v.span)
                    }
                case "scope": vip.scope = v
                case "brd", "broadcast":
                    vip.broadcast = v
                    if prefix.address.family == .inet6 {
                        diags.add(.invalidValue, .error, "IPv6 addresses have no broadcast; keepalived drops this address", at: span(words[i]))
                    }
                case "peer": _ = prefixValue(words[i + 1], what: "peer address")
                default: break
                }
                i += 2
                continue
            }
            let flags = ["home", "-nodad", "mngtmpaddr", "noprefixroute", "autojoin", "no_track", "use_vmac"]
            if !flags.contains(w) {
                diags.add(.invalidValue, .warning, "unknown address option '\(w)'; keepalived ignores it", at: span(words[i]))
            }
            i += 1
        }
        return vip
    }

    /// An address with optional `/LEN`, with `bad-mask` for malformed or too-long prefixes.
    mutating func prefixValue(_ t: Token, what: String) -> IPPrefix? {
        switch IPPrefix.parse(raw(t)) {
        case .success(let p): return p
        case .failure(.badAddress(let a)):
            let s = text(t)
            if s.contains("/") {
                diags.add(.badMask, .error, "'\(s)' is not a valid prefix: '\(a)' is not an address", at: span(t),
                          hint: "write all four octets, e.g. 192.168.100.0/24")
            } else {
                diags.add(.invalidValue, .error, "'\(s)' is not a valid \(what)", at: span(t))
            }
            return nil
        case .failure(.badLength(let l)):
            diags.add(.badMask, .error, "prefix length '\(l)' in '\(text(t))' is not a number", at: span(t))
            return nil
        case .failure(.lengthTooLong(let l, let fam)):
            diags.add(.badMask, .error, "prefix length /\(l) is longer than an \(fam == .inet ? "IPv4 address (32)" : "IPv6 address (128)")",
                      at: span(t))
            return nil
        }
    }

    /// `IP [min_ttl N] [max_ttl N]`.
    mutating func peerEntry(_ e: Node) -> Located<IPAddress>? {
        if ConfigParser.isAnonymous(e, in: tree) { return nil }
        let kw = tree.keyword(e)
        guard let a = IPAddress.parse(raw(kw)) else {
            diags.add(.invalidValue, .error, "'\(text(kw))' is not an IP address (unicast_peer)", at: span(kw))
            return nil
        }
        return Located(a, span(kw))
    }

    /// `NAME [weight W [reverse|noreverse]]`.
    mutating func trackEntry(_ e: Node, weightRange: ClosedRange<Int>) -> TrackReference? {
        if ConfigParser.isAnonymous(e, in: tree) { return nil }
        let kw = tree.keyword(e)
        var ref = TrackReference(name: Located(text(kw), span(kw)))
        let args = Array(tree.args(e))
        var i = 0
        while i < args.count {
            let w = text(args[i])
            if w == "weight" {
                guard i + 1 < args.count else {
                    diags.add(.missingArgument, .error, "'weight' needs a value", at: span(args[i]))
                    break
                }
                let v = args[i + 1]
                if let n = NumberParser.integer(raw(v)), weightRange.contains(n) {
                    ref.weight = Located(n, span(v))
                } else {
                    diags.add(.valueRange, .error, "track weight \(text(v)) is outside \(weightRange.lowerBound)..\(weightRange.upperBound)", at: span(v))
                }
                i += 2
            } else if w == "reverse" || w == "noreverse" {
                i += 1
            } else {
                diags.add(.syntax, .warning, "unexpected word '\(w)' in a track entry; keepalived ignores it", at: span(args[i]))
                i += 1
            }
        }
        return ref
    }

    /// Routes and rules are kept untyped; their addresses are still checked, and the spellings
    /// keepalived reports as deprecated are flagged.
    mutating func routeOrRuleEntry(_ e: Node, isRule: Bool) {
        if ConfigParser.isAnonymous(e, in: tree) { return }
        let words = [tree.keyword(e)] + Array(tree.args(e))
        let addressWords: Set<String> = isRule ? ["from", "to"] : ["to", "src", "from", "via", "gw", "or"]
        let special: Set<String> = ["default", "all", "any"]
        var i = 0
        if !isRule {
            // The destination may come first without `to`, after an optional route type.
            let types: Set<String> = ["unicast", "local", "broadcast", "brd", "anycast", "multicast", "prohibit",
                                      "unreachable", "blackhole", "throw", "nat", "xresolve"]
            if i < words.count, types.contains(text(words[i])) { i += 1 }
            if i < words.count, !addressWords.contains(text(words[i])) {
                let w = text(words[i])
                if !special.contains(w) && w != "default6" && w != "inet" && w != "inet6" { _ = prefixValue(words[i], what: "route destination") }
            }
        }
        if !isRule, !words.contains(where: { ["dev", "oif"].contains(text($0)) }) {
            diags.add(.routeUntracked, .warning, "route without 'dev': keepalived cannot track it and will not restore it when it disappears",
                      at: tree.lineSpan(e), hint: "add 'dev IFNAME' (the interface the route leaves by)")
        }
        let before = diags.count(.error)
        defer {
            // An ip rule without a priority: keepalived numbers it from 16384 down in file order.
            if isRule, diags.count(.error) == before,
               !words.contains(where: { ["preference", "priority", "pref", "prio"].contains(text($0)) }) {
                diags.add(.missingKeyword, .warning, "rule without 'preference': keepalived gives it one from 16384 down, in file order, which is probably not what you want",
                          at: tree.lineSpan(e), hint: "add 'preference N' (ip rule's priority) so the rule's place does not depend on the order of the file")
            }
        }
        while i < words.count {
            let w = text(words[i])
            if w == "gw" || w == "or" || w == "default6" {
                let modern = w == "gw" ? "via" : (w == "or" ? "nexthop" : "inet6 default")
                diags.add(.deprecatedKeyword, .warning, "'\(w)' in a route is deprecated", at: span(words[i]), hint: "write '\(modern)'")
            }
            if addressWords.contains(w), i + 1 < words.count {
                let v = text(words[i + 1])
                if !special.contains(v) { _ = prefixValue(words[i + 1], what: "\(w) address") }
                i += 2
                continue
            }
            i += 1
        }
    }
}
