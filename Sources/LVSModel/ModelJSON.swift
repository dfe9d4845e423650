/// `lvsc dump`: the model as JSON. Field names and order are stable (docs/dump-format.md);
/// every object carries `at`, the source range it was read from.
public struct ModelJSON {
    public let sources: SourceManager
    /// Off for comparing two models by content only (a reformatted file moves every line).
    public var includeLocations = true
    /// `${_ENV NAME}` values read: a value taken from one is shown as its reference.
    public var environment: [EnvironmentUse] = []

    public init(sources: SourceManager, includeLocations: Bool = true, environment: [EnvironmentUse] = []) {
        self.sources = sources
        self.includeLocations = includeLocations
        self.environment = environment
    }

    /// The reference a value came from, when it came from the environment.
    func hidden(_ span: SourceSpan) -> JSON? {
        guard !environment.isEmpty, let e = environment.first(where: { $0.overlaps(span) }) else { return nil }
        return .string("${_ENV \(e.name)}")
    }

    func at(_ s: SourceSpan?) -> JSON {
        guard let s, includeLocations else { return .null }
        let r = sources.resolve(s)
        return .object([("file", .string(r.path)), ("line", .int(r.line)), ("column", .int(r.column)),
                        ("endLine", .int(r.endLine)), ("endColumn", .int(r.endColumn))])
    }

    func str(_ v: Located<String>?) -> JSON { v.map { hidden($0.span) ?? .string($0.value) } ?? .null }
    func int(_ v: Located<Int>?) -> JSON { v.map { hidden($0.span) ?? .int($0.value) } ?? .null }
    func dbl(_ v: Located<Double>?) -> JSON { v.map { hidden($0.span) ?? .double($0.value) } ?? .null }
    func bool(_ v: Located<Bool>?) -> JSON { v.map { hidden($0.span) ?? .bool($0.value) } ?? .null }
    func ip(_ v: Located<IPAddress>?) -> JSON { v.map { hidden($0.span) ?? .string($0.value.description) } ?? .null }

    public func config(_ c: KeepalivedConfig) -> JSON {
        .object([
            ("format", .string("lvsc-model/1")),
            ("path", .string(c.path)),
            ("configId", .string(c.configID)),
            ("globalDefs", globalDefs(c.globalDefs)),
            ("vrrpScripts", .array(c.scripts.map(script))),
            ("syncGroups", .array(c.syncGroups.map(syncGroup))),
            ("vrrpInstances", .array(c.instances.map(instance))),
            ("staticAddresses", .array(c.staticAddresses.map(vip))),
            ("virtualServerGroups", .array(c.virtualServerGroups.map(vsg))),
            ("virtualServers", .array(c.virtualServers.map(virtualServer))),
            ("untyped", .array(c.untyped.map { u in
                .object([("keyword", .string(u.keyword)), ("context", .string(u.context)), ("lines", .int(u.lines)), ("at", at(u.span))])
            })),
        ])
    }

    func globalDefs(_ g: GlobalDefs) -> JSON {
        .object([
            ("routerId", str(g.routerID)),
            ("lvsId", str(g.legacyLVSID)),
            ("notificationEmail", .array(g.notificationEmail.map { str($0) })),
            ("notificationEmailFrom", str(g.notificationEmailFrom)),
            ("smtpServer", str(g.smtpServer)),
            ("smtpConnectTimeout", int(g.smtpConnectTimeout)),
            ("vrrpVersion", int(g.vrrpVersion)),
            ("vrrpStrict", bool(g.vrrpStrict)),
            ("vrrpMcastGroup4", ip(g.vrrpMcastGroup4)),
            ("vrrpMcastGroup6", ip(g.vrrpMcastGroup6)),
            ("enableScriptSecurity", bool(g.enableScriptSecurity)),
            ("scriptUser", str(g.scriptUser)),
            ("lvsSyncDaemon", str(g.lvsSyncDaemon)),
            ("defaultInterface", str(g.defaultInterface)),
            ("at", at(g.span)),
        ])
    }

    func script(_ s: VRRPScript) -> JSON {
        .object([("name", str(s.name)), ("script", str(s.script)),
                 ("argv", s.command.map { .array($0.value.words.map { .string($0) }) } ?? .null), ("interval", dbl(s.interval)),
                 ("timeout", dbl(s.timeout)), ("weight", int(s.weight)), ("rise", int(s.rise)), ("fall", int(s.fall)),
                 ("user", str(s.user)), ("at", at(s.span))])
    }

