import LVSModel

/// The single-file rules that need the whole model of one config variant.
struct ConfigChecks {
    let config: KeepalivedConfig
    var diags = DiagnosticBag()
    /// Scripts of real servers (notify_up/down, MISC_CHECK), collected in the one pass over
    /// them for the script-security rule.
    var realServerScripts: [ExecutedScript] = []

    static let schedulers: Set<String> = ["rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"]

    init(_ config: KeepalivedConfig) { self.config = config }

    mutating func run() -> DiagnosticBag {
        requiredKeywords()
        vrrpValues()
        authentication()
        duplicateVRID()
        vipClash()
        syncGroups()
        masterNopreempt()
        strictMode()
        unicastSelfPeer()
        references()
        virtualServers()
        keepalivedParity()
        return diags
    }

    func strict(_ i: VRRPInstance) -> Bool {
        i.strictMode?.value ?? config.globalDefs.vrrpStrict?.value ?? false
    }

    func version(_ i: VRRPInstance) -> Int {
        if i.family == .inet6 { return 3 }
        return i.version?.value ?? config.globalDefs.vrrpVersion?.value ?? 2
    }

    mutating func requiredKeywords() {
        for i in config.instances {
            if i.virtualRouterID == nil && !i.virtualRouterIDWritten {
                diags.add(.missingKeyword, .error, "vrrp_instance \(i.name.value) has no virtual_router_id; keepalived refuses it",
                          at: i.name.span, hint: "add 'virtual_router_id N' with N in 1..255, the same on every router of the group")
            }
            if i.interface == nil && i.unicastPeers.isEmpty {
                diags.add(.missingKeyword, .error, "vrrp_instance \(i.name.value) has no interface", at: i.name.span,
                          hint: "add 'interface eth0' (the LAN interface the VIPs live on)")
            }
        }
        for s in config.scripts where s.script == nil {
            // keepalived says so at the block's end, where it finds the script missing.
            let end = SourceSpan(file: s.span.file, offset: s.span.offset + max(s.span.length, 1) - 1, length: 1)
            diags.add(.missingKeyword, .error, "vrrp_script \(s.name.value) has no 'script'; keepalived removes it", at: s.name.span,
                      related: [RelatedLocation(span: end, message: "keepalived removes the vrrp_script here, at the end of its block")])
        }
        // Virtual and real servers: in the single pass of `virtualServers`.
    }

    /// Required keywords and references of one checker; called from the one pass over the
    /// real servers in `realServers`, so 40,000 real servers are walked once, not three times.
    mutating func checkerRules(_ c: Checker, trackFiles: Set<String>, bfds: Set<String>) {
        switch c {
        case .tcp, .ping, .smtp, .dns, .udp: break
        case .http(let h, _, let span):
            statusCodes(h)
            if h.urls.isEmpty { diags.add(.missingKeyword, .error, "\(c.keyword) has no url block; keepalived drops the checker", at: span) }
            for u in h.urls where u.path == nil {
                diags.add(.missingKeyword, .error, "url block without 'path'", at: u.span)
            }
        case .misc(let m, let span):
            if m.path == nil { diags.add(.missingKeyword, .error, "MISC_CHECK has no misc_path; keepalived drops the checker", at: span) }
        case .file(let f, let span):
            if let tf = f.trackFile {
                if !trackFiles.contains(tf.value) {
                    diags.add(.undefinedReference, .error, "FILE_CHECK track_file '\(tf.value)' names no track_file block", at: tf.span)
                }
            } else {
                diags.add(.missingKeyword, .error, "FILE_CHECK has no track_file", at: span)
            }
        case .bfd(let b, let span):
            if let n = b.name {
                if !bfds.contains(n.value) {
                    diags.add(.undefinedReference, .error, "BFD_CHECK name '\(n.value)' names no bfd_instance", at: n.span)
                }
            } else {
                diags.add(.missingKeyword, .error, "BFD_CHECK has no name", at: span)
            }
        }
    }

