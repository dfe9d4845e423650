extension Lowering {
    mutating func lowerRoot(_ n: Node) {
        guard let spec = spec(n, .root) else { return }
        switch spec.id {
        case .root__global_defs: lowerGlobalDefs(n)
        case .root__vrrp_script: lowerScript(n)
        case .root__vrrp_sync_group: lowerSyncGroup(n)
        case .root__vrrp_instance: lowerInstance(n)
        case .root__virtual_server_group: lowerVSG(n)
        case .root__virtual_server: lowerVirtualServer(n)
        case .root__static_ipaddress:
            for e in tree.children(n) { if let vip = ipAddressEntry(e) { config.staticAddresses.append(vip) } }
        case .root__vrrp_track_process:
            if let name = string(n) { config.trackProcesses.append(name) }
            checkBlock(n, .vrrp_track_process)
        case .root__track_file:
            if let name = string(n) { config.trackFiles.append(name) }
            checkBlock(n, .track_file)
        case .root__bfd_instance:
            if let name = string(n) { config.bfdInstances.append(name) }
            checkBlock(n, .bfd_instance)
            keepUntyped(n, spec)
        case .root__SSL: checkBlock(n, .SSL)
        case .root__track_group, .root__garp_group:
            if case .block(let ctx) = spec.kind { checkBlock(n, ctx) }
            keepUntyped(n, spec)
        case .root__static_routes, .root__static_rules:
            for e in tree.children(n) { routeOrRuleEntry(e, isRule: spec.id == .root__static_rules) }
            keepUntyped(n, spec)
        case .root__linkbeat_interfaces, .root__interface_up_down_delays:
            keepUntyped(n, spec)
        default: break
        }
    }

    mutating func keepUntyped(_ n: Node, _ spec: KeywordSpec) {
        config.untyped.append(UntypedBlock(keyword: spec.name, context: "root", span: blockSpan(n), lines: lineCount(n)))
    }

    /// Validates every statement of a block against its context without typing it, recursing
    /// into nested blocks the table knows.
    mutating func checkBlock(_ n: Node, _ context: ContextID) {
        for c in tree.children(n) {
            guard let s = spec(c, context) else { continue }
            switch s.kind {
            case .block(let inner): checkBlock(c, inner)
            case .list(let entry): for e in tree.children(c) { checkEntry(e, entry) }
            default: break
            }
        }
    }

    /// Lines of a value block with no model yet: addresses and routes still get their checks.
    mutating func checkEntry(_ e: Node, _ kind: EntryKind) {
        switch kind {
        case .ipaddress: _ = ipAddressEntry(e)
        case .route: routeOrRuleEntry(e, isRule: false)
        case .rule: routeOrRuleEntry(e, isRule: true)
        case .peer: _ = peerEntry(e)
        case .track: _ = trackEntry(e, weightRange: -254...254)
        case .vsg: _ = vsgEntry(e)
        case .words, .name: break
        }
    }

    mutating func lowerGlobalDefs(_ n: Node) {
        config.globalDefs.span = blockSpan(n)
        for c in tree.children(n) {
            guard let s = spec(c, .global_defs) else { continue }
            var g = config.globalDefs
            g.keywords.append(Located(s.name, keywordSpan(c)))
            switch s.id {
            case .global_defs__router_id:
                g.routerID = string(c)
            case .global_defs__lvs_id:
                // keepalived 2.x ignores it (router_id stays the host name); kept for the emitter.
                g.legacyLVSID = string(c)
            case .global_defs__notification_email:
                g.notificationEmailKeyword = keywordSpan(c)
                for e in tree.children(c) where !ConfigParser.isAnonymous(e, in: tree) {
                    for t in [tree.keyword(e)] + Array(tree.args(e)) { g.notificationEmail.append(Located(text(t), span(t))) }
                }
            case .global_defs__notification_email_from: g.notificationEmailFrom = string(c)
            case .global_defs__smtp_server: g.smtpServer = joined(c)
            case .global_defs__smtp_connect_timeout: g.smtpConnectTimeout = int(c, s)
            case .global_defs__vrrp_version: g.vrrpVersion = int(c, s)
            case .global_defs__vrrp_garp_master_delay: g.garpMaster.delay = int(c, s)
            case .global_defs__vrrp_garp_master_repeat: g.garpMaster.repeat = int(c, s)
            case .global_defs__vrrp_garp_master_refresh: g.garpMaster.refresh = int(c, s)
            case .global_defs__vrrp_garp_master_refresh_repeat: g.garpMaster.refreshRepeat = int(c, s)
            case .global_defs__vrrp_strict: g.vrrpStrict = flag(c)
            case .global_defs__vrrp_mcast_group4: g.vrrpMcastGroup4 = ip(c)
            case .global_defs__vrrp_mcast_group6: g.vrrpMcastGroup6 = ip(c)
            case .global_defs__enable_script_security: g.enableScriptSecurity = flag(c)
            case .global_defs__script_user: g.scriptUser = joined(c)
            case .global_defs__lvs_sync_daemon: g.lvsSyncDaemon = joined(c)
            case .global_defs__default_interface: g.defaultInterface = string(c)
            default: break
            }
            config.globalDefs = g
        }
    }

    mutating func lowerScript(_ n: Node) {
        guard let name = string(n) else { return }
        var script = VRRPScript(name: name, span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .vrrp_script) else { continue }
            script.keywords.append(Located(s.name, keywordSpan(c)))
            switch s.id {
            case .vrrp_script__script: script.script = joined(c); script.command = command(c)
            case .vrrp_script__interval: script.interval = decimal(c, s)
            case .vrrp_script__timeout: script.timeout = decimal(c, s)
            case .vrrp_script__weight:
                script.weight = int(c, s)
                if c.argCount > 1, text(tree.arg(c, 1)) == "reverse" { script.weightReverse = Located(true, span(tree.arg(c, 1))) }
            case .vrrp_script__init_fail: script.initFail = flag(c)
            case .vrrp_script__rise: script.rise = int(c, s)
            case .vrrp_script__fall: script.fall = int(c, s)
            case .vrrp_script__user: script.user = joined(c)
            default: break
            }
        }
        config.scripts.append(script)
    }

    /// Whether `name` is the first block of its kind with that name; reports the second.
    mutating func firstDefinition(_ name: Located<String>, of kind: String) -> Bool {
        let instance = kind == "vrrp_instance"
        if let first = instance ? instanceNames[name.value] : syncGroupNames[name.value] {
            diags.add(.duplicateVrrpName, .error,
                      "\(kind) \(name.value) is already defined: keepalived skips this whole block, so none of its settings take effect",
                      at: name.span, hint: "give this \(kind) a name of its own, or merge it into the first",
                      related: [RelatedLocation(span: first, message: "the \(kind) \(name.value) keepalived keeps")])
            return false
        }
        if instance { instanceNames[name.value] = name.span } else { syncGroupNames[name.value] = name.span }
        return true
    }

    mutating func lowerSyncGroup(_ n: Node) {
        guard let name = string(n), firstDefinition(name, of: "vrrp_sync_group") else { return }
        var group = SyncGroup(name: name, span: blockSpan(n))
        for c in tree.children(n) {
            guard let s = spec(c, .vrrp_sync_group) else { continue }
            group.keywords.append(Located(s.name, keywordSpan(c)))
            switch s.id {
            case .vrrp_sync_group__group:
                for e in tree.children(c) {
                    if ConfigParser.isAnonymous(e, in: tree) { continue }
                    for t in [tree.keyword(e)] + Array(tree.args(e)) { group.members.append(Located(text(t), span(t))) }
                }
            case .vrrp_sync_group__notify_master, .vrrp_sync_group__notify_backup, .vrrp_sync_group__notify_fault,
                 .vrrp_sync_group__notify_stop, .vrrp_sync_group__notify:
                if let cmd = joined(c) { group.notify[s.name] = cmd }
                if let argv = command(c) { group.notifyCommands[s.name] = argv }
            default:
                if case .list(let entry) = s.kind { for e in tree.children(c) { checkEntry(e, entry) } }
            }
        }
        config.syncGroups.append(group)
    }
}