    func syncGroup(_ g: SyncGroup) -> JSON {
        .object([("name", str(g.name)), ("members", .array(g.members.map { str($0) })),
                 ("notify", notify(g.notify)), ("at", at(g.span))])
    }

    func notify(_ n: [String: Located<String>]) -> JSON {
        .object(n.keys.sorted().map { ($0, str(n[$0])) })
    }

    func vip(_ v: VirtualIP) -> JSON {
        .object([("address", .string(v.prefix.address.description)), ("prefixLength", .int(v.prefix.length)),
                 ("family", .string(v.prefix.address.family.rawValue)), ("device", str(v.device)), ("label", str(v.label)),
                 ("scope", str(v.scope)), ("broadcast", str(v.broadcast)), ("at", at(v.span))])
    }

    func track(_ t: TrackReference) -> JSON {
        .object([("name", str(t.name)), ("weight", int(t.weight))])
    }

    func instance(_ i: VRRPInstance) -> JSON {
        var auth: JSON = .null
        if let a = i.authentication {
            auth = .object([("type", a.type.map { .string($0.value.rawValue) } ?? .null), ("password", str(a.password)), ("at", at(a.span))])
        }
        return .object([
            ("name", str(i.name)),
            ("state", i.state.map { .string($0.value.rawValue) } ?? .null),
            ("effectiveState", .string(i.effectiveState.rawValue)),
            ("interface", str(i.interface)),
            ("virtualRouterId", int(i.virtualRouterID)),
            ("priority", int(i.priority)),
            ("effectivePriority", .int(i.effectivePriority)),
            ("advertInterval", dbl(i.advertInterval)),
            ("version", int(i.version)),
            ("family", .string(i.family.rawValue)),
            ("nopreempt", bool(i.nopreempt)),
            ("preemptDelay", dbl(i.preemptDelay)),
            ("mcastSourceIp", ip(i.mcastSourceIP)),
            ("unicastSourceIp", ip(i.unicastSourceIP)),
            ("unicastPeers", .array(i.unicastPeers.map { .string($0.value.description) })),
            ("authentication", auth),
            ("virtualIpAddresses", .array(i.virtualIPs.map(vip))),
            ("virtualIpAddressesExcluded", .array(i.excludedVirtualIPs.map(vip))),
            ("trackInterfaces", .array(i.trackInterfaces.map(track))),
            ("trackScripts", .array(i.trackScripts.map(track))),
            ("trackFiles", .array(i.trackFiles.map(track))),
            ("trackProcesses", .array(i.trackProcesses.map(track))),
            ("accept", bool(i.accept)),
            ("strictMode", bool(i.strictMode)),
            ("useVmac", str(i.useVMAC)),
            ("notify", notify(i.notify)),
            ("at", at(i.span)),
        ])
    }

    func vsg(_ g: VirtualServerGroup) -> JSON {
        .object([("name", .string(g.name.value)), ("entries", .array(g.entries.map { e in
            switch e.kind {
            case .range(let first, let last, let port):
                return .object([("kind", .string("range")), ("first", .string(first.description)), ("last", .string(last.description)),
                                ("port", port.map { .int($0) } ?? .null), ("at", at(e.span))])
            case .fwmark(let m, let fam):
                return .object([("kind", .string("fwmark")), ("fwmark", .int(Int(m))), ("family", fam.map { .string($0.rawValue) } ?? .null),
                                ("at", at(e.span))])
            }
        })), ("at", at(g.span))])
    }

    func method(_ m: Located<ForwardingMethod>?) -> JSON {
        guard let m else { return .null }
        switch m.value {
        case .tunnel(let type, let port, let csum):
            return .object([("method", .string("TUN")), ("tunnelType", .string(type.rawValue)), ("tunnelPort", port.map { .int($0) } ?? .null),
                            ("checksum", .string(csum?.rawValue))])
        default:
            return .object([("method", .string(m.value.keyword))])
        }
    }

