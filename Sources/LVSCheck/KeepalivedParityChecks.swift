import LVSModel

/// Findings keepalived itself makes when it reads a file (`keepalived -t`), each in lvsc's own
/// words: what keepalived does with the setting, and what to write instead.
extension ConfigChecks {
    mutating func keepalivedParity() {
        scriptSecurity()
        missingVIPs()
        ignoredSettings()
        smtpServer()
    }

    /// A script keepalived executes, with the user it names itself (nil: the default user).
    struct ExecutedScript {
        var what: String
        var span: SourceSpan
        var user: String?
    }

    var executedScripts: [ExecutedScript] {
        var out: [ExecutedScript] = []
        // keepalived runs VRRP, and so its scripts, only when there is an instance.
        for s in config.scripts where !config.instances.isEmpty {
            if let cmd = s.script { out.append(ExecutedScript(what: "vrrp_script \(s.name.value)", span: cmd.span, user: s.user?.value)) }
        }
        for i in config.instances {
            for (kw, cmd) in i.notify.sorted(by: { $0.key < $1.key }) {
                out.append(ExecutedScript(what: "\(kw) of vrrp_instance \(i.name.value)", span: cmd.span, user: nil))
            }
        }
        for g in config.syncGroups {
            for (kw, cmd) in g.notify.sorted(by: { $0.key < $1.key }) {
                out.append(ExecutedScript(what: "\(kw) of vrrp_sync_group \(g.name.value)", span: cmd.span, user: nil))
            }
        }
        // Real servers' scripts were collected in the one pass over them (ConfigChecks.realServers).
        // In file order, so the finding points at the first script.
        return (out + realServerScripts).sorted { ($0.span.file, $0.span.offset) < ($1.span.file, $1.span.offset) }
    }

    /// keepalived runs scripts as `script_user`, else as `keepalived_script` when that user
    /// exists (Debian does not create it), else as root; scripts run as root without
    /// `enable_script_security` make `keepalived -t` exit 6 ("SECURITY VIOLATION").
    mutating func scriptSecurity() {
        let scripts = executedScripts
        guard !scripts.isEmpty else { return }
        let g = config.globalDefs
        let defaultUser = g.scriptUser.map { String($0.value.prefix { $0 != " " && $0 != ":" }) }
        func runsAsRoot(_ s: ExecutedScript) -> Bool {
            let user = (s.user.map { String($0.prefix { $0 != " " && $0 != ":" }) }) ?? defaultUser
            return user == nil || user == "root" || user == "0"
        }
        if g.enableScriptSecurity?.value == true {
            guard g.scriptUser == nil, let security = g.enableScriptSecurity else { return }
            let affected = scripts.filter { $0.user == nil }
            guard let first = affected.first else { return }
            diags.add(.scriptSecurity, .warning,
                      "enable_script_security without script_user: keepalived runs \(listed(affected.map(\.what))) as the user keepalived_script, and where that user does not exist (Debian does not create it) keepalived removes them",
                      at: security.span, hint: "add 'script_user NAME' (a user that exists on every director), or create the keepalived_script user",
                      related: [RelatedLocation(span: first.span, message: "a script keepalived would remove")])
            return
        }
        let asRoot = scripts.filter(runsAsRoot)
        guard let first = asRoot.first else { return }
        diags.add(.scriptSecurity, .error,
                  "\(listed(asRoot.map(\.what))) run\(asRoot.count == 1 ? "s" : "") as root without enable_script_security: keepalived reports a SECURITY VIOLATION and 'keepalived -t' exits 6",
                  at: first.span, hint: "add 'enable_script_security' and 'script_user NAME' (a non-root user that can run the scripts) to global_defs",
                  related: asRoot.dropFirst().prefix(8).map { RelatedLocation(span: $0.span, message: "\($0.what) runs as root too") })
    }

    func listed(_ names: [String]) -> String {
        names.count <= 3 ? names.joined(separator: ", ") : names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
    }

    /// keepalived accepts an instance without VIPs ("at least one is sensible"), except under
    /// VRRPv3 or vrrp_strict, where it rejects the instance.
    mutating func missingVIPs() {
        for i in config.instances where i.virtualIPs.isEmpty {
            if let typo = i.misspelt.first(where: { $0.value == "virtual_ipaddress" }) {
                diags.add(.vrrpNoVip, .note, "so vrrp_instance \(i.name.value) has no virtual_ipaddress: it moves no address", at: typo.span)
            } else if strict(i) || version(i) == 3 {
                let why = strict(i) ? "vrrp_strict" : "VRRPv3"
                diags.add(.vrrpNoVip, .error, "vrrp_instance \(i.name.value) has no virtual_ipaddress: under \(why) keepalived rejects the instance",
                          at: i.name.span, hint: "add a virtual_ipaddress block with the addresses this group moves")
            } else {
                diags.add(.vrrpNoVip, .warning, "vrrp_instance \(i.name.value) has no virtual_ipaddress: it elects a MASTER but moves no address",
                          at: i.name.span, hint: "add a virtual_ipaddress block, or remove the instance if nothing tracks it")
            }
        }
    }

