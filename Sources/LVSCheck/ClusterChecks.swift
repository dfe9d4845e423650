import LVSModel

/// Rules across all directors of an inventory: what no single keepalived ever sees.
struct ClusterChecks {
    let cluster: Cluster
    let groups: VRRPGroups
    /// Inventory line index by address.
    let hostByAddress: [IPAddress: Int]
    /// Global group number of every entry of `groups.instances`.
    var groupOf: [Int] = []
    var diags = DiagnosticBag(limit: 20_000)

    init(_ cluster: Cluster) {
        self.cluster = cluster
        self.groups = VRRPGroups(cluster)
        self.hostByAddress = cluster.hostIndex()
        groupOf = Array(repeating: 0, count: groups.instances.count)
        var n = 0
        for b in groups.buckets {
            for g in b.groups {
                for i in g { groupOf[i] = n }
                n += 1
            }
        }
    }

    mutating func run() -> DiagnosticBag {
        for g in groups.sharedGroups {
            masterBackup(g)
            instanceDrift(g)
        }
        for b in groups.buckets where b.groups.count > 1 { duplicateVRID(b.key, b.groups) }
        vips()
        syncGroupDrift()
        lanRules()
        realServersKnown()
        natGateways()
        interfaceLANs()
        routerIDs()
        unicastPeers()
        serviceDrift()
        return diags
    }

    // MARK: naming

    func director(_ ci: ClusterInstance) -> ClusterDirector { cluster.directors[ci.director] }
    func who(_ ci: ClusterInstance) -> String { "\(director(ci).name)'s vrrp_instance \(ci.instance.name.value)" }
    func prioritySpan(_ i: VRRPInstance) -> SourceSpan { i.priority?.span ?? i.state?.span ?? i.name.span }
    func describe(_ key: BucketKey) -> String {
        "VRID \(key.vrid) (\(key.family == .inet ? "IPv4" : "IPv6"), LAN \(key.lan), \(key.transport))"
    }

    // MARK: master-backup-mismatch

    mutating func masterBackup(_ g: [Int]) {
        let members = g.map { groups.instances[$0] }
        let masters = members.filter { $0.instance.effectiveState == .master }
        let first = masters.first
        // keepalived settles two stated MASTERs by priority at once: worth a warning, and not
        // a reason to block every emitter.
        for m in masters.dropFirst() {
            diags.add(.masterBackupMismatch, .warning,
                      "\(who(m)) and \(who(first!)) both start as MASTER of one VRRP group: the one with the lower priority (or address) drops back at once",
                      at: m.instance.state?.span ?? prioritySpan(m.instance),
                      hint: "make every director but one BACKUP",
                      related: [RelatedLocation(span: first!.instance.state?.span ?? prioritySpan(first!.instance), message: "the other MASTER")])
        }
        if let m = first {
            for b in members where b.instance.effectiveState == .backup && b.instance.effectivePriority > m.instance.effectivePriority {
                diags.add(.masterBackupMismatch, .error,
                          "BACKUP \(who(b)) has priority \(b.instance.effectivePriority), above MASTER \(who(m)) with \(m.instance.effectivePriority): it takes over as soon as it hears the MASTER",
                          at: prioritySpan(b.instance), hint: "give the MASTER the highest priority of its group",
                          related: [RelatedLocation(span: prioritySpan(m.instance), message: "the MASTER's priority")])
            }
        }
        var seen: [Int: ClusterInstance] = [:]
        for c in members {
            let p = c.instance.effectivePriority
            if let other = seen[p] {
                diags.add(.masterBackupMismatch, .warning,
                          "\(who(c)) and \(who(other)) both have priority \(p): which one is master is then decided by their primary addresses, not by the configuration",
                          at: prioritySpan(c.instance), hint: "give each director of a VRRP group its own priority (e.g. MASTER 150, BACKUP 100)",
                          related: [RelatedLocation(span: prioritySpan(other.instance), message: "the same priority")])
            } else { seen[p] = c }
        }
        for c in members where c.instance.effectivePriority == 255 {
            let own = director(c).host.address?.value
            if own == nil || !c.instance.virtualIPs.contains(where: { $0.prefix.address == own }) {
                diags.add(.masterBackupMismatch, .error,
                          "priority 255 is for the address owner, but none of \(who(c))'s VIPs is \(director(c).name)'s own address\(own.map { " \($0)" } ?? "")",
                          at: prioritySpan(c.instance), hint: "use 254 or less; a non-owner at 255 answers for addresses it does not own")
            }
        }
    }

    // MARK: peer-config-drift (VRRP side)

    /// The member others are compared with: the MASTER, else the highest priority.
    func reference(_ g: [Int]) -> ClusterInstance {
        let members = g.map { groups.instances[$0] }
        return members.first { $0.instance.effectiveState == .master }
            ?? members.max { $0.instance.effectivePriority < $1.instance.effectivePriority }!
    }