    mutating func vrrpValues() {
        for i in config.instances {
            if let p = i.priority, p.value == 255 {
                diags.add(.valueRange, .warning,
                          "priority 255 declares this router the address owner: it must hold the VIPs as its own addresses, and it never lets another router preempt",
                          at: p.span, hint: "use 254 or less unless the VIP is this host's real address")
            }
            if let a = i.advertInterval {
                if version(i) == 2, a.value != a.value.rounded() {
                    diags.add(.valueRange, .error, "advert_int \(NumberParser.format(a.value)) is not a whole number of seconds; VRRPv2 rounds it",
                              at: a.span, hint: "use a whole number, or 'version 3' for sub-second adverts")
                }
                if version(i) == 3, a.value >= 40.96 {
                    diags.add(.valueRange, .error, "advert_int \(NumberParser.format(a.value)) is too long for VRRPv3 (at most 40.95 s)", at: a.span)
                }
            }
            if let v = i.version, v.value == 2, i.family == .inet6 {
                diags.add(.valueRange, .error, "VRRPv2 cannot carry IPv6 addresses; keepalived uses version 3", at: v.span)
            }
            var families = Set<IPAddress.Family>()
            for vip in i.virtualIPs { families.insert(vip.prefix.address.family) }
            if families.count > 1, let second = i.virtualIPs.first(where: { $0.prefix.address.family != i.family }) {
                diags.add(.invalidValue, .error, "vrrp_instance \(i.name.value) mixes IPv4 and IPv6 VIPs; keepalived needs one family per instance (move the others to virtual_ipaddress_excluded)",
                          at: second.span)
            }
        }
    }

    mutating func authentication() {
        for i in config.instances {
            guard let auth = i.authentication else { continue }
            let v = version(i)
            if v == 3 {
                diags.add(.authCleartext, .error,
                          "VRRPv3 has no authentication; keepalived ignores this block\(i.family == .inet6 ? " (IPv6 instances always use VRRPv3)" : "")",
                          at: auth.span, hint: "remove the authentication block, or use version 2 for IPv4")
                continue
            }
            if auth.type == nil {
                diags.add(.missingKeyword, .error, "authentication without auth_type", at: auth.span)
            }
            if auth.password == nil {
                diags.add(.missingKeyword, .error, "authentication without auth_pass; keepalived ignores it", at: auth.span)
            }
            if let t = auth.type, t.value == .pass {
                diags.add(.authCleartext, .warning, "auth_type PASS sends the password in clear text in every advertisement",
                          at: t.span, hint: "PASS only guards against misconfiguration; isolate the VRRP LAN instead")
            }
            if let t = auth.type, t.value == .ah, i.effectiveState == .master {
                diags.add(.authCleartext, .error, "keepalived clears AH authentication on an instance whose initial state is MASTER", at: t.span)
            }
            if let p = auth.password, p.value.utf8.count > 8 {
                let kept = String(p.value.prefix(8))
                diags.add(.authPassLength, .warning, "auth_pass is \(p.value.utf8.count) characters; keepalived uses only the first 8 ('\(kept)')",
                          at: p.span, hint: "use at most 8 characters")
            }
        }
    }

    /// The LAN key keepalived uses to tell groups apart: interface, family, multicast group or unicast peers.
    func groupKey(_ i: VRRPInstance) -> String {
        let mcast = i.family == .inet ? (config.globalDefs.vrrpMcastGroup4?.value.description ?? "224.0.0.18")
                                      : (config.globalDefs.vrrpMcastGroup6?.value.description ?? "ff02::12")
        let peers = i.unicastPeers.isEmpty ? "mcast:\(mcast)" : "ucast:" + i.unicastPeers.map { $0.value.description }.sorted().joined(separator: ",")
        return "\(i.interface?.value ?? "")|\(i.family)|\(peers)"
    }

    mutating func duplicateVRID() {
        var seen: [String: VRRPInstance] = [:]
        for i in config.instances {
            guard let vrid = i.virtualRouterID else { continue }
            let key = "\(vrid.value)|\(groupKey(i))"
            if let other = seen[key] {
                diags.add(.duplicateVrid, .error,
                          "vrrp_instance \(i.name.value) uses virtual_router_id \(vrid.value) on \(i.interface?.value ?? "its interface") like \(other.name.value)",
                          at: vrid.span, hint: "give each VRRP group its own virtual_router_id on a LAN",
                          related: [RelatedLocation(span: other.virtualRouterID?.span ?? other.name.span, message: "\(other.name.value) uses it here")])
            } else {
                seen[key] = i
            }
        }
    }

