import Diagnostics
import LVSCore
import LVSKernel
import LVSModel
import VRRP

/// Text and JSON for `lvsc simulate`. `locate` turns a span into `file:line:col`.
public struct SimulationReport {
    public let model: SimulationModel
    public let clusterName: String
    public let locate: (SourceSpan) -> String

    public init(model: SimulationModel, clusterName: String, locate: @escaping (SourceSpan) -> String) {
        self.model = model
        self.clusterName = clusterName
        self.locate = locate
    }

    // MARK: one scenario

    /// What the scenario loses: groups left without a MASTER or with two, services left with
    /// no real server (and no sorry server) or no director, sync groups that split.
    public func losses(_ o: SimOutcome) -> [String] {
        var out: [String] = []
        for (g, group) in o.after.groups.enumerated() {
            if group.masters.isEmpty && !o.before.groups[g].masters.isEmpty {
                out.append("\(model.groups[g].name): no director holds \(vips(g))")
            } else if group.masters.count > 1 {
                out.append("\(model.groups[g].name): \(group.masters.count) MASTERs (\(names(group.masters)))")
            }
        }
        for (i, s) in o.after.services.enumerated() where o.before.services[i].servedBy != nil {
            if s.servedBy == nil { out.append("\(model.services[i].label): no director serves it") }
            else if s.liveServers.isEmpty && s.sorryServer == nil { out.append("\(model.services[i].label): no real server left") }
        }
        for g in o.flapping { out.append("\(model.groups[g].name): never settles (the MASTER keeps changing)") }
        for sg in o.splitSyncGroups {
            out.append("\(model.directors[sg.director].name)'s vrrp_sync_group \(model.directors[sg.director].plan.groups[sg.group].name) splits")
        }
        return out
    }

    public func text(_ o: SimOutcome) -> String {
        var t = "lvsc simulate: \(clusterName): \(model.directors.count) director\(model.directors.count == 1 ? "" : "s"), "
            + "\(model.groups.count) VRRP group\(model.groups.count == 1 ? "" : "s"), \(model.services.count) service\(model.services.count == 1 ? "" : "s")\n"
        t += "  all directors started at once and settled; then: "
            + (o.failures.isEmpty ? "nothing fails" : o.failures.map { $0.describe(model) }.joined(separator: ", ")) + "\n"
        t += "\nVRRP groups\n"
        for (g, group) in model.groups.enumerated() {
            t += "  \(group.name)  vrid \(group.vrid) on \(group.lan)  VIP \(vips(g))\n"
            t += "    before:    \(members(o.before.groups[g]))\n"
            t += "    after:     \(members(o.after.groups[g]))\n"
            if let m = o.moves.first(where: { $0.group == g }) { t += "    moved:     \(move(m))\n" }
            t += briefly(o.transients, g)
            if let r = o.recovered {
                t += "    recovered: \(members(r.groups[g]))\n"
                if let m = o.recoveryMoves.first(where: { $0.group == g }) { t += "    moved:     \(move(m))\n" }
                else { t += "    moved:     nothing (the MASTER stays)\n" }
                t += briefly(o.recoveryTransients, g)
            }
        }
        for (d, director) in model.directors.enumerated() {
            for (gi, sg) in director.plan.groups.enumerated() {
                let split = o.splitSyncGroups.contains { $0.director == d && $0.group == gi }
                t += "  sync group \(sg.name) on \(director.name) (\(sg.members.map { director.plan.instances[$0].router.name }.joined(separator: ", "))): \(split ? "SPLITS" : "stays together")\n"
            }
        }
        t += "\nServices\n"
        var unchanged = 0
        for (i, s) in model.services.enumerated() {
            let b = o.before.services[i], a = o.after.services[i]
            let changed = b.servedBy != a.servedBy || a.liveServers.count != a.totalServers || !a.quorumUp
                || (o.recovered.map { $0.services[i].servedBy != a.servedBy } ?? false)
            guard changed || model.services.count <= 20 else { unchanged += 1; continue }
            t += "  \(s.label)  served by \(served(b.servedBy))" + (b.servedBy == a.servedBy ? "" : " -> \(served(a.servedBy))")
            if let r = o.recovered, r.services[i].servedBy != a.servedBy { t += " -> \(served(r.services[i].servedBy)) (recovered)" }
            t += "\n"
            t += "    real servers \(a.liveServers.count)/\(a.totalServers), weight \(a.liveWeight)/\(a.totalWeight), quorum \(a.quorum) \(a.quorumUp ? "up" : "DOWN")"
            if let sorry = a.sorryServer { t += ", sorry_server \(sorry) \(a.sorryServerInUse ? "IN USE" : "idle")" }
            t += "\n    connections: \(connections(b, a, failures: o.failures))\n"
        }
        if unchanged > 0 { t += "  \(unchanged) other service\(unchanged == 1 ? "" : "s") unchanged\n" }
        let lost = losses(o)
        t += "\n" + (lost.isEmpty ? "Nothing is lost.\n" : "Lost:\n" + lost.map { "  \($0)\n" }.joined())
        return t
    }