    mutating func instanceDrift(_ g: [Int]) {
        let ref = reference(g)
        for i in g {
            let o = groups.instances[i]
            if o.director == ref.director { continue }
            compareVIPs(ref, o)
            let ri = ref.instance, oi = o.instance
            drift("advert_int", NumberParser.format(ri.advertInterval?.value ?? 1), ri.advertInterval?.span ?? ri.name.span,
                  NumberParser.format(oi.advertInterval?.value ?? 1), oi.advertInterval?.span ?? oi.name.span, who(ref), who(o))
            drift("VRRP version", String(version(ref)), ri.version?.span ?? ri.name.span,
                  String(version(o)), oi.version?.span ?? oi.name.span, who(ref), who(o))
            drift("auth_type", ri.authentication?.type?.value.rawValue ?? "none", ri.authentication?.type?.span ?? ri.authentication?.span ?? ri.name.span,
                  oi.authentication?.type?.value.rawValue ?? "none", oi.authentication?.type?.span ?? oi.authentication?.span ?? oi.name.span, who(ref), who(o))
            if let rp = ri.authentication?.password, let op = oi.authentication?.password, rp.value != op.value {
                diags.add(.peerConfigDrift, .error, "\(who(o)) has another auth_pass than \(who(ref)): they discard each other's adverts and both become MASTER",
                          at: op.span, related: [RelatedLocation(span: rp.span, message: "\(director(ref).name)'s auth_pass")])
            }
        }
    }

    func version(_ c: ClusterInstance) -> Int {
        c.instance.version?.value ?? director(c).config?.globalDefs.vrrpVersion?.value ?? 2
    }

    mutating func compareVIPs(_ ref: ClusterInstance, _ o: ClusterInstance) {
        var refVIPs: [IPAddress: VirtualIP] = [:]
        for v in ref.instance.virtualIPs where refVIPs[v.prefix.address] == nil { refVIPs[v.prefix.address] = v }
        var seen = Set<IPAddress>()
        for v in o.instance.virtualIPs where seen.insert(v.prefix.address).inserted {
            guard let r = refVIPs[v.prefix.address] else {
                diags.add(.peerConfigDrift, .error, "VIP \(v.prefix.address) is on \(who(o)) but not on \(who(ref))", at: v.span,
                          hint: "the directors of one VRRP group must carry the same virtual_ipaddress list",
                          related: [RelatedLocation(span: ref.instance.name.span, message: "\(director(ref).name)'s instance")])
                continue
            }
            if r.prefix.length != v.prefix.length || !sameInterface(r.device?.value, of: ref, v.device?.value, of: o)
                || !sameLabel(r.label?.value, of: ref, v.label?.value, of: o) {
                diags.add(.peerConfigDrift, .error,
                          "VIP \(v.prefix.address) is \(vipText(v)) on \(who(o)) but \(vipText(r)) on \(who(ref))", at: v.span,
                          related: [RelatedLocation(span: r.span, message: "\(director(ref).name)'s line")])
            }
        }
        for r in ref.instance.virtualIPs where !seen.contains(r.prefix.address) {
            seen.insert(r.prefix.address)
            diags.add(.peerConfigDrift, .error, "\(who(o)) lacks VIP \(r.prefix.address), which \(who(ref)) carries: after a failover it is not served",
                      at: o.instance.name.span, hint: "copy the line into \(director(o).name)'s virtual_ipaddress block",
                      related: [RelatedLocation(span: r.span, message: "\(director(ref).name)'s line")])
        }
    }

    /// Two directors' interface names for one thing: the same when cluster.txt puts them on
    /// the same LAN (eth0 on one director, ens192 on the other), else when they are equal.
    func sameInterface(_ a: String?, of ca: ClusterInstance, _ b: String?, of cb: ClusterInstance) -> Bool {
        if a == b { return true }
        guard let a, let b else { return false }
        if let la = director(ca).host.lan(of: a)?.key, let lb = director(cb).host.lan(of: b)?.key { return la == lb }
        return false
    }

    /// Labels `IFACE:TAG`: the same tag on interfaces of the same LAN.
    func sameLabel(_ a: String?, of ca: ClusterInstance, _ b: String?, of cb: ClusterInstance) -> Bool {
        if a == b { return true }
        guard let a, let b, let ca1 = a.firstIndex(of: ":"), let cb1 = b.firstIndex(of: ":") else { return false }
        return a[ca1...] == b[cb1...] && sameInterface(String(a[..<ca1]), of: ca, String(b[..<cb1]), of: cb)
    }

    func vipText(_ v: VirtualIP) -> String {
        var s = "\(v.prefix.address)/\(v.prefix.length)"
        if let d = v.device { s += " dev \(d.value)" }
        if let l = v.label { s += " label \(l.value)" }
        return s
    }

    /// One value that must agree between two directors.
    mutating func drift(_ what: String, _ rv: String, _ rspan: SourceSpan, _ ov: String, _ ospan: SourceSpan, _ refName: String, _ otherName: String) {
        guard rv != ov else { return }
        diags.add(.peerConfigDrift, .error, "\(what) is \(ov) on \(otherName) but \(rv) on \(refName)", at: ospan,
                  related: [RelatedLocation(span: rspan, message: "\(refName): \(what) \(rv)")])
    }

    // MARK: duplicate-vrid