    mutating func vipClash() {
        var seen: [IPAddress: (String, SourceSpan)] = [:]
        seen.reserveCapacity(config.instances.reduce(0) { $0 + $1.virtualIPs.count + $1.excludedVirtualIPs.count })
        for i in config.instances {
            var mine = Set<IPAddress>(minimumCapacity: i.virtualIPs.count + i.excludedVirtualIPs.count)
            for vip in [i.virtualIPs, i.excludedVirtualIPs].joined() {
                let a = vip.prefix.address
                if mine.contains(a) {
                    diags.add(.vipClash, .warning, "VIP \(a) is listed twice in vrrp_instance \(i.name.value)", at: vip.span)
                    continue
                }
                mine.insert(a)
                if let (other, span) = seen[a] {
                    diags.add(.vipClash, .error, "VIP \(a) is in vrrp_instance \(i.name.value) and in \(other)", at: vip.span,
                              related: [RelatedLocation(span: span, message: "\(other) holds it here")])
                } else {
                    seen[a] = (i.name.value, vip.span)
                }
            }
        }
        for s in config.staticAddresses {
            if let (other, span) = seen[s.prefix.address] {
                diags.add(.vipClash, .error, "static address \(s.prefix.address) is also a VIP of \(other)", at: s.span,
                          related: [RelatedLocation(span: span, message: "\(other) holds it here")])
            }
        }
    }

    mutating func syncGroups() {
        let names = Set(config.instances.map { $0.name.value })
        var owner: [String: (String, SourceSpan)] = [:]
        for g in config.syncGroups {
            if g.members.isEmpty {
                diags.add(.syncGroupMember, .error, "vrrp_sync_group \(g.name.value) has no members; keepalived removes it", at: g.name.span)
            } else if g.members.count == 1 {
                diags.add(.syncGroupMember, .warning, "vrrp_sync_group \(g.name.value) has one member; a group of one synchronises nothing",
                          at: g.name.span, hint: "remove the group, or add the instances that must fail over together")
            }
            for m in g.members {
                if !names.contains(m.value) {
                    diags.add(.syncGroupMember, .error, "vrrp_sync_group \(g.name.value) names '\(m.value)', which is no vrrp_instance", at: m.span)
                }
                if let (other, span) = owner[m.value], other != g.name.value {
                    diags.add(.syncGroupMember, .error, "\(m.value) is in vrrp_sync_group \(g.name.value) and in \(other); an instance can be in one group",
                              at: m.span, related: [RelatedLocation(span: span, message: "listed in \(other) here")])
                } else {
                    owner[m.value] = (g.name.value, m.span)
                }
            }
        }
    }

    mutating func masterNopreempt() {
        for i in config.instances {
            if let np = i.nopreempt, np.value, let st = i.state, st.value == .master {
                diags.add(.masterNotHighest, .warning, "nopreempt with state MASTER: keepalived clears nopreempt", at: np.span,
                          hint: "nopreempt needs state BACKUP on every router of the group")
            }
        }
        // Within one file: the MASTER of a group should outrank its BACKUPs (same VRID and LAN).
        var groups: [String: [VRRPInstance]] = [:]
        for i in config.instances { if let v = i.virtualRouterID { groups["\(v.value)|\(groupKey(i))", default: []].append(i) } }
        for (_, members) in groups where members.count > 1 {
            diags.append(contentsOf: ConfigChecks.compareMasters(members.map { ($0, nil) }))
        }
    }

    /// MASTER vs BACKUP priorities among instances of one group (same file, or same instance
    /// across config-id variants).
    static func compareMasters(_ members: [(VRRPInstance, String?)]) -> DiagnosticBag {
        var bag = DiagnosticBag()
        var masters: [(VRRPInstance, String?, Int)] = []
        var backups: [(VRRPInstance, String?, Int)] = []
        for (i, v) in members {
            switch i.effectiveState {
            case .master: masters.append((i, v, i.effectivePriority))
            case .backup: backups.append((i, v, i.effectivePriority))
            default: break
            }
        }
        if masters.isEmpty || backups.isEmpty { return bag }
        // Highest priority first: each MASTER looks only at the BACKUPs that outrank it, and
        // once the findings are capped the rest are counted, not built (20,000 instances of one
        // name must not take minutes).
        backups.sort { $0.2 > $1.2 }
        let who = { (i: VRRPInstance, v: String?) in v.map { "\(i.name.value) (config-id \($0))" } ?? i.name.value }
        for (m, mv, mp) in masters {
            var k = 0
            while k < backups.count, backups[k].2 >= mp {
                if bag.items.count >= bag.limit {
                    // Binary search for how many more outrank this MASTER.
                    var lo = k, hi = backups.count
                    while lo < hi { let mid = (lo + hi) / 2; if backups[mid].2 >= mp { lo = mid + 1 } else { hi = mid } }
                    bag.countDropped(lo - k, .warning)
                    break
                }
                let (b, bv, bp) = backups[k]
                bag.add(.masterNotHighest, .warning,
                        "\(who(m, mv)) starts as MASTER with priority \(mp), but BACKUP \(who(b, bv)) has priority \(bp)",
                        at: m.priority?.span ?? m.state?.span ?? m.name.span,
                        hint: "give the MASTER the highest priority of its group",
                        related: [RelatedLocation(span: b.priority?.span ?? b.name.span, message: "the BACKUP's priority")])
                k += 1
            }
        }
        return bag
    }

