import LVSModel

/// Rules over cluster.txt alone: lines that collide with each other, directors that lack
/// what the cluster rules need.
struct InventoryChecks {
    let inventory: Inventory
    var diags = DiagnosticBag()

    init(_ inventory: Inventory) { self.inventory = inventory }

    mutating func run() -> DiagnosticBag {
        duplicates()
        floatingVIPLines()
        directors()
        return diags
    }

    /// First line of each name, address and MAC; indices, not copies, keep 50,000 hosts cheap.
    mutating func duplicates() {
        let hosts = inventory.hosts
        var names: [String: Int] = [:], addresses: [IPAddress: Int] = [:], macs: [MACAddress: Int] = [:]
        names.reserveCapacity(hosts.count); addresses.reserveCapacity(hosts.count); macs.reserveCapacity(hosts.count)
        for (i, h) in hosts.enumerated() {
            if let f = names[h.name.value] {
                diags.add(.inventoryDuplicateName, .error, "host \(h.name.value) is listed twice", at: h.name.span,
                          related: [RelatedLocation(span: hosts[f].name.span, message: "first listed here")])
            } else { names[h.name.value] = i }
            if let a = h.address {
                if let f = addresses[a.value] {
                    let first = hosts[f]
                    diags.add(.addressClash, .error, "\(h.name.value) has address \(a.value), which \(first.name.value) already has",
                              at: a.span, hint: "two hosts with one address answer ARP for each other's traffic",
                              related: [RelatedLocation(span: first.address!.span, message: "\(first.name.value)'s address")])
                } else { addresses[a.value] = i }
            }
            if let m = h.mac, !m.value.isZero {
                if let f = macs[m.value] {
                    let first = hosts[f]
                    diags.add(.inventoryDuplicateMac, .warning, "\(h.name.value) has MAC \(m.value), which \(first.name.value) already has",
                              at: m.span, related: [RelatedLocation(span: first.mac!.span, message: "\(first.name.value)'s MAC")])
                } else { macs[m.value] = i }
            }
        }
    }

    /// Section 6 of the seed: a VIP line has class LB and the all-zero MAC, and only a VIP line does.
    mutating func floatingVIPLines() {
        for h in inventory.hosts {
            guard let m = h.mac else { continue }
            if h.isFloatingVIP && !m.value.isZero {
                diags.add(.inventoryBadMac, .error, "\(h.name.value) is a floating VIP (class LB) but has MAC \(m.value)", at: m.span,
                          hint: "a VIP moves between directors and has no MAC of its own: write 00:00:00:00:00:00")
            } else if !h.isFloatingVIP && m.value.isZero {
                diags.add(.inventoryBadMac, .warning, "\(h.name.value) has the all-zero MAC, which marks floating VIPs, but class \(h.hostClass.value)",
                          at: m.span, hint: "write class LB for a floating VIP, or the host's real MAC")
            }
        }
    }

    /// A director needs its LAN (iface, net) for the LAN rules; its address must be on that LAN.
    mutating func directors() {
        for h in inventory.hosts where h.isDirector {
            var missing: [String] = []
            if h.interface == nil { missing.append("iface=") }
            if h.parameter(.net) == nil { missing.append("net=") }
            if !missing.isEmpty {
                diags.add(.inventorySyntax, .warning,
                          "director \(h.name.value) has conf= but no \(missing.joined(separator: " or ")): its LAN is unknown, so dr-not-same-lan and bad-mask cannot check it",
                          at: h.conf!.span, hint: "add e.g. iface=eth0,net=192.0.2.0/24")
            }
            if let net = h.subnet, let a = h.address, !net.value.contains(a.value) {
                diags.add(.badMask, .error, "\(h.name.value)'s address \(a.value) is not in its net=\(net.value)", at: net.span,
                          related: [RelatedLocation(span: a.span, message: "\(h.name.value)'s address")])
            }
        }
    }
}