    mutating func duplicateVRID(_ key: BucketKey, _ list: [[Int]]) {
        for (k, g) in list.enumerated() where k > 0 {
            let mine = g.map { groups.instances[$0] }
            for earlier in list[..<k] {
                let theirs = earlier.map { groups.instances[$0] }
                // Two groups inside one director's file are the one-file rule's finding.
                if !Set(mine.map(\.director)).isDisjoint(with: theirs.map(\.director)) { continue }
                if key.transport == .unicast {
                    let a = mine.reduce(into: Set<IPAddress>()) { $0.formUnion($1.unicastAddresses) }
                    let b = theirs.reduce(into: Set<IPAddress>()) { $0.formUnion($1.unicastAddresses) }
                    if a.isDisjoint(with: b) { continue }
                }
                let x = mine[0], y = theirs[0]
                diags.add(.duplicateVrid, .error,
                          "\(describe(key)) is used by two VRRP groups: \(who(x)) and \(who(y)) share no VIP, yet their adverts meet and both claim virtual MAC 00:00:5e:00:0\(key.family == .inet ? 1 : 2):\(hex2(key.vrid))",
                          at: x.instance.virtualRouterID?.span ?? x.instance.name.span,
                          hint: "give one group another virtual_router_id; if they are meant to be one group, their virtual_ipaddress lists have drifted apart",
                          related: [RelatedLocation(span: y.instance.virtualRouterID?.span ?? y.instance.name.span, message: "the other group's virtual_router_id")])
                break
            }
        }
    }

    func hex2(_ v: Int) -> String {
        let h = Array("0123456789abcdef")
        return String([h[(v >> 4) & 0xF], h[v & 0xF]])
    }

    // MARK: vip-clash, vip-not-in-inventory, inventory-vip-unused

    mutating func vips() {
        var vridDrift = Set<[Int]>()
        let hosts = cluster.inventory.hosts
        var firstByVIP: [IPAddress: (group: Int, at: Int, vip: VirtualIP)] = [:]
        for (i, ci) in groups.instances.enumerated() {
            let own = director(ci).host.address?.value
            for v in ci.instance.virtualIPs {
                let a = v.prefix.address
                if let e = firstByVIP[a] {
                    let first = e.vip
                    let other = groups.instances[e.at]
                    if e.group != groupOf[i] && other.director != ci.director && other.instance.name.value == ci.instance.name.value
                        && other.vrid != ci.vrid {
                        // One instance copied to two directors with another VRID: the cause is
                        // the VRID line, once, not a clash on every VIP.
                        if vridDrift.insert([ci.director, other.director, groupOf[i], e.group]).inserted {
                            let mine = ci.instance.virtualRouterID?.span ?? ci.instance.name.span
                            let theirs = other.instance.virtualRouterID?.span ?? other.instance.name.span
                            diags.add(.peerConfigDrift, .error,
                                      "vrrp_instance \(ci.instance.name.value) has virtual_router_id \(ci.vrid) on \(director(ci).name) but \(other.vrid) on \(director(other).name): the two copies are different VRRP groups, never hear each other, and both become MASTER of the same VIPs",
                                      at: mine, hint: "use one virtual_router_id for the instance on every director",
                                      related: [RelatedLocation(span: theirs, message: "\(director(other).name): virtual_router_id \(other.vrid)")])
                        }
                    } else if e.group != groupOf[i] && other.director != ci.director {
                        diags.add(.vipClash, .error, "VIP \(a) of \(who(ci)) is also a VIP of \(who(groups.instances[e.at])), another VRRP group",
                                  at: v.span, hint: "two masters would answer ARP for it at once",
                                  related: [RelatedLocation(span: first.span, message: "the other group's VIP")])
                    }
                } else { firstByVIP[a] = (groupOf[i], i, v) }
                if let h = hostByAddress[a] {
                    if !hosts[h].isFloatingVIP && a != own {
                        diags.add(.vipClash, .error, "VIP \(a) of \(who(ci)) is host \(hosts[h].name.value)'s own address", at: v.span,
                                  related: [RelatedLocation(span: hosts[h].address!.span, message: "\(hosts[h].name.value) in the inventory")])
                    }
                } else if a != own {
                    diags.add(.vipNotInInventory, .warning, "VIP \(a) of \(who(ci)) has no LB line in \(cluster.inventory.path), so monitoring never checks it",
                              at: v.span, hint: "add: NAME 00:00:00:00:00:00 LB LABEL SERVICE \(a) -")
                }
            }
        }
        var used = Set(firstByVIP.keys)
        for d in cluster.directors {
            guard let c = d.config else { continue }
            // virtual_ipaddress_excluded: held by the MASTER too, just not in its adverts.
            for i in c.instances { for v in i.excludedVirtualIPs { used.insert(v.prefix.address) } }
            for s in c.staticAddresses { used.insert(s.prefix.address) }
            for vs in c.virtualServers { if case .address(let a, _) = vs.key.value { used.insert(a) } }
            for g in c.virtualServerGroups {
                for e in g.entries {
                    guard case .range(let first, let last, _) = e.kind else { continue }
                    used.insert(first); used.insert(last)
                    if case .v4(let x) = first, case .v4(let y) = last, x < y, y - x < 4096 {
                        for v in x...y { used.insert(.v4(v)) }
                    }
                }
            }
        }
        for h in hosts where h.isFloatingVIP {
            if let a = h.address, !used.contains(a.value) {
                diags.add(.inventoryVipUnused, .warning,
                          "\(h.name.value) (\(a.value)) is a floating VIP in the inventory, but no director carries it: monitoring will report it down",
                          at: a.span, hint: "add it to a vrrp_instance's virtual_ipaddress, or delete the line")
            }
        }
    }