    mutating func strictMode() {
        let vsAddresses = Set(config.virtualServers.compactMap { vs -> IPAddress? in
            if case .address(let a, _) = vs.key.value { return a }
            return nil
        })
        for i in config.instances where strict(i) {
            let why = i.strictMode != nil ? "strict_mode" : "vrrp_strict"
            if let auth = i.authentication {
                diags.add(.strictModeConflict, .error, "\(why) forbids authentication; keepalived ignores this block", at: auth.span)
            }
            if let first = i.unicastPeers.first {
                diags.add(.strictModeConflict, .error, "\(why) forbids unicast peers", at: first.span)
            }
            if let d = i.preemptDelay, d.value > 0 {
                diags.add(.strictModeConflict, .error, "\(why) forbids preempt_delay", at: d.span)
            }
            if i.state?.value == .master, i.effectivePriority != 255 {
                diags.add(.strictModeConflict, .error, "\(why): state MASTER must go with priority 255 (address owner); keepalived starts it as BACKUP",
                          at: i.state!.span)
            }
            if i.accept?.value != true, i.effectivePriority != 255,
               let vip = i.virtualIPs.first(where: { vsAddresses.contains($0.prefix.address) }) {
                diags.add(.strictModeConflict, .warning,
                          "\(why) turns 'accept' off: VIP \(vip.prefix.address) serves a virtual_server but drops traffic when this router is MASTER",
                          at: vip.span, hint: "add 'accept' to vrrp_instance \(i.name.value)")
            }
        }
    }

    mutating func unicastSelfPeer() {
        for i in config.instances {
            guard let src = i.unicastSourceIP else { continue }
            for p in i.unicastPeers where p.value == src.value {
                diags.add(.unicastSelfPeer, .error, "unicast_peer \(p.value) is this instance's own unicast_src_ip", at: p.span,
                          related: [RelatedLocation(span: src.span, message: "unicast_src_ip")])
            }
        }
    }

    mutating func references() {
        let scripts = Set(config.scripts.filter { $0.script != nil }.map { $0.name.value })
        let files = Set(config.trackFiles.map(\.value))
        let processes = Set(config.trackProcesses.map(\.value))
        let bfds = Set(config.bfdInstances.map(\.value))
        for i in config.instances {
            for t in i.trackScripts where !scripts.contains(t.name.value) {
                diags.add(.undefinedReference, .error, "track_script '\(t.name.value)' names no vrrp_script (with a script); keepalived ignores it",
                          at: t.name.span)
            }
            for t in i.trackFiles where !files.contains(t.name.value) {
                diags.add(.undefinedReference, .error, "track_file '\(t.name.value)' names no track_file block", at: t.name.span)
            }
            for t in i.trackProcesses where !processes.contains(t.name.value) {
                diags.add(.undefinedReference, .error, "track_process '\(t.name.value)' names no vrrp_track_process", at: t.name.span)
            }
            for t in i.trackBFD where !bfds.contains(t.name.value) {
                diags.add(.undefinedReference, .error, "track_bfd '\(t.name.value)' names no bfd_instance", at: t.name.span)
            }
        }
        // Virtual server groups and checker references: in the single pass of `virtualServers`.
    }

    func describe(_ key: VirtualServerKey) -> String {
        switch key {
        case .address(let a, let p):
            let addr = a.family == .inet6 ? "[\(a)]" : a.description
            return p.map { "\(addr):\($0)" } ?? addr
        case .fwmark(let m): return "fwmark \(m)"
        case .group(let g): return "group \(g)"
        }
    }