    /// Settings keepalived reads and then ignores or replaces with a default.
    mutating func ignoredSettings() {
        for i in config.instances {
            // Linux interface names have at most 15 bytes (IFNAMSIZ 16 with its NUL).
            if let name = i.interface, name.value.utf8.count > 15 {
                diags.add(.invalidValue, .error, "interface name '\(name.value)' is longer than the 15 bytes Linux allows: keepalived ignores it, and vrrp_instance \(i.name.value) has no interface",
                          at: name.span, hint: "write the interface's name as 'ip link' shows it")
            }
            if let kw = i.unicastPeerKeyword, i.unicastPeers.isEmpty {
                diags.add(.ignoredSetting, .warning, "vrrp_instance \(i.name.value): unicast_peer lists no peer, so keepalived falls back to multicast (and calls this deprecated)",
                          at: kw, hint: "list the other directors' addresses in unicast_peer, or remove the block to use multicast on purpose")
            }
            if let own = i.interface?.value {
                for t in i.trackInterfaces where t.name.value == own {
                    let weight = t.weight.map { " (with its weight \($0.value))" } ?? ""
                    diags.add(.ignoredSetting, .warning, "track_interface \(own) is vrrp_instance \(i.name.value)'s own interface: keepalived ignores this entry\(weight); the instance already goes to FAULT when \(own) is down",
                              at: t.name.span, hint: "remove the entry")
                }
            }
        }
        if let kw = config.globalDefs.notificationEmailKeyword, config.globalDefs.notificationEmail.isEmpty {
            diags.add(.ignoredSetting, .warning, "notification_email lists no address: keepalived sends no mail",
                      at: kw, hint: "add one address a line, or remove the block")
        }
    }

    /// `smtp_server ADDRESS|HOSTNAME [PORT]`: keepalived ignores anything else.
    mutating func smtpServer() {
        guard let s = config.globalDefs.smtpServer else { return }
        let words = s.value.split(separator: " ").map(String.init)
        guard let host = words.first else { return }
        if IPAddress.parse(Array(host.utf8)) == nil && !Self.isHostName(host) {
            diags.add(.invalidValue, .error, "smtp_server '\(host)' is neither an address nor a host name: keepalived ignores it and sends no mail",
                      at: s.span, hint: "write 'smtp_server 192.0.2.25' or 'smtp_server mail.example.com [PORT]'")
        } else if words.count > 1, !(Int(words[1]).map { (1...65535).contains($0) } ?? false) {
            diags.add(.invalidValue, .error, "smtp_server port '\(words[1])' is not a port (1..65535)", at: s.span)
        }
    }

    /// Letters, digits and '-' in dot-separated labels of at most 63 bytes.
    static func isHostName(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for b in label {
                let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-")
                if !ok { return false }
            }
        }
        return true
    }

    /// HTTP_GET / SSL_GET `status_code N|A-B`: keepalived rejects statuses outside 100..599 and
    /// ranges that run backwards.
    mutating func statusCodes(_ h: HTTPCheck) {
        for u in h.urls {
            for code in u.statusCodes where HTTPURL.statusRange(code.value) == nil {
                diags.add(.invalidValue, .error, "status_code '\(code.value)' is not an HTTP status (100..599) or a range LOW-HIGH of them; keepalived rejects it",
                          at: code.span, hint: "write e.g. 'status_code 200' or 'status_code 200-299'")
            }
        }
    }

    /// quorum: the total weight of the live real servers a service needs to stay up.
    mutating func quorumWeights(_ vs: VirtualServer, totalWeight total: Int) {
        guard !vs.realServers.isEmpty else { return }
        if total == 0 {
            diags.add(.quorumWeight, .warning, "every real server of virtual_server \(describe(vs.key.value)) has weight 0: IPVS sends no new connection to any of them",
                      at: vs.key.span, hint: "give the real servers that should take traffic a weight of 1 or more")
        }
        if let q = vs.quorum, q.value > total {
            diags.add(.quorumWeight, .warning, "quorum \(q.value) is above the total weight \(total) of virtual_server \(describe(vs.key.value))'s real servers: keepalived lowers it to \(total)",
                      at: q.span, hint: "set quorum to at most \(total), the weight that must be alive for the service to count as up")
        }
    }
}