    // MARK: peer-config-drift of sync groups

    /// Instances one director moves together (a sync group) must move together on every
    /// director: otherwise, after a partial failover, a service VIP and the NAT gateway VIP of
    /// its real servers can sit on different directors.
    mutating func syncGroupDrift() {
        guard cluster.directors.contains(where: { !($0.config?.syncGroups.isEmpty ?? true) }) else { return }
        // (director, instance name) → index in groups.instances.
        var index: [String: Int] = [:]
        // Per director: VRRP group → its instances there.
        var byGroup = [[Int: [Int]]](repeating: [:], count: cluster.directors.count)
        for (i, ci) in groups.instances.enumerated() {
            index["\(ci.director)\u{0}\(ci.instance.name.value)"] = i
            byGroup[ci.director][groupOf[i], default: []].append(i)
        }
        // Per director: instance name → its sync group.
        var syncOf: [[String: SyncGroup]] = []
        for d in cluster.directors {
            var m: [String: SyncGroup] = [:]
            for g in d.config?.syncGroups ?? [] { for member in g.members where m[member.value] == nil { m[member.value] = g } }
            syncOf.append(m)
        }
        var reported = Set<[Int]>()
        for (a, director) in cluster.directors.enumerated() {
            for g in director.config?.syncGroups ?? [] {
                // The VRRP groups this sync group holds on director a.
                let members = g.members.compactMap { index["\(a)\u{0}\($0.value)"] }
                guard members.count > 1 else { continue }
                let vrrpGroups = Set(members.map { groupOf[$0] })
                for (b, other) in cluster.directors.enumerated() where b != a && other.config != nil {
                    // Director b's instances of those VRRP groups.
                    let theirs = vrrpGroups.sorted().flatMap { byGroup[b][$0] ?? [] }
                    guard theirs.count > 1 else { continue }
                    let names = theirs.map { groups.instances[$0].instance.name.value }
                    let syncNames = Set(names.map { syncOf[b][$0]?.name.value ?? "" })
                    if syncNames.count == 1, syncNames.first != "" { continue }
                    let key = [min(a, b), max(a, b)] + vrrpGroups.sorted()
                    guard reported.insert(key).inserted else { continue }
                    let together = names.joined(separator: ", ")
                    let how = syncNames == [""] ? "in no vrrp_sync_group" : "not in one vrrp_sync_group"
                    let at = theirs.compactMap { syncOf[b][groups.instances[$0].instance.name.value]?.name.span }.first
                        ?? groups.instances[theirs[0]].instance.name.span
                    diags.add(.peerConfigDrift, .error,
                              "\(together) are \(how) on \(other.name), but vrrp_sync_group \(g.name.value) moves them together on \(director.name): after a failover of one of them, their VIPs can sit on different directors",
                              at: at, hint: "give \(other.name) the same vrrp_sync_group (the members must be the same on every director)",
                              related: [RelatedLocation(span: g.name.span, message: "\(director.name)'s vrrp_sync_group \(g.name.value)")])
                }
            }
        }
    }

    // MARK: bad-mask, dr-not-same-lan

    mutating func lanRules() {
        for d in cluster.directors {
            guard let c = d.config, let net = d.host.subnet, let iface = d.host.interface, let own = d.host.address else { continue }
            for inst in c.instances where (inst.interface?.value ?? c.globalDefs.defaultInterface?.value) == iface.value {
                for v in inst.virtualIPs where v.prefix.explicitLength && v.prefix.address.family == own.value.family && (v.device == nil || v.device?.value == iface.value) {
                    if !v.prefix.contains(own.value) {
                        diags.add(.badMask, .error,
                                  "VIP \(v.prefix) on \(iface.value) does not contain \(d.name)'s address \(own.value): the kernel gets a route to a subnet the director is not on",
                                  at: v.span, hint: "use the LAN's prefix length /\(net.value.length) (net=\(net.value)), or /\(v.prefix.address.maxPrefix)",
                                  related: [RelatedLocation(span: net.span, message: "\(d.name)'s LAN in the inventory")])
                    } else if v.prefix.length != net.value.length {
                        diags.add(.badMask, .warning,
                                  "VIP \(v.prefix) has prefix length /\(v.prefix.length), but \(d.name)'s LAN is \(net.value)",
                                  at: v.span, hint: "write /\(net.value.length) as the inventory says, or correct net= there",
                                  related: [RelatedLocation(span: net.span, message: "\(d.name)'s LAN in the inventory")])
                    }
                }
            }
            for vs in c.virtualServers {
                for rs in vs.realServers {
                    let method = rs.method?.value ?? vs.effectiveMethod
                    guard method == .directRouting, rs.address.value.family == net.value.address.family,
                          !net.value.contains(rs.address.value) else { continue }
                    diags.add(.drNotSameLan, .error,
                              "real server \(rs.address.value) is forwarded by direct routing but is outside \(d.name)'s LAN \(net.value): DR rewrites only the MAC, so the frame never reaches it",
                              at: rs.address.span, hint: "put the real server on the director's LAN, or use lb_kind TUN or NAT",
                              related: [RelatedLocation(span: net.span, message: "\(d.name)'s LAN in the inventory")])
                }
            }
        }
    }