    mutating func virtualServers() {
        var owned = Set<IPAddress>()
        owned.reserveCapacity(config.instances.reduce(config.staticAddresses.count) { $0 + $1.virtualIPs.count + $1.excludedVirtualIPs.count })
        for i in config.instances { for v in i.virtualIPs + i.excludedVirtualIPs { owned.insert(v.prefix.address) } }
        for s in config.staticAddresses { owned.insert(s.prefix.address) }
        struct ServiceKey: Hashable { var key: VirtualServerKey; var proto: IPProtocol? }
        var seen: [ServiceKey: SourceSpan] = [:]
        seen.reserveCapacity(config.virtualServers.count)
        let groups = Set(config.virtualServerGroups.map { $0.name.value })
        let groupsByName = Dictionary(config.virtualServerGroups.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        let trackFiles = Set(config.trackFiles.map(\.value))
        let bfds = Set(config.bfdInstances.map(\.value))
        for vs in config.virtualServers {
            if vs.realServers.isEmpty {
                diags.add(.missingKeyword, .warning, "virtual_server \(describe(vs.key.value)) has no real_server; keepalived ignores it",
                          at: vs.key.span)
            }
            if case .group(let g) = vs.key.value, !groups.contains(g) {
                diags.add(.undefinedReference, .error, "virtual_server group '\(g)' names no virtual_server_group", at: vs.key.span)
            }
            if case .fwmark = vs.key.value, let p = vs.proto {
                diags.add(.invalidValue, .warning, "protocol has no effect on a fwmark virtual_server; keepalived ignores it",
                          at: p.span, hint: "the firewall rule that sets the mark decides the protocol")
            }
            if case .address(let a, _) = vs.key.value {
                if !owned.contains(a) {
                    diags.add(.virtualServerUnowned, .warning,
                              "virtual_server \(describe(vs.key.value)): no vrrp_instance or static_ipaddress in this file holds \(a)",
                              at: vs.key.span, hint: "add \(a) to the virtual_ipaddress of the instance that fronts this service")
                }
                if vs.proto == nil {
                    diags.add(.protocolMissing, .warning, "virtual_server \(describe(vs.key.value)) has no 'protocol'; keepalived defaults to UDP",
                              at: vs.key.span, hint: "add 'protocol TCP' for TCP services such as HTTP")
                }
            }
            var protoKey = ""
            var key = ServiceKey(key: vs.key.value, proto: nil)
            if case .address = vs.key.value {
                key.proto = vs.proto?.value ?? .udp
                protoKey = key.proto!.rawValue
            }
            if let first = seen[key] {
                diags.add(.duplicateVirtualServer, .error, "virtual_server \(describe(vs.key.value))\(protoKey.isEmpty ? "" : " (\(protoKey))") is defined twice",
                          at: vs.key.span, related: [RelatedLocation(span: first, message: "first defined here")])
            } else {
                seen[key] = vs.key.span
            }
            scheduler(vs)
            persistenceEngine(vs)
            if vs.portZeroMadePersistent(groups: groupsByName) {
                diags.add(.portZeroPersistence, .warning,
                          "virtual_server \(describe(vs.key.value)) serves port 0 without persistence_timeout: keepalived makes it persistent for 360 s and reports a config error",
                          at: vs.key.span, hint: "add 'persistence_timeout N' (a port-0 service forwards every port, which only works persistent)")
            }
            if !vs.methodWritten, !vs.realServers.isEmpty {
                if let typo = vs.misspelt.first(where: { $0.value == "lb_kind" }) {
                    diags.add(.unknownForwarding, .note, "so virtual_server \(describe(vs.key.value)) has no lb_kind, and keepalived uses NAT",
                              at: typo.span)
                } else {
                    diags.add(.unknownForwarding, .warning, "virtual_server \(describe(vs.key.value)) has no lb_kind; keepalived uses NAT and reports a config error",
                              at: vs.key.span, hint: "add 'lb_kind DR' (or NAT/TUN) explicitly")
                }
            }
            let totalWeight = realServers(vs, trackFiles: trackFiles, bfds: bfds)
            quorumWeights(vs, totalWeight: totalWeight)
        }
    }

    mutating func scheduler(_ vs: VirtualServer) {
        guard let s = vs.scheduler else {
            if !vs.schedulerWritten, !vs.realServers.isEmpty, let typo = vs.misspelt.first(where: { $0.value == "lb_algo" }) {
                diags.add(.unknownScheduler, .note, "so virtual_server \(describe(vs.key.value)) has no lb_algo, and keepalived uses wlc",
                          at: typo.span)
            } else if !vs.schedulerWritten, !vs.realServers.isEmpty {
                diags.add(.unknownScheduler, .warning, "virtual_server \(describe(vs.key.value)) has no lb_algo; keepalived uses wlc and reports a config error",
                          at: vs.key.span, hint: "add 'lb_algo wlc' (or rr, wrr, ...) explicitly")
            }
            return
        }
        if !ConfigChecks.schedulers.contains(s.value) {
            let lower = s.value.lowercased()
            let hint = ConfigChecks.schedulers.contains(lower) ? "write '\(lower)'" : "one of: \(ConfigChecks.schedulers.sorted().joined(separator: " "))"
            diags.add(.unknownScheduler, .error, "'\(s.value)' is not an IPVS scheduler keepalived accepts", at: s.span, hint: hint)
        }
        for f in vs.schedulerFlags {
            if f.value.hasPrefix("sh-") && s.value != "sh" || f.value.hasPrefix("mh-") && s.value != "mh" {
                diags.add(.unknownScheduler, .warning, "'\(f.value)' only applies to the \(f.value.prefix(2)) scheduler, not \(s.value)", at: f.span)
            }
        }
    }

    /// The kernel has one persistence engine, `sip` (ip_vs_pe_sip); the name goes into ipvsadm
    /// scripts, so it must be a plain name.
    mutating func persistenceEngine(_ vs: VirtualServer) {
        guard let pe = vs.persistenceEngine else { return }
        if let problem = ValueSyntax.persistenceEngineProblem(pe.value) {
            diags.add(.persistenceEngine, .error, problem, at: pe.span, hint: "the only engine Linux has is 'sip'")
        } else if pe.value != "sip" {
            diags.add(.persistenceEngine, .warning, "'\(pe.value)' is not a persistence engine Linux has; adding the service fails unless a module provides it",
                      at: pe.span, hint: "the only engine Linux has is 'sip' (module ip_vs_pe_sip)")
        }
    }

    /// Returns the real servers' total weight (keepalived's default weight is 1).
    mutating func realServers(_ vs: VirtualServer, trackFiles: Set<String>, bfds: Set<String>) -> Int {
        var total = 0
        // A handful of real servers per service: a linear scan beats hashing.
        var seen: [(IPAddress, Int, SourceSpan)] = []
        seen.reserveCapacity(vs.realServers.count)
        var vsPort: Int?
        if case .address(_, let p) = vs.key.value { vsPort = p }
        for rs in vs.realServers {
            total += rs.weight?.value ?? 1
            let port = rs.port?.value ?? 0
            if let first = seen.first(where: { $0.0 == rs.address.value && $0.1 == port })?.2 {
                diags.add(.duplicateRealServer, .error, "real_server \(rs.address.value)\(port > 0 ? " \(port)" : "") appears twice in virtual_server \(describe(vs.key.value)); keepalived drops the second",
                          at: rs.address.span, related: [RelatedLocation(span: first, message: "first listed here")])
            } else {
                seen.append((rs.address.value, port, rs.address.span))
            }
            for c in rs.checkers {
                checkerRules(c, trackFiles: trackFiles, bfds: bfds)
                if case .misc(let m, _) = c, let p = m.path {
                    realServerScripts.append(ExecutedScript(what: "MISC_CHECK of real_server \(rs.address.value)", span: p.span, user: m.user?.value))
                }
            }
            // Rare fields: a nil box, no allocation, for almost every real server.
            if let n = rs.notifyUp { realServerScripts.append(ExecutedScript(what: "notify_up of real_server \(rs.address.value)", span: n.span, user: nil)) }
            if let n = rs.notifyDown { realServerScripts.append(ExecutedScript(what: "notify_down of real_server \(rs.address.value)", span: n.span, user: nil)) }
            let method = rs.method?.value ?? vs.effectiveMethod
            if method != .nat, let vp = vsPort, let rp = rs.port, rp.value != vp, rp.value != 0 {
                diags.add(.drPortMismatch, .error,
                          "real_server port \(rp.value) differs from the service port \(vp); \(method.keyword) cannot change the destination port and keepalived uses \(vp)",
                          at: rp.span, hint: "use port \(vp), or lb_kind NAT to map ports")
            }
        }
        return total
    }
}
