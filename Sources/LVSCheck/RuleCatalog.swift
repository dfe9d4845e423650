import LVSModel

/// A lint rule: a stable id, its usual severity, a one-line summary and an explanation.
public struct Rule: Sendable {
    /// What a rule looks at: one keepalived.conf, the cluster (inventory and every director's
    /// file), or both (one-file findings extended across the cluster); `emit` rules are what the
    /// emitters and `plan`/`apply` say about what they generate.
    /// `simulate`: what `lvsc simulate --all-single-failures` finds by failing each director,
    /// link and real server in turn.
    public enum Scope: String, Sendable { case file, cluster, both, emit, simulate }

    public let id: RuleID
    public let severity: Severity
    public let summary: String
    public let explanation: String
    public var scope: Scope = .file

    public init(id: RuleID, severity: Severity, summary: String, explanation: String, scope: Scope = .file) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.explanation = explanation
        self.scope = scope
    }

    public var descriptor: RuleDescriptor { RuleDescriptor(id: id, summary: summary, severity: severity) }
}

/// Every rule lvsc reports. Ids are stable: scripts and editors key on them.
public enum RuleCatalog {
    public static let all: [Rule] = [
        Rule(id: .syntax, severity: .error, summary: "Unbalanced braces, stray tokens, unterminated quotes, over-long lines",
             explanation: """
             keepalived reads its configuration line by line and splits '{' and '}' out as separate
             tokens. A '}' with no open block, a block never closed, a '{' with no keyword before
             it, a quote never closed or a line longer than 1023 bytes makes keepalived misread the
             rest of the file: it reports the problem and then often attaches the following lines
             to the wrong block. lvsc reports the first cause and keeps the structure balanced so
             later findings stay meaningful.
             """),
        Rule(id: .notKeepalived, severity: .error, summary: "A file read as keepalived.conf that holds no keepalived keyword at all",
             explanation: """
             A file given to lint, named by conf= or pulled in by include in which not one line is a
             keyword keepalived knows (nor a near misspelling of one) is not a keepalived
             configuration: a key, /etc/shadow, an nginx site, /proc/self/environ. lvsc then
             reports that once and does not quote the file's lines or repeat its words, since lint
             output ends up in CI logs and pull-request annotations. Check the path.
             """),
        Rule(id: .include, severity: .error, summary: "include patterns that match nothing, unreadable files, include cycles",
             explanation: """
             'include PATTERN' is resolved relative to the including file. keepalived's plain
             'include' silently skips a pattern that matches nothing, so a typo drops a whole part
             of the configuration; lvsc warns (errors for includer/includem/includew/includea,
             which keepalived treats as fatal). A file that includes itself, directly or through
             others, is an error.
             """),
        Rule(id: .unknownKeyword, severity: .error, summary: "A keyword keepalived does not know in that block",
             explanation: """
             keepalived matches keywords exactly and case-sensitively, per block. An unknown
             keyword is reported and ignored; an unknown keyword followed by a block makes
             keepalived read the block's lines as keywords of the enclosing block, cascading into
             more errors. lvsc names the nearest known keyword of that block as a hint, or the
             block where the keyword belongs.
             """),
        Rule(id: .deprecatedKeyword, severity: .warning, summary: "A keyword keepalived 2.x deprecates or no longer reads",
             explanation: """
             Old spellings still accepted (nb_get_retry, vrrp_track_file, lvs_sync_daemon_interface,
             route 'gw' and 'or', ...) and 1.x keywords keepalived 2.x ignores as unknown (lvs_id,
             renamed router_id in 1.1.8). The hint names the modern spelling.
             """),
        Rule(id: .missingArgument, severity: .error, summary: "A keyword without the value it needs",
             explanation: """
             keepalived aborts the whole parse (exit 2) when a keyword that reads a value has none,
             e.g. 'priority' alone on a line.
             """),
        Rule(id: .missingKeyword, severity: .error, summary: "A block without a keyword it requires",
             explanation: """
             keepalived drops or refuses blocks that lack a required keyword: a vrrp_instance
             without virtual_router_id or interface, a vrrp_script without script, a url without
             path, a MISC_CHECK without misc_path, a FILE_CHECK without track_file, or a
             virtual_server without real servers (ignored with a warning).
             """),
        Rule(id: .valueRange, severity: .error, summary: "A number outside the range keepalived accepts",
             explanation: """
             Ranges come from Grammar/keywords.md: virtual_router_id 1..255, priority 1..255 (255
             only for the address owner), advert_int integral for VRRPv2 and below 40.96 s for
             VRRPv3, ports 1..65535, weights, timeouts. keepalived replaces an out-of-range value
             with its default and carries on, which silently changes behaviour.
             """),
        Rule(id: .invalidValue, severity: .error, summary: "A value of the wrong kind (not an address, not one of the allowed words)",
             explanation: """
             An enumeration value keepalived does not accept (state MAST), a boolean that is not
             on/off/true/false/yes/no, an address that does not parse, a malformed digest or
             address option. keepalived falls back to a default or drops the entry.
             """),
        Rule(id: .badMask, severity: .error, summary: "Prefix length beyond the family, malformed prefixes, host bits in networks",
             explanation: """
             '192.168.100./24' is not an address; '/33' is longer than IPv4 allows; a
             virtual_server_group prefix with host bits set is refused by keepalived. A VIP with
             a prefix, by contrast, is an address on a subnet, so host bits are expected there.
             Across a cluster: a VIP on the director's LAN interface whose prefix does not contain
             the director's own address (the kernel then routes a subnet the director is not on)
             or whose length disagrees with the inventory's net=, and a director whose address is
             outside its own net=.
             """, scope: .both),
        Rule(id: .authPassLength, severity: .warning, summary: "auth_pass longer than 8 characters",
             explanation: """
             VRRPv2 carries at most 8 bytes of password. keepalived truncates a longer auth_pass
             to 8, so two passwords that differ only after the 8th character are the same, and a
             peer configured with the full string by another implementation will not match.
             """),
        Rule(id: .authCleartext, severity: .warning, summary: "PASS authentication is cleartext; no authentication under VRRPv3",
             explanation: """
             auth_type PASS sends the password in every advertisement, readable by anyone on the
             LAN; it protects against misconfiguration, not attackers. RFC 5798 (VRRPv3) removed
             authentication: keepalived ignores an authentication block on a VRRPv3 or IPv6
             instance (error), and AH cannot be used with IPv6.
             """),
        Rule(id: .duplicateVrrpName, severity: .error, summary: "A second vrrp_instance or vrrp_sync_group with a name already defined",
             explanation: """
             keepalived keeps the first vrrp_instance (or vrrp_sync_group) of a name and skips
             the whole second block ("already defined"): none of its settings, VIPs or members
             take effect. Usually one block was copied to make another and its name was not
             changed. lvsc reads the file as keepalived does, so the second block's contents are
             not checked either. Rename it, or merge the two.
             """, scope: .file),
        Rule(id: .scriptSecurity, severity: .error, summary: "Scripts run as root without enable_script_security, or a script user that may not exist",
             explanation: """
             keepalived runs vrrp_script, notify and MISC_CHECK scripts as script_user, else as
             the user keepalived_script when it exists (Debian does not create it), else as
             root. Scripts that would run as root without enable_script_security in global_defs
             make keepalived report a SECURITY VIOLATION, and `keepalived -t` exits 6, so a CI
             gate on it fails. With enable_script_security but no script_user, keepalived looks
             for keepalived_script; where that user does not exist it removes every script, and
             the instances tracking them lose their checks. Set both enable_script_security and
             a script_user that exists on every director.
             """, scope: .file),
        Rule(id: .vrrpNoVip, severity: .warning, summary: "A vrrp_instance without virtual_ipaddress",
             explanation: """
             An instance without VIPs still elects a MASTER, but moves no address: usually the
             block was misspelt or lost in an edit. keepalived warns ("at least one is
             sensible"); under vrrp_version 3 or vrrp_strict it rejects the instance, and lvsc
             reports an error there.
             """, scope: .file),
        Rule(id: .ignoredSetting, severity: .warning, summary: "A setting keepalived reads and then ignores",
             explanation: """
             keepalived accepts these without effect: an empty unicast_peer block (the instance
             falls back to multicast, which the peers may not listen to), a track_interface
             entry naming the instance's own interface (ignored with its weight: the instance
             goes to FAULT when that interface is down anyway), and an empty
             notification_email block (no mail is sent). Fill them in or remove them, so the
             file says what keepalived does.
             """, scope: .file),
        Rule(id: .quorumWeight, severity: .warning, summary: "quorum above the real servers' total weight, or every real server at weight 0",
             explanation: """
             A virtual server is up while the live real servers' weights add up to its quorum.
             A quorum above the total weight can never be met, so keepalived lowers it to the
             total (and says so). Real servers that all have weight 0 receive no new
             connections from IPVS: the service accepts connections and drops them.
             """, scope: .file),
        Rule(id: .unusedSuppression, severity: .warning, summary: "An lvsc-ignore comment that matches no finding, or names no rule",
             explanation: """
             `# lvsc-ignore RULE[,RULE] reason` silences findings of those rules on its line (or,
             on a block's opening line, in the whole block; alone on a line, on the next
             statement). keepalived ignores the comment. One that matches nothing is stale: the
             problem was fixed or moved, and the comment would silently hide the next real
             finding there. Remove it, or correct the rule id.
             """, scope: .file),
        Rule(id: .duplicateVrid, severity: .error, summary: "Two VRRP instances with one virtual_router_id, family and interface",
             explanation: """
             Routers of one VRRP group share a VRID on a LAN; two different instances with the
             same VRID, address family and interface (and multicast group) treat each other's
             advertisements as their own group's, so one of them never becomes MASTER or both do.
             Across a cluster the key is the one Batfish uses: broadcast domain (the inventory's
             net= or lan=), family, VRID and multicast group or unicast peer set. Two groups
             (instances sharing no VIP) under one key, even from unrelated configs, clash.
             """, scope: .both),
        Rule(id: .vipClash, severity: .error, summary: "One virtual IP in two VRRP instances",
             explanation: """
             A VIP belongs to one VRRP group. Listed in two instances, it is added and removed by
             both, and traffic follows whichever changed state last. Across a cluster: a VIP in
             two different VRRP groups, or equal to some host's own address in cluster.txt.
             """, scope: .both),
        Rule(id: .virtualServerUnowned, severity: .warning, summary: "A virtual_server address that no VRRP instance or static address holds",
             explanation: """
             IPVS only sees packets addressed to this host. A virtual_server on an address that
             is neither a VIP of some vrrp_instance nor a static_ipaddress only works if something
             outside keepalived adds the address; usually it is a typo or a VIP that was removed.
             """),
        Rule(id: .duplicateVirtualServer, severity: .error, summary: "The same virtual service defined twice",
             explanation: """
             Two virtual_server blocks with the same address, port and protocol (or the same
             fwmark or group) define one IPVS service twice; keepalived merges or rejects them
             and the real-server lists fight.
             """),
        Rule(id: .duplicateRealServer, severity: .error, summary: "The same real server twice in one virtual_server",
             explanation: """
             keepalived removes the second real_server with the same address and port, together
             with its checkers and weight: what is written is not what runs.
             """),
        Rule(id: .persistenceEngine, severity: .error, summary: "persistence_engine that is not a name the kernel can have",
             explanation: """
             persistence_engine names an IPVS persistence engine module; Linux has one, 'sip'
             (ip_vs_pe_sip), which keeps SIP calls on one real server by Call-ID. The kernel keeps
             at most 15 bytes of the name. A name with other characters is an error (it would also
             be written into ipvsadm scripts); a well-formed name other than 'sip' is a warning,
             since adding the service fails unless some module provides that engine.
             """),
        Rule(id: .portZeroPersistence, severity: .warning, summary: "A port-0 virtual_server without persistence_timeout, which keepalived makes persistent",
             explanation: """
             A virtual_server (or a virtual_server_group address range) on port 0 forwards every
             port of the address; IPVS accepts that only for persistent services. keepalived 2.x
             then sets persistence_timeout 360 itself and reports a configuration error. lvsc
             warns, and its ipvsadm output and plans carry the -p 360 keepalived will program, so
             they match the running director. Write persistence_timeout to say what you mean.
             """),
        Rule(id: .unknownScheduler, severity: .error, summary: "lb_algo/lvs_sched is not an IPVS scheduler keepalived knows",
             explanation: """
             keepalived accepts rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq and
             twos. Anything else is refused; a missing scheduler defaults to wlc with a config
             error. sh-*/mh-* flags need the sh/mh scheduler.
             """),
        Rule(id: .unknownForwarding, severity: .error, summary: "lb_kind/lvs_method is not NAT, DR or TUN",
             explanation: """
             IPVS forwards by NAT (masquerading), DR (direct routing, the usual choice for web farms) or TUN
             (IP-in-IP, GUE or GRE tunnelling). keepalived matches the words case-sensitively;
             without lb_kind it uses NAT, which on a DR cluster sends replies the wrong way.
             """),
        Rule(id: .protocolMissing, severity: .warning, summary: "An address virtual_server without protocol (keepalived defaults to UDP)",
             explanation: """
             keepalived defaults an address-based virtual_server without 'protocol' to UDP. A web
             service written without 'protocol TCP' then balances nothing: TCP connections to the
             VIP find no IPVS service.
             """),
        Rule(id: .drPortMismatch, severity: .error, summary: "A DR/TUN real server port differs from the service port",
             explanation: """
             Direct routing and tunnelling do not rewrite the destination port: the real server
             receives the packet on the service's port. keepalived resets the real server's port
             to the service's; the port written is not the port used.
             """),
        Rule(id: .syncGroupMember, severity: .error, summary: "Sync group naming an unknown instance, an instance in two groups, or a group of one",
             explanation: """
             A vrrp_sync_group makes its instances change state together. A member that is no
             vrrp_instance is an error in keepalived; an instance in two groups is refused; a
             group of one instance does nothing (warning); the classic LVS-keepalived HOWTO's sample
             has exactly that.
             """),
        Rule(id: .masterNotHighest, severity: .warning, summary: "state MASTER with a lower priority than a BACKUP, or MASTER with nopreempt",
             explanation: """
             The initial MASTER should have the highest priority of its group; otherwise the
             BACKUP preempts it at start-up and the VIP moves once for nothing. In a file shared
             by several directors through @id lines, lvsc compares the variants. nopreempt with
             state MASTER is cleared by keepalived (nopreempt needs state BACKUP on all routers).
             """),
        Rule(id: .strictModeConflict, severity: .error, summary: "vrrp_strict together with what strict mode forbids",
             explanation: """
             Strict mode (vrrp_strict / strict_mode) forbids authentication, unicast peers,
             preempt_delay and a MASTER state without priority 255; keepalived drops those
             settings. It also turns 'accept' off unless the router owns the address: VIPs that
             carry a virtual_server then drop traffic unless 'accept' is set.
             """),
        Rule(id: .unicastSelfPeer, severity: .error, summary: "A unicast_peer equal to the instance's own unicast_src_ip",
             explanation: """
             A router listing itself as a unicast peer sends advertisements to itself and sees
             its own packets as a second router of the group.
             """),
        Rule(id: .undefinedReference, severity: .error, summary: "track_script, track_file, virtual_server group or BFD name that is not defined",
             explanation: """
             keepalived ignores a track_script naming no vrrp_script (so the instance is never
             demoted when the service dies), a FILE_CHECK or track_file naming no track_file, and a
             'virtual_server group' naming no virtual_server_group.
             """),
        Rule(id: .routeUntracked, severity: .warning, summary: "A static or virtual route without dev",
             explanation: """
             keepalived watches the routes it adds and restores them when they disappear, but only
             for routes that name their interface. A route without 'dev' (or 'oif') is added once
             and then forgotten: if an interface flap removes it, nothing puts it back.
             """),
        Rule(id: .untypedBlock, severity: .note, summary: "A block lvsc parses and keeps but does not model yet",
             explanation: """
             Static routes and rules, BFD instances, garp groups, track groups, auth_hmac and the
             SNMP/DBus settings are read, their keywords and addresses checked, and kept verbatim;
             lvsc's typed model does not cover them yet, so cluster checks and emitters ignore them.
             """),

        // Inventory (cluster.txt) rules.
        Rule(id: .inventorySyntax, severity: .error, summary: "A cluster.txt line that is not 'name mac class label service ip extra'",
             explanation: """
             Every host line of cluster.txt has seven whitespace-separated columns; the last is -
             or key=value parameters joined by commas (Grammar/cluster-txt.md). A line with
             fewer or more columns, a parameter without '=', or a parameter given twice is
             reported. A director (a line with conf=) without iface= and net= is a warning: its
             LAN is unknown, so the LAN rules cannot check it.
             """, scope: .cluster),
        Rule(id: .inventoryBadMac, severity: .error, summary: "A MAC column that is not a MAC, or that disagrees with the LB class",
             explanation: """
             The mac column is six pairs of hex digits joined by colons. The all-zero MAC marks a
             floating VIP (class LB): a VIP with a real MAC, or a host with the
             zero MAC, makes monitoring treat the line as the wrong kind of thing.
             """, scope: .cluster),
        Rule(id: .inventoryBadAddress, severity: .error, summary: "An ip column or net= parameter that does not parse",
             explanation: """
             The ip column is one IPv4 or IPv6 address; net= is a subnet with its prefix length
             (192.0.2.0/24). A line whose address does not parse takes no part in the cluster
             rules.
             """, scope: .cluster),
        Rule(id: .inventoryDuplicateName, severity: .error, summary: "Two cluster.txt lines with one host name",
             explanation: """
             Host names key the inventory: --host NAME, the config id of a director, monitoring.
             A name listed twice makes the second line unreachable.
             """, scope: .cluster),
        Rule(id: .addressClash, severity: .error, summary: "Two cluster.txt lines with one address",
             explanation: """
             Two hosts (or a host and a floating VIP) with one address answer ARP for each
             other's traffic; whichever answers last gets the packets.
             """, scope: .cluster),
        Rule(id: .inventoryDuplicateMac, severity: .warning, summary: "Two hosts with one MAC address",
             explanation: """
             Apart from the all-zero MAC of floating VIPs, two lines with one MAC are usually a
             copied line: the switch delivers their frames to whichever port spoke last.
             """, scope: .cluster),
        Rule(id: .inventoryUnknownKey, severity: .error, summary: "A key=value parameter cluster.txt does not define",
             explanation: """
             The extra column knows conf, iface, net, id and lan (Grammar/cluster-txt.md). An
             unknown key is usually a typo of one of them, and the host then silently lacks the
             parameter: a misspelt conf= makes a director a plain host.
             """, scope: .cluster),
        Rule(id: .inventoryBadValue, severity: .error, summary: "A cluster.txt name, iface=, id=, conf= or lan= that cannot be written safely",
             explanation: """
             Values from cluster.txt end up in the scripts lvsc writes for root's boot (rc.final
             blocks) and in file names, so each is checked against what it may be before anything
             is emitted: a host name has letters, digits, '.', '_' and '-' and starts with a letter
             or digit; iface= is an interface name as the kernel accepts it (1 to 15 bytes, no '/',
             ':' or blank, and lvsc also refuses control bytes and a leading '-'); id= (keepalived's
             -i) is a word of letters, digits, '.', '_' and '-'; conf= and lan= hold no control
             bytes. `iface=eth0;reboot` is refused here rather than run at boot. Emitters also quote
             every value they write, so even --force cannot turn one into a command.
             """, scope: .cluster),
        Rule(id: .inventoryConf, severity: .error, summary: "A director's conf= file that cannot be read",
             explanation: """
             conf= names the keepalived.conf a director runs, relative to cluster.txt's folder.
             If it cannot be read, none of that director's checks run. It must name a regular file
             in that folder or below it (symbolic links are followed to check): lvsc does not read
             conf=/etc/shadow or conf=../../secret, which a pull request could otherwise use to
             have CI print any file of the runner, and it does not open devices or FIFOs.
             """, scope: .cluster),
        // Cluster rules.
        Rule(id: .masterBackupMismatch, severity: .error, summary: "Directors of one VRRP group without one clear MASTER and distinct priorities",
             explanation: """
             Directors whose instances share a VRID, family and LAN (and a VIP) are one VRRP
             group. It needs exactly one initial MASTER with the highest priority, or all BACKUP
             with distinct priorities. Two MASTERs settle by priority and then by address; a
             BACKUP above the MASTER takes over at start-up; equal priorities leave the choice of
             master to the primary addresses; priority 255 belongs only to the director that owns
             the VIP as its own address.
             """, scope: .cluster),
        Rule(id: .peerConfigDrift, severity: .error, summary: "Directors of one VRRP group whose files differ where they must agree",
             explanation: """
             The classic LVS-keepalived HOWTO's rule: the directors' files "should all be
             identical, except that the master server should specify master status". After a failover the backup serves
             what its own file says, so every VIP, advert_int, VRRP version, authentication,
             virtual_server, real_server, weight and checker parameter must match the master's.
             state, priority, unicast_src_ip/unicast_peer, router_id and notify scripts are meant
             to differ and are not compared. Order does not matter: keywords inside a block, and
             the checkers of a real server, may be listed differently on each director. Each
             finding points at both files' lines.
             """, scope: .cluster),
        Rule(id: .vipNotInInventory, severity: .warning, summary: "A VIP without an LB line in cluster.txt",
             explanation: """
             Seed section 6: every floating VIP gets a line 'NAME 00:00:00:00:00:00 LB LABEL
             SERVICE ADDRESS -' so that monitoring checks it on whichever director holds it. A
             VIP without one is never monitored.
             """, scope: .cluster),
        Rule(id: .inventoryVipUnused, severity: .warning, summary: "An LB line whose address no director carries",
             explanation: """
             A floating VIP in cluster.txt that is in no director's virtual_ipaddress (nor a
             standalone director's virtual_server) is held by nobody: monitoring reports it down,
             or the line is left over from a retired service.
             """, scope: .cluster),
        Rule(id: .drNotSameLan, severity: .error, summary: "A direct-routing real server outside the director's LAN",
             explanation: """
             Seed section 7: with DR the director only rewrites the destination MAC, so a real
             server must be on the director's own LAN (net= in the inventory). One outside it is
             never reached; use TUN or NAT for those.
             """, scope: .cluster),
        Rule(id: .realServerUnknown, severity: .error, summary: "A real server address that is not in cluster.txt",
             explanation: """
             Real servers are the hosts the configurations name. One missing from the inventory
             gets no monitoring and no rc.final block. For direct routing and tunnelling that block
             is what makes the host accept the VIP's packets (the VIP on lo or tunl0, the ARP
             sysctls): without it the share of connections the director sends there is dropped, so
             that is an error. A NAT real server needs no block of its own (its default route), so
             there it is a warning.
             """, scope: .cluster),
        Rule(id: .interfaceNotInInventory, severity: .warning, summary: "A vrrp_instance on an interface cluster.txt does not list for its director",
             explanation: """
             cluster.txt lists each director's interfaces with the LAN each is on
             (iface=eth0,net=192.0.2.0/24, repeated for a director on several LANs). That mapping
             is how lvsc compares directors on different hardware (eth0 on one, ens192 on the
             other) and writes each one's own interface into its generated keepalived.conf. An
             instance on an interface not listed there is placed on a LAN lvsc can only guess
             from its VIPs; usually a typo in the interface or a line cluster.txt lacks.
             """, scope: .cluster),
        Rule(id: .natGateway, severity: .error, summary: "A NAT real server without a gateway VIP on its LAN, or one that does not move with the service",
             explanation: """
             With NAT (lb_kind NAT) the director rewrites the replies, so each real server's default
             route must point at the director holding the service: the floating VIP a VRRP group
             keeps on the real servers' LAN (a VIP whose prefix contains the real server), or a
             standalone director's own address there. lvsc writes that route into the real
             server's rc.final block. With no such VIP the replies bypass the director and clients
             see resets. If the gateway VIP is in another vrrp_instance than the service's VIP,
             a vrrp_sync_group must bind the two, or after a partial failover the service and the
             gateway sit on different directors.
             """, scope: .cluster),
        Rule(id: .routerIdDuplicate, severity: .warning, summary: "Two directors with one router_id",
             explanation: """
             router_id names the machine in notification mails, SNMP and logs. A template
             copied to every director gives them all the same router_id; with one id, mails and
             logs of the directors cannot be told apart. (The 1.x keyword lvs_id is not
             router_id: keepalived 2.x ignores it and uses the host name, so directors that
             share an lvs_id do not share a router_id.)
             """, scope: .cluster),
        Rule(id: .unicastPeerMismatch, severity: .error, summary: "Unicast peers that do not list each other, or list themselves",
             explanation: """
             With unicast VRRP every director sends its adverts to the addresses in its
             unicast_peer block and accepts adverts only from them. A director missing from a
             peer's list has its adverts dropped, so both become MASTER; a director listing its
             own address talks to itself; a peer that is no director is a stale address.
             """, scope: .cluster),
        Rule(id: .checkerOnly, severity: .note, summary: "What keepalived's checker does that the generated IPVS table cannot say",
             explanation: """
             The IPVS table lvsc generates is the one keepalived loads at start, with every real
             server up. Health checks (TCP_CHECK, HTTP_GET, MISC_CHECK, …), quorum, hysteresis and
             the sorry_server are decisions keepalived's checker process makes afterwards, by
             adding and removing real servers. A director that loads the table without running the
             checker keeps sending to dead real servers; the note says which services depend on it.
             """, scope: .emit),
        Rule(id: .ipvsadmFormat, severity: .warning, summary: "A value ipvsadm's own formats cannot carry",
             explanation: """
             ipvsadm-save prints a fwmark above 2^31 as a negative number that ipvsadm-restore then
             rejects, has no field for upper and lower connection thresholds, and ipvsadm -w
             takes weights up to 65535 only (keepalived sets larger ones through netlink). The
             generated script would fail or silently lose the value at that line; --style
             commands or lvsc apply carry it.
             """, scope: .emit),
        Rule(id: .emptyVirtualServer, severity: .note, summary: "A virtual_server without real servers, which keepalived does not load",
             explanation: """
             keepalived creates an IPVS service only for a virtual_server with at least one
             real_server (or a sorry_server in use). A virtual_server block without any is kept in
             the file but gives no service; lvsc's table leaves it out the same way.
             """, scope: .emit),
        Rule(id: .generatedFile, severity: .note, summary: "What a generated keepalived.conf still needs from the operator",
             explanation: """
             emit keepalived writes each director's file from its VRRP group's MASTER. What it
             cannot rewrite is said: a value inside an included file (the include is copied, not
             changed), text that still names the MASTER (a comment, notification_email_from),
             include patterns whose files must be copied to the director too, and a file it
             could not reformat without changing what keepalived reads.
             """, scope: .emit),
        Rule(id: .emitOption, severity: .warning, summary: "An emitter option whose output will not work on today's hosts",
             explanation: """
             --legacy-hidden writes the 2.4/2.6-era 'hidden' sysctls that mainline kernels
             ignore, so the real servers answer ARP for the VIP. It is allowed (an old layout
             may need it) and said.
             """, scope: .emit),
        Rule(id: .spofNoTakeover, severity: .error, summary: "A director fails and no other director takes over its VIPs",
             explanation: """
             lvsc simulate fails each director (and each link its VRRP instances use) in turn and
             runs the others' VRRP engines. A VRRP group whose MASTER was on the failed director
             and that has no MASTER afterwards is a single point of failure: no other director
             has an instance with that virtual_router_id on that LAN, or those it has are in FAULT
             too. Give another director an instance with the same virtual_router_id and VIPs.
             """, scope: .simulate),
        Rule(id: .spofTwoMasters, severity: .error, summary: "Two directors are MASTER of one VRRP group at once",
             explanation: """
             Directors that do not hear each other's adverts each become MASTER and both hold
             the VIPs: clients reach whichever answered ARP last. In unicast mode each director's
             unicast_peer block must list every other director's source address; a director in
             unicast mode and one in multicast mode never hear each other. Found without any
             failure, or after one (the finding names it).
             """, scope: .simulate),
        Rule(id: .spofNoRealServer, severity: .error, summary: "One real server failing leaves a service with none",
             explanation: """
             A virtual_server balancing over a single real server (counting each address once)
             stops serving when that server fails its health check. With a sorry_server the
             sorry server answers, so the finding is a note; otherwise add a second real_server.
             """, scope: .simulate),
        Rule(id: .spofQuorumLost, severity: .note, summary: "One real server failing drops a service below its quorum",
             explanation: """
             keepalived runs quorum_down when the weight of the live real servers falls below
             quorum, and hands the service to the sorry_server if there is one; the remaining real
             servers carry the load otherwise. Nothing is lost outright, but the service is
             degraded by a single failure: lower quorum or add real servers.
             """, scope: .simulate),
        Rule(id: .spofSyncGroupSplit, severity: .error, summary: "A failure leaves a sync group's instances MASTER on different directors",
             explanation: """
             A vrrp_sync_group says its instances must be MASTER on one director together (a
             VIP and the NAT gateway its real servers answer through, for instance). When the
             directors that back up the members are not the same, a failure can leave them on
             different directors, or some with no MASTER. Back up every member on the same
             directors, in the same sync group.
             """, scope: .simulate),
        Rule(id: .spofFlapping, severity: .error, summary: "After a failure a VRRP group never settles",
             explanation: """
             A sync group follows its members, and priorities decide each member's election: when
             a failure makes two members of one sync group prefer different directors, the group
             pulls the other along, the other director preempts, and the VIPs move every few
             seconds for as long as the failure lasts. Keep the same priority order for every
             member of a sync group on every director, and the same weights for tracked scripts.
             """, scope: .simulate),
    ]

    public static func rule(_ id: RuleID) -> Rule? { all.first { $0.id == id } }

    /// The rule a user named (`lvsc explain vip-clash`).
    public static func rule(named name: String) -> Rule? { RuleID(named: name).flatMap(rule) }

    /// The rule id spelt most like `name`, when it is close enough to be a typo of it.
    public static func nearest(to name: String) -> String? {
        let typed = Array(name.lowercased().replacingAll("_", with: "-").utf8)
        guard typed.count <= 64 else { return nil }
        var best: (String, Int)?
        for r in all {
            let d = editDistance(typed, Array(r.id.rawValue.utf8))
            if best == nil || d < best!.1 { best = (r.id.rawValue, d) }
        }
        guard let (id, d) = best, d <= max(2, typed.count / 4) else { return nil }
        return id
    }
}