    // MARK: real-server-unknown

    mutating func realServersKnown() {
        // `-f FILE`: no inventory to be missing from.
        guard cluster.hasInventory else { return }
        // One finding per missing host, listing where it is used: the cause is one missing
        // line in cluster.txt, however many services name the host.
        struct Use { var director: String; var service: String; var span: SourceSpan; var nat: Bool }
        var uses: [IPAddress: [Use]] = [:]
        var order: [IPAddress] = []
        for d in cluster.directors {
            guard let c = d.config else { continue }
            for vs in c.virtualServers {
                for rs in vs.realServers where hostByAddress[rs.address.value] == nil {
                    if uses[rs.address.value] == nil { order.append(rs.address.value) }
                    uses[rs.address.value, default: []].append(
                        Use(director: d.name, service: serviceName(vs), span: rs.address.span, nat: (rs.method?.value ?? vs.effectiveMethod) == .nat))
                }
            }
        }
        for a in order {
            let list = uses[a]!
            var byDirector: [(String, [String])] = []
            for u in list {
                if let k = byDirector.firstIndex(where: { $0.0 == u.director }) {
                    if !byDirector[k].1.contains(u.service) { byDirector[k].1.append(u.service) }
                } else { byDirector.append((u.director, [u.service])) }
            }
            let whereUsed = byDirector.map { "\($0.0)'s \($0.1.count > 4 ? $0.1.prefix(4).joined(separator: ", ") + " and \($0.1.count - 4) more" : $0.1.joined(separator: ", "))" }.joined(separator: "; ")
            let related = list.dropFirst().prefix(8).map { RelatedLocation(span: $0.span, message: "\($0.director)'s \($0.service) uses it too") }
            if list.allSatisfy(\.nat) {
                diags.add(.realServerUnknown, .warning,
                          "NAT real server \(a) is not in \(cluster.inventory.path): no monitoring, and no block that sets its default route (used by \(whereUsed))",
                          at: list[0].span, hint: "add a host line for it", related: related)
            } else {
                diags.add(.realServerUnknown, .error,
                          "real server \(a) is not in \(cluster.inventory.path): it gets no rc.final block, so it drops the VIP's packets the directors forward to it (used by \(whereUsed))",
                          at: list[0].span, hint: "add a host line for it (emit rc-final then writes its VIP and ARP settings)", related: related)
            }
        }
    }

    // MARK: interface-not-in-inventory, split LANs

    /// Each instance's interface should be one cluster.txt lists for its director; and the
    /// same instance (name and VRID) on two directors must be on one LAN, or the two never hear
    /// each other's adverts and both become MASTER.
    mutating func interfaceLANs() {
        struct Key: Hashable { var name: String; var vrid: Int; var family: IPAddress.Family }
        var first: [Key: ClusterInstance] = [:]
        for ci in groups.instances {
            let d = director(ci)
            let iface = ci.instance.interface?.value ?? d.config?.globalDefs.defaultInterface?.value ?? "eth0"
            let listed = d.host.lans.compactMap { $0.interface?.value }
            if !listed.isEmpty, d.host.lan(of: iface) == nil {
                diags.add(.interfaceNotInInventory, .warning,
                          "\(who(ci)) runs on \(iface), which cluster.txt does not list for \(d.name) (iface=\(listed.joined(separator: ", iface="))): lvsc can only guess its LAN",
                          at: ci.instance.interface?.span ?? ci.instance.name.span,
                          hint: "add iface=\(iface),net=PREFIX to \(d.name)'s line, or correct the interface")
            }
            let key = Key(name: ci.instance.name.value, vrid: ci.vrid, family: ci.family)
            if let other = first[key] {
                if other.director != ci.director, other.lan != ci.lan {
                    diags.add(.peerConfigDrift, .error,
                              "\(who(ci)) is on LAN \(ci.lan) (interface \(iface)), but \(who(other)) is on LAN \(other.lan): the two never hear each other's adverts and both become MASTER (split brain)",
                              at: ci.instance.interface?.span ?? ci.instance.name.span,
                              hint: "run both on the interface of the same LAN (cluster.txt maps each director's interfaces to its LANs)",
                              related: [RelatedLocation(span: other.instance.interface?.span ?? other.instance.name.span, message: "\(director(other).name)'s interface")])
                }
            } else {
                first[key] = ci
            }
        }
    }

    // MARK: nat-gateway