    func virtualServer(_ vs: VirtualServer) -> JSON {
        var key: [(String, JSON)]
        switch vs.key.value {
        case .address(let a, let p):
            key = [("kind", .string("address")), ("address", .string(a.description)), ("port", p.map { .int($0) } ?? .null)]
        case .fwmark(let m): key = [("kind", .string("fwmark")), ("fwmark", .int(Int(m)))]
        case .group(let g): key = [("kind", .string("group")), ("group", .string(g))]
        }
        return .object([
            ("key", .object(key)),
            ("scheduler", str(vs.scheduler)),
            ("forwarding", method(vs.method)),
            ("protocol", vs.proto.map { .string($0.value.rawValue) } ?? .null),
            ("persistenceTimeout", int(vs.persistenceTimeout)),
            ("persistenceGranularity", str(vs.persistenceGranularity)),
            ("persistenceEngine", str(vs.persistenceEngine)),
            ("schedulerFlags", .array(vs.schedulerFlags.map { str($0) })),
            ("ops", bool(vs.ops)),
            ("delayLoop", dbl(vs.delayLoop)),
            ("quorum", int(vs.quorum)),
            ("hysteresis", int(vs.hysteresis)),
            ("sorryServer", str(vs.sorryServer)),
            ("virtualhost", str(vs.virtualhost)),
            ("realServers", .array(vs.realServers.map(realServer))),
            ("at", at(vs.span)),
        ])
    }

    func realServer(_ rs: RealServer) -> JSON {
        .object([
            ("address", .string(rs.address.value.description)),
            ("port", int(rs.port)),
            ("weight", int(rs.weight)),
            ("forwarding", method(rs.method)),
            ("inhibitOnFailure", bool(rs.inhibitOnFailure)),
            ("upperThreshold", int(rs.upperThreshold)),
            ("lowerThreshold", int(rs.lowerThreshold)),
            ("notifyUp", str(rs.notifyUp)),
            ("notifyDown", str(rs.notifyDown)),
            ("checkers", .array(rs.checkers.map(checker))),
            ("at", at(rs.span)),
        ])
    }

    func connection(_ c: CheckConnection) -> [(String, JSON)] {
        [("connectIp", ip(c.connectIP)), ("connectPort", int(c.connectPort)), ("bindTo", ip(c.bindTo)),
         ("bindPort", int(c.bindPort)), ("bindInterface", str(c.bindInterface)), ("connectTimeout", dbl(c.connectTimeout)),
         ("fwmark", int(c.fwmark))]
    }

    func timing(_ t: CheckTiming) -> [(String, JSON)] {
        [("retry", int(t.retry)), ("delayBeforeRetry", dbl(t.delayBeforeRetry)), ("warmup", dbl(t.warmup)),
         ("delayLoop", dbl(t.delayLoop)), ("alpha", bool(t.alpha)), ("logAllFailures", bool(t.logAllFailures))]
    }

    func checker(_ c: Checker) -> JSON {
        var fields: [(String, JSON)] = [("type", .string(c.keyword))]
        switch c {
        case .tcp(let t, _): fields += connection(t.connection) + timing(t.timing)
        case .http(let h, _, _):
            fields += connection(h.connection) + timing(h.timing)
            fields += [("virtualhost", str(h.virtualhost)), ("httpProtocol", str(h.httpProtocol)),
                       ("urls", .array(h.urls.map { u in
                           .object([("path", str(u.path)), ("digest", str(u.digest)),
                                    ("statusCodes", .array(u.statusCodes.map { str($0) })),
                                    ("virtualhost", str(u.virtualhost)), ("at", at(u.span))])
                       }))]
        case .misc(let m, _):
            fields += [("path", str(m.path)), ("timeout", int(m.timeout)), ("dynamic", bool(m.dynamic)), ("user", str(m.user))] + timing(m.timing)
        case .smtp(let s, _): fields += connection(s.connection) + timing(s.timing) + [("heloName", str(s.heloName))]
        case .dns(let d, _): fields += connection(d.connection) + timing(d.timing) + [("queryType", str(d.queryType)), ("name", str(d.name))]
        case .udp(let u, _):
            fields += connection(u.connection) + timing(u.timing)
            fields += [("payload", str(u.payload)), ("requireReply", str(u.requireReply)),
                       ("minReplyLength", int(u.minReplyLength)), ("maxReplyLength", int(u.maxReplyLength))]
        case .ping(let p, _): fields += connection(p.connection) + timing(p.timing)
        case .file(let f, _): fields += [("trackFile", str(f.trackFile)), ("weight", int(f.weight))]
        case .bfd(let b, _): fields += [("name", str(b.name)), ("alpha", bool(b.alpha))]
        }
        fields.append(("at", at(c.span)))
        return .object(fields)
    }
}
