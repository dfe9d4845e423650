/// A written keyword of the model as keepalived spells it, its value as text, and where it was
/// written. Comparing two directors' blocks field by field lets a finding name the keyword
/// that differs and point at it in both files.
public struct ModelField: Sendable, Equatable {
    public var keyword: String
    public var value: String
    public var span: SourceSpan

    public init(_ keyword: String, _ value: String, _ span: SourceSpan) {
        self.keyword = keyword
        self.value = value
        self.span = span
    }
}

/// Builds field lists without repeating the optional-unwrapping at every keyword.
struct FieldList {
    var fields: [ModelField] = []

    mutating func add(_ k: String, _ v: Located<String>?) { if let v { fields.append(ModelField(k, v.value, v.span)) } }
    mutating func add(_ k: String, _ v: Located<Int>?) { if let v { fields.append(ModelField(k, String(v.value), v.span)) } }
    mutating func add(_ k: String, _ v: Located<Double>?) { if let v { fields.append(ModelField(k, NumberParser.format(v.value), v.span)) } }
    mutating func add(_ k: String, _ v: Located<Bool>?) { if let v { fields.append(ModelField(k, v.value ? "on" : "off", v.span)) } }
    mutating func add(_ k: String, _ v: Located<IPAddress>?) { if let v { fields.append(ModelField(k, v.value.description, v.span)) } }
}

extension CheckConnection {
    public var fields: [ModelField] {
        var l = FieldList()
        for v in values {
            switch v {
            case .connectIP(let x): l.add("connect_ip", x)
            case .connectPort(let x): l.add("connect_port", x)
            case .bindTo(let x): l.add("bindto", x)
            case .bindPort(let x): l.add("bind_port", x)
            case .bindInterface(let x): l.add("bind_if", x)
            case .connectTimeout(let x): l.add("connect_timeout", x)
            case .fwmark(let x): l.add("fwmark", x)
            }
        }
        return l.fields
    }
}

extension CheckTiming {
    public var fields: [ModelField] {
        var l = FieldList()
        for v in values {
            switch v {
            case .retry(let x): l.add("retry", x)
            case .delayBeforeRetry(let x): l.add("delay_before_retry", x)
            case .warmup(let x): l.add("warmup", x)
            case .delayLoop(let x): l.add("delay_loop", x)
            case .alpha(let x): l.add("alpha", x)
            case .logAllFailures(let x): l.add("log_all_failures", x)
            }
        }
        return l.fields
    }
}

extension Checker {
    /// The checker's parameters; a URL's fields are prefixed with its path so that two
    /// URLs of one HTTP_GET stay apart.
    public var fields: [ModelField] {
        var l = FieldList()
        switch self {
        case .tcp(let t, _): l.fields = t.connection.fields + t.timing.fields
        case .http(let h, _, _):
            l.fields = h.connection.fields + h.timing.fields
            l.add("virtualhost", h.virtualhost)
            l.add("http_protocol", h.httpProtocol)
            for u in h.urls {
                let key = "url " + (u.path?.value ?? "?")
                l.fields.append(ModelField(key, "", u.span))
                l.add(key + " digest", u.digest)
                for s in u.statusCodes { l.add(key + " status_code", s) }
                l.add(key + " virtualhost", u.virtualhost)
            }
        case .misc(let m, _):
            l.add("misc_path", m.path); l.add("misc_timeout", m.timeout); l.add("misc_dynamic", m.dynamic); l.add("user", m.user)
            l.fields += m.timing.fields
        case .smtp(let s, _): l.fields = s.connection.fields + s.timing.fields; l.add("helo_name", s.heloName)
        case .dns(let d, _): l.fields = d.connection.fields + d.timing.fields; l.add("type", d.queryType); l.add("name", d.name)
        case .udp(let u, _):
            l.fields = u.connection.fields + u.timing.fields
            l.add("payload", u.payload); l.add("require_reply", u.requireReply)
            l.add("min_reply_length", u.minReplyLength); l.add("max_reply_length", u.maxReplyLength)
        case .ping(let p, _): l.fields = p.connection.fields + p.timing.fields
        case .file(let f, _): l.add("track_file", f.trackFile); l.add("weight", f.weight)
        case .bfd(let b, _): l.add("name", b.name); l.add("alpha", b.alpha)
        }
        return l.fields
    }
}

extension ForwardingMethod {
    /// `lb_kind` as written, with a tunnel's options.
    public var text: String {
        switch self {
        case .nat: return "NAT"
        case .directRouting: return "DR"
        case .tunnel(let type, let port, let csum):
            var s = "TUN"
            if type != .ipip { s += " type \(type.rawValue)" }
            if let port { s += " port \(port)" }
            if let csum { s += " \(csum.rawValue)" }
            return s
        }
    }
}

extension VirtualServer {
    /// The service's own parameters (not its real servers, not notify scripts).
    public var parameterFields: [ModelField] {
        var l = FieldList()
        if let s = scheduler { l.fields.append(ModelField("lb_algo", s.value, s.span)) }
        if let m = method { l.fields.append(ModelField("lb_kind", m.value.text, m.span)) }
        if let p = proto { l.fields.append(ModelField("protocol", p.value.rawValue, p.span)) }
        l.add("persistence_timeout", persistenceTimeout)
        l.add("persistence_granularity", persistenceGranularity)
        l.add("persistence_engine", persistenceEngine)
        for f in schedulerFlags { l.add("lvs_sched_flag", f) }
        l.add("ops", ops)
        l.add("quorum", quorum)
        l.add("hysteresis", hysteresis)
        l.add("sorry_server", sorryServer)
        l.add("virtualhost", virtualhost)
        l.add("delay_loop", delayLoop)
        return l.fields
    }
}

extension RealServer {
    /// The real server's own parameters (not its checkers, not notify scripts).
    public var parameterFields: [ModelField] {
        var l = FieldList()
        l.add("weight", weight)
        if let m = method { l.fields.append(ModelField("lb_kind", m.value.text, m.span)) }
        l.add("inhibit_on_failure", inhibitOnFailure)
        l.add("uthreshold", upperThreshold)
        l.add("lthreshold", lowerThreshold)
        return l.fields
    }
}