    /// A NAT real server sends its replies to its default route; they must reach the director
    /// holding the service, which rewrites them. The gateway is a VIP on the real servers'
    /// LAN (or a standalone director's own address), and it must move with the service's VIP.
    mutating func natGateways() {
        for d in cluster.directors {
            guard let c = d.config else { continue }
            let candidates = d.gatewayCandidates
            // Which instance holds each VIP, once per director (not a scan per service).
            var holder: [IPAddress: VRRPInstance] = [:]
            for i in c.instances { for v in i.virtualIPs + i.excludedVirtualIPs where holder[v.prefix.address] == nil { holder[v.prefix.address] = i } }
            for vs in c.virtualServers {
                let nat = vs.realServers.filter { ($0.method?.value ?? vs.effectiveMethod) == .nat }
                if nat.isEmpty { continue }
                // A standalone director read with -f and no net= gives nothing to look for.
                let knowsLANs = !c.instances.isEmpty || d.host.subnet != nil
                let missing = nat.filter { d.natGateway(for: $0.address.value, among: candidates) == nil }
                if knowsLANs, !missing.isEmpty {
                    diags.add(.natGateway, .error,
                              "NAT real server\(missing.count == 1 ? "" : "s") \(missing.map { "\($0.address.value)" }.joined(separator: ", ")) of \(d.name) \(missing.count == 1 ? "has" : "have") no gateway: no VIP of \(d.name)\(c.instances.isEmpty ? "" : "'s VRRP instances") is on \(missing.count == 1 ? "its" : "their") LAN, so replies would bypass the director that must rewrite them",
                              at: missing[0].address.span,
                              hint: c.instances.isEmpty ? "give the director net= in cluster.txt covering the real servers' LAN" : "add a VIP with the LAN's prefix on the real servers' side (e.g. 192.0.2.254/24) to the service's vrrp_instance")
                }
                guard case .address(let vip, _) = vs.key.value, let service = holder[vip] else { continue }
                var reported = Set<String>()
                for rs in nat {
                    guard let g = d.natGateway(for: rs.address.value, among: candidates), let gi = g.instance, !d.synced(gi, service.name.value),
                          reported.insert(gi).inserted else { continue }
                    diags.add(.natGateway, .error,
                              "the gateway VIP \(g.address) of NAT real server \(rs.address.value) is in vrrp_instance \(gi), but the service's VIP \(vip) is in \(service.name.value), and no vrrp_sync_group of \(d.name) binds them: after a partial failover they sit on different directors and replies are lost",
                              at: g.span ?? rs.address.span, hint: "put \(gi) and \(service.name.value) in one vrrp_sync_group (or both VIPs in one instance)",
                              related: [RelatedLocation(span: service.name.span, message: "the service VIP's instance")])
                }
            }
        }
    }

    // MARK: router-id-duplicate

    mutating func routerIDs() {
        var first: [String: ClusterDirector] = [:]
        for d in cluster.directors {
            guard let rid = d.config?.globalDefs.routerID else { continue }
            if let other = first[rid.value] {
                diags.add(.routerIdDuplicate, .warning,
                          "\(d.name) and \(other.name) both have router_id \(rid.value): notification mails and logs cannot tell them apart",
                          at: rid.span, hint: "give each director its own router_id, e.g. its host name",
                          related: [RelatedLocation(span: other.config!.globalDefs.routerID!.span, message: "\(other.name)'s router id")])
            } else { first[rid.value] = d }
        }
    }

    // MARK: unicast-peer-mismatch

    mutating func unicastPeers() {
        var directorByAddress: [IPAddress: Int] = [:]
        for (k, d) in cluster.directors.enumerated() { if let a = d.host.address?.value { directorByAddress[a] = k } }
        for ci in groups.instances where ci.transport == .unicast {
            if let s = ci.sourceAddress, directorByAddress[s] == nil { directorByAddress[s] = ci.director }
        }
        // The first unicast instance of each (director, VRID, family): indexed once, not searched
        // for every peer of every instance.
        struct PeerKey: Hashable { var director: Int; var vrid: Int; var family: IPAddress.Family }
        var unicastOf: [PeerKey: ClusterInstance] = [:]
        for ci in groups.instances where ci.transport == .unicast {
            let key = PeerKey(director: ci.director, vrid: ci.vrid, family: ci.family)
            if unicastOf[key] == nil { unicastOf[key] = ci }
        }
        for ci in groups.instances where ci.transport == .unicast {
            let own = director(ci).host.address?.value
            for p in ci.instance.unicastPeers {
                if p.value == own && p.value != ci.instance.unicastSourceIP?.value {
                    diags.add(.unicastPeerMismatch, .error, "\(who(ci)) lists its own address \(p.value) as a unicast peer", at: p.span,
                              hint: "list only the other directors")
                    continue
                }
                if p.value == ci.instance.unicastSourceIP?.value { continue } // the one-file rule's finding
                guard let k = directorByAddress[p.value] else {
                    diags.add(.unicastPeerMismatch, .warning, "unicast_peer \(p.value) of \(who(ci)) is no director of the inventory", at: p.span,
                              hint: "a stale peer address: the adverts go nowhere")
                    continue
                }
                let peer = unicastOf[PeerKey(director: k, vrid: ci.vrid, family: ci.family)]
                guard let peer else {
                    diags.add(.unicastPeerMismatch, .error,
                              "unicast_peer \(p.value) is \(cluster.directors[k].name), which has no unicast vrrp_instance with virtual_router_id \(ci.vrid)",
                              at: p.span, related: [RelatedLocation(span: cluster.directors[k].host.conf!.span, message: "\(cluster.directors[k].name)'s configuration")])
                    continue
                }
                if let s = ci.sourceAddress, !peer.instance.unicastPeers.contains(where: { $0.value == s }) {
                    diags.add(.unicastPeerMismatch, .error,
                              "\(who(ci)) sends to \(cluster.directors[k].name), but \(who(peer)) does not list \(s) among its unicast peers: it drops these adverts and becomes MASTER too",
                              at: p.span, hint: "add 'unicast_peer { \(s) }' to \(cluster.directors[k].name)'s instance",
                              related: [RelatedLocation(span: peer.instance.name.span, message: "\(cluster.directors[k].name)'s instance")])
                }
            }
        }
    }