    func briefly(_ ts: [SimTransient], _ g: Int) -> String {
        ts.filter { $0.group == g }.map {
            "    briefly:   \(model.directors[$0.director].name) was MASTER for \(Self.seconds($0.seconds)) s on the way (the VIPs were on two directors meanwhile)\n"
        }.joined()
    }

    func names(_ ds: [Int]) -> String { ds.map { model.directors[$0].name }.joined(separator: ", ") }

    func served(_ d: Int?) -> String { d.map { model.directors[$0].name } ?? "nobody" }

    func vipList(_ g: Int) -> [String] {
        var seen = Set<IPAddress>(), out: [String] = []
        for m in model.groups[g].members {
            for v in model.directors[m.director].plan.instances[m.router].router.virtualAddresses where seen.insert(v).inserted { out.append(v.description) }
        }
        return out
    }

    func vips(_ g: Int) -> String {
        let list = vipList(g)
        return list.isEmpty ? "(none)" : list.joined(separator: ", ")
    }

    func members(_ g: SimSnapshot.Group) -> String {
        g.members.map { m in
            let r = model.directors[m.ref.director].plan.instances[m.ref.router].router
            var s = "\(model.directors[m.ref.director].name) \(m.up ? m.state.rawValue : "DOWN")"
            var notes = ["priority \(m.priority)\(Int(m.priority) != Int(r.priority) && !r.isAddressOwner ? " (configured \(r.priority))" : "")"]
            if r.isAddressOwner { notes.append("address owner") }
            if !r.preempt { notes.append("nopreempt") }
            if r.preemptDelay > 0 { notes.append("preempt_delay \(Double(r.preemptDelay) / 1_000_000) s") }
            // Why a MASTER is one, and why a BACKUP or FAULT is not (the tie-break by address
            // shows here); a plain start-up as BACKUP says nothing new.
            if m.up, let why = m.reason, why != "start-up" { notes.append(why) }
            s += " (" + notes.joined(separator: "; ") + ")"
            return s
        }.joined(separator: ", ")
    }

    func move(_ m: SimMove) -> String {
        let to = m.to.isEmpty ? "nobody" : names(m.to)
        var s = "\(m.from.isEmpty ? "nobody" : names(m.from)) -> \(to)"
        if let sec = m.seconds { s += " after \(Self.seconds(sec)) s" }
        if let r = m.reason { s += ": \(r)" }
        return s
    }

    func connections(_ b: SimSnapshot.Service, _ a: SimSnapshot.Service, failures: [SimFailure]) -> String {
        var parts: [String] = []
        if b.servedBy != a.servedBy {
            if a.servedBy == nil { parts.append("all lost: no director holds the VIP") }
            else if let from = b.servedBy, let to = a.servedBy, model.directors[from].syncDaemon && model.directors[to].syncDaemon {
                parts.append("kept: the lvs_sync_daemon of \(model.directors[from].name) synced them to \(model.directors[to].name)")
            } else {
                parts.append("lost on takeover (no lvs_sync_daemon on both directors)")
            }
        }
        let failed = a.totalServers - a.liveServers.count
        if failed > 0 { parts.append("those to the \(failed) failed real server\(failed == 1 ? "" : "s") lost") }
        return parts.isEmpty ? "kept" : parts.joined(separator: "; ")
    }