    // MARK: peer-config-drift (LVS side)

    /// Directors that share a VRRP group serve the same services and must agree on them.
    mutating func serviceDrift() {
        var parent = Array(0..<cluster.directors.count)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }; return x }
        var refOf: [Int: Int] = [:]
        for g in groups.sharedGroups {
            let ref = reference(g).director
            for i in g { parent[find(groups.instances[i].director)] = find(ref) }
        }
        for g in groups.sharedGroups {
            let root = find(groups.instances[g[0]].director)
            if refOf[root] == nil { refOf[root] = reference(g).director }
        }
        for (k, _) in cluster.directors.enumerated() {
            guard let ref = refOf[find(k)], ref != k else { continue }
            compareServices(cluster.directors[ref], cluster.directors[k])
        }
    }

    struct ServiceKey: Hashable {
        var key: VirtualServerKey
        var proto: IPProtocol
    }

    func serviceName(_ vs: VirtualServer) -> String {
        var s = "virtual_server "
        switch vs.key.value {
        case .address(let a, let p): s += p.map { "\(a) \($0)" } ?? "\(a)"
        case .fwmark(let m): s += "fwmark \(m)"
        case .group(let g): s += "group \(g)"
        }
        return s
    }

    mutating func compareServices(_ ref: ClusterDirector, _ other: ClusterDirector) {
        guard let rc = ref.config, let oc = other.config else { return }
        var refIndex: [ServiceKey: Int] = [:]
        refIndex.reserveCapacity(rc.virtualServers.count)
        for (i, vs) in rc.virtualServers.enumerated() {
            let k = ServiceKey(key: vs.key.value, proto: vs.proto?.value ?? .tcp)
            if refIndex[k] == nil { refIndex[k] = i }
        }
        var matched = Array(repeating: false, count: rc.virtualServers.count)
        for vs in oc.virtualServers {
            let k = ServiceKey(key: vs.key.value, proto: vs.proto?.value ?? .tcp)
            guard let i = refIndex[k] else {
                diags.add(.peerConfigDrift, .error, "\(serviceName(vs)) is on \(other.name) but not on \(ref.name): after a failover it is not served",
                          at: vs.key.span, hint: "the directors of one VRRP group must carry the same virtual servers",
                          related: [RelatedLocation(span: ref.host.conf!.span, message: "\(ref.name)'s configuration")])
                continue
            }
            if matched[i] { continue }
            matched[i] = true
            let r = rc.virtualServers[i]
            let context = "\(serviceName(vs))"
            diffFields(r.parameterFields, vs.parameterFields, refBlock: r.key.span, otherBlock: vs.key.span,
                       refName: ref.name, otherName: other.name, context: context, refMisspelt: r.misspelt, otherMisspelt: vs.misspelt)
            compareRealServers(r, vs, ref.name, other.name, context)
        }
        for (i, r) in rc.virtualServers.enumerated() where !matched[i] {
            diags.add(.peerConfigDrift, .error, "\(serviceName(r)) is on \(ref.name) but not on \(other.name): after a failover it is not served",
                      at: r.key.span, hint: "copy the block into \(other.configPath)",
                      related: [RelatedLocation(span: other.host.conf!.span, message: "\(other.name)'s configuration")])
        }
    }

    struct RealServerKey: Hashable {
        var address: IPAddress
        var port: Int?
    }

    func rsName(_ rs: RealServer) -> String {
        rs.port.map { "real_server \(rs.address.value) \($0.value)" } ?? "real_server \(rs.address.value)"
    }

    mutating func compareRealServers(_ r: VirtualServer, _ o: VirtualServer, _ refName: String, _ otherName: String, _ context: String) {
        // Most services have a handful of real servers: a scan beats building a dictionary.
        var index: [RealServerKey: Int] = [:]
        let small = r.realServers.count <= 16
        if !small {
            for (i, rs) in r.realServers.enumerated() {
                let k = RealServerKey(address: rs.address.value, port: rs.port?.value)
                if index[k] == nil { index[k] = i }
            }
        }
        func find(_ rs: RealServer) -> Int? {
            if !small { return index[RealServerKey(address: rs.address.value, port: rs.port?.value)] }
            return r.realServers.firstIndex { $0.address.value == rs.address.value && $0.port?.value == rs.port?.value }
        }
        var matched = Array(repeating: false, count: r.realServers.count)
        for rs in o.realServers {
            guard let i = find(rs) else {
                diags.add(.peerConfigDrift, .error, "\(context): \(rsName(rs)) is on \(otherName) but not on \(refName)",
                          at: rs.address.span, related: [RelatedLocation(span: r.key.span, message: "\(refName)'s \(context)")])
                continue
            }
            if matched[i] { continue }
            matched[i] = true
            let rr = r.realServers[i]
            let ctx = "\(context), \(rsName(rs))"
            diffFields(rr.parameterFields, rs.parameterFields, refBlock: rr.address.span, otherBlock: rs.address.span,
                       refName: refName, otherName: otherName, context: ctx)
            let rk = rr.checkers.map(\.keyword), ok = rs.checkers.map(\.keyword)
            if rk.sorted() != ok.sorted() {
                diags.add(.peerConfigDrift, .error,
                          "\(ctx): checked by \(ok.isEmpty ? "nothing" : ok.joined(separator: ", ")) on \(otherName) but by \(rk.isEmpty ? "nothing" : rk.joined(separator: ", ")) on \(refName)",
                          at: rs.checkers.first?.span ?? rs.address.span,
                          related: [RelatedLocation(span: rr.checkers.first?.span ?? rr.address.span, message: "\(refName)'s checker")])
                continue
            }
            // keepalived runs every checker of a real server whatever their order: pair the ones
            // that agree first, in any order, then the rest of each kind in written order.
            var used = Array(repeating: false, count: rr.checkers.count)
            var unpaired: [Int] = []
            for (j, b) in rs.checkers.enumerated() {
                if let i = rr.checkers.indices.first(where: { !used[$0] && rr.checkers[$0].keyword == b.keyword && sameFields(rr.checkers[$0].fields, b.fields) }) {
                    used[i] = true
                } else {
                    unpaired.append(j)
                }
            }
            for j in unpaired {
                let b = rs.checkers[j]
                guard let i = rr.checkers.indices.first(where: { !used[$0] && rr.checkers[$0].keyword == b.keyword }) else { continue }
                used[i] = true
                let a = rr.checkers[i]
                diffFields(a.fields, b.fields, refBlock: a.span, otherBlock: b.span,
                           refName: refName, otherName: otherName, context: "\(ctx), \(b.keyword)")
            }
        }
        for (i, rr) in r.realServers.enumerated() where !matched[i] {
            diags.add(.peerConfigDrift, .error, "\(context): \(rsName(rr)) is on \(refName) but not on \(otherName)",
                      at: o.key.span, hint: "copy the real_server block from \(refName)",
                      related: [RelatedLocation(span: rr.address.span, message: "\(refName)'s real_server")])
        }
    }

    /// The same keywords with the same values, in any order.
    func sameFields(_ a: [ModelField], _ b: [ModelField]) -> Bool {
        guard a.count == b.count else { return false }
        func key(_ f: ModelField) -> String { f.keyword + "\u{0}" + f.value }
        return a.map(key).sorted() == b.map(key).sorted()
    }

    /// Keyword by keyword: one finding per keyword whose values differ.
    mutating func diffFields(_ ref: [ModelField], _ other: [ModelField], refBlock: SourceSpan, otherBlock: SourceSpan,
                             refName: String, otherName: String, context: String,
                             refMisspelt: [Located<String>] = [], otherMisspelt: [Located<String>] = []) {
        if ref.count == other.count && zip(ref, other).allSatisfy({ $0.keyword == $1.keyword && $0.value == $1.value }) { return }
        func values(_ fs: [ModelField], _ k: String) -> (String, SourceSpan)? {
            let matching = fs.filter { $0.keyword == k }
            guard let first = matching.first else { return nil }
            return (matching.map(\.value).joined(separator: " "), first.span)
        }
        var keywords: [String] = []
        for f in ref + other where !keywords.contains(f.keyword) { keywords.append(f.keyword) }
        for k in keywords {
            let rv = values(ref, k), ov = values(other, k)
            switch (rv, ov) {
            case let ((r, rs)?, (o, os)?) where r != o:
                diags.add(.peerConfigDrift, .error, "\(context): \(k) is \(o) on \(otherName) but \(r) on \(refName)", at: os,
                          related: [RelatedLocation(span: rs, message: "\(refName): \(k) \(r)")])
            case let ((r, rs)?, nil) where otherMisspelt.contains(where: { $0.value == k }):
                // The typo is the finding; this is what it causes.
                let typo = otherMisspelt.first { $0.value == k }!
                diags.add(.peerConfigDrift, .note, "so \(context) has no \(k) on \(otherName), while \(refName) sets \(k) \(r)", at: typo.span,
                          related: [RelatedLocation(span: rs, message: "\(refName): \(k) \(r)")])
            case let (nil, (o, os)?) where refMisspelt.contains(where: { $0.value == k }):
                let typo = refMisspelt.first { $0.value == k }!
                diags.add(.peerConfigDrift, .note, "so \(context) has no \(k) on \(refName), while \(otherName) sets \(k) \(o)", at: typo.span,
                          related: [RelatedLocation(span: os, message: "\(otherName): \(k) \(o)")])
            case let ((r, rs)?, nil):
                diags.add(.peerConfigDrift, .error, "\(context): \(otherName) does not set \(k), \(refName) sets \(k) \(r)", at: otherBlock,
                          related: [RelatedLocation(span: rs, message: "\(refName): \(k) \(r)")])
            case let (nil, (o, os)?):
                diags.add(.peerConfigDrift, .error, "\(context): \(otherName) sets \(k) \(o), \(refName) does not", at: os,
                          related: [RelatedLocation(span: refBlock, message: "\(refName)'s block")])
            default: break
            }
        }
    }
}