    static func seconds(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    public func json(_ o: SimOutcome) -> JSON {
        func snapshot(_ s: SimSnapshot) -> JSON {
            .object([
                ("groups", .array(s.groups.enumerated().map { g, group in
                    .object([
                        ("group", .string(model.groups[g].name)),
                        ("vrid", .int(Int(model.groups[g].vrid))),
                        ("vips", .array(vipList(g).map { .string($0) })),
                        ("masters", .array(group.masters.map { .string(model.directors[$0].name) })),
                        ("members", .array(group.members.map { m in
                            .object([("director", .string(model.directors[m.ref.director].name)), ("reason", m.reason.map { .string($0) } ?? .null),
                                     ("instance", .string(model.directors[m.ref.director].plan.instances[m.ref.router].router.name)),
                                     ("state", .string(m.up ? m.state.rawValue : "DOWN")), ("priority", .int(Int(m.priority)))])
                        })),
                    ])
                })),
                ("services", .array(s.services.enumerated().map { i, svc in
                    .object([
                        ("service", .string(model.services[i].label)),
                        ("served_by", svc.servedBy.map { .string(model.directors[$0].name) } ?? .null),
                        ("real_servers", .int(svc.liveServers.count)), ("total_real_servers", .int(svc.totalServers)),
                        ("weight", .int(svc.liveWeight)), ("total_weight", .int(svc.totalWeight)),
                        ("quorum", .int(svc.quorum)), ("quorum_up", .bool(svc.quorumUp)),
                        ("sorry_server", svc.sorryServer.map { .string($0) } ?? .null), ("sorry_server_in_use", .bool(svc.sorryServerInUse)),
                    ])
                })),
            ])
        }
        func moves(_ ms: [SimMove]) -> JSON {
            .array(ms.map { m in
                .object([("group", .string(model.groups[m.group].name)), ("vips", .string(vips(m.group))),
                         ("from", .array(m.from.map { .string(model.directors[$0].name) })),
                         ("to", .array(m.to.map { .string(model.directors[$0].name) })),
                         ("seconds", m.seconds.map { .double(($0 * 1000).rounded() / 1000) } ?? .null),
                         ("reason", m.reason.map { .string($0) } ?? .null)])
            })
        }
        var fields: [(String, JSON)] = [
            ("cluster", .string(clusterName)),
            ("failures", .array(o.failures.map { .object([("kind", .string($0.kind)), ("what", .string($0.describe(model)))]) })),
            ("before", snapshot(o.before)), ("after", snapshot(o.after)), ("moves", moves(o.moves)),
            ("flapping", .array(o.flapping.map { .string(model.groups[$0].name) })),
            ("split_sync_groups", .array(o.splitSyncGroups.map { .string("\(model.directors[$0.director].name) \(model.directors[$0.director].plan.groups[$0.group].name)") })),
        ]
        func transients(_ ts: [SimTransient]) -> JSON {
            .array(ts.map { .object([("group", .string(model.groups[$0.group].name)), ("director", .string(model.directors[$0.director].name)),
                                     ("seconds", .double(($0.seconds * 1000).rounded() / 1000))]) })
        }
        fields.append(("transients", transients(o.transients)))
        if let r = o.recovered {
            fields.append(("recovered", snapshot(r)))
            fields.append(("recovery_moves", moves(o.recoveryMoves)))
            fields.append(("recovery_transients", transients(o.recoveryTransients)))
        }
        fields.append(("lost", .array(losses(o).map { .string($0) })))
        return .object(fields)
    }

    // MARK: every single failure

    public func text(_ sweep: SingleFailureSweep) -> String {
        func n(_ k: Int, _ what: String) -> String { "\(k) \(what)\(k == 1 ? "" : "s")" }
        var t = "lvsc simulate --all-single-failures: \(clusterName): failed one at a time: \(n(sweep.directorFailures, "director")), "
            + "\(n(sweep.linkFailures, "link")), \(n(sweep.realServerFailures, "real server"))\n"
        let spofs = sweep.singlePointsOfFailure
        let notes = sweep.findings.filter { !$0.isSinglePointOfFailure }
        if spofs.isEmpty {
            t += "\nNo single point of failure: every single failure leaves every VIP with a MASTER and every service with a real server.\n"
        } else {
            t += "\nSingle points of failure (\(spofs.count)):\n" + table(spofs)
        }
        if !notes.isEmpty { t += "\nDegraded, nothing lost (\(notes.count)):\n" + table(notes) }
        return t
    }

    func table(_ findings: [SimFinding]) -> String {
        let rows = findings.map { f in
            [f.failure?.describe(model) ?? "(none: as configured)", f.rule.rawValue, f.span.map(locate) ?? "-", f.message + "; " + f.hint]
        }
        let header = ["FAILURE", "RULE", "LINE", "WHAT, AND THE CHANGE"]
        var widths = header.map(\.count)
        for r in rows { for c in 0..<3 { widths[c] = max(widths[c], r[c].count) } }
        func line(_ r: [String]) -> String {
            "  " + (0..<3).map { r[$0] + String(repeating: " ", count: widths[$0] - r[$0].count) }.joined(separator: "  ") + "  " + r[3] + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    public func json(_ sweep: SingleFailureSweep) -> JSON {
        .object([
            ("cluster", .string(clusterName)),
            ("checked", .object([("directors", .int(sweep.directorFailures)), ("links", .int(sweep.linkFailures)),
                                 ("real_servers", .int(sweep.realServerFailures))])),
            ("single_points_of_failure", .int(sweep.singlePointsOfFailure.count)),
            ("findings", .array(sweep.findings.map { f in
                .object([("failure", f.failure.map { .object([("kind", .string($0.kind)), ("what", .string($0.describe(model)))]) } ?? .null),
                         ("rule", .string(f.rule.rawValue)), ("single_point_of_failure", .bool(f.isSinglePointOfFailure)),
                         ("message", .string(f.message)), ("location", f.span.map { .string(locate($0)) } ?? .null),
                         ("hint", .string(f.hint))])
            })),
        ])
    }
}
