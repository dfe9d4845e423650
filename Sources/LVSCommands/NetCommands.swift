import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// The plan's IPVS operations as netlink requests (addresses and sysctls go elsewhere).
func requests(_ plan: Plan) -> [IPVSRequest] {
    plan.operations.compactMap { op in
        switch op {
        case .addService(let s): return .addService(s)
        case .updateService(let s, _): return .updateService(s)
        case .deleteService(let s): return .deleteService(s.key)
        case .addDestination(let k, let d): return .addDestination(k, d)
        case .updateDestination(let k, let d, _): return .updateDestination(k, d)
        case .deleteDestination(let k, let d): return .deleteDestination(k, d)
        case .addAddress, .deleteAddress, .setSysctl, .startSyncDaemon, .stopSyncDaemon: return nil
        }
    }
}

enum Sysctl {
    static func path(_ name: String) -> String { "/proc/sys/" + name.split(separator: ".").joined(separator: "/") }

    static func read(_ name: String) -> String? {
        guard case .success(let b) = ConfigParser.readAll(path(name)) else { return nil }
        var s = String(decoding: b, as: UTF8.self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }

    static func write(_ name: String, _ value: String) throws {
        let fd = open(path(name), O_WRONLY)
        guard fd >= 0 else {
            throw errno == EACCES || errno == EPERM ? NetlinkError.permission("sysctl -w \(name)") : NetlinkError.kernel(operation: "sysctl -w \(name)", errno: errno, message: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw NetlinkError.kernel(operation: "sysctl -w \(name)", errno: errno, message: String(cString: strerror(errno)))
        }
    }
}

extension SyncDaemon {
    var kernel: KernelSyncDaemon {
        var k = KernelSyncDaemon(master: role == .master, interface: interface, syncID: syncID)
        k.maxLength = maxLength; k.group = group; k.port = port; k.ttl = ttl
        return k
    }

    /// A running daemon as the plan compares it: the kernel's defaults count as unset unless the
    /// configuration sets them.
    static func fromKernel(_ k: KernelSyncDaemon, like want: [SyncDaemon]) -> SyncDaemon {
        var d = SyncDaemon(role: k.master ? .master : .backup, interface: k.interface, syncID: k.syncID)
        let w = want.first { $0.role == d.role }
        if w?.maxLength != nil { d.maxLength = k.maxLength }
        if w?.group != nil { d.group = k.group }
        if w?.port != nil { d.port = k.port }
        if w?.ttl != nil { d.ttl = k.ttl }
        return d
    }
}

/// `lvsc state`
public enum StateCommand {
    public enum Format: String, CaseIterable { case ipvsadm, json }

    public static func run(format: Format) -> CommandOutput {
        var out = CommandOutput()
        do {
            let nl = try IPVSNetlink()
            let table = try nl.table()
            switch format {
            case .ipvsadm: out.stdout += IPVSText.save(table)
            case .json:
                let addresses = try AddressNetlink().list().map {
                    HostAddress(prefix: IPPrefix(address: $0.address, length: $0.prefixLength, explicitLength: true), interface: $0.interface)
                }
                var sysctls: [String: String] = [:]
                for n in ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"] { if let v = Sysctl.read(n) { sysctls[n] = v } }
                let daemons = try nl.syncDaemons().map { SyncDaemon.fromKernel($0, like: []) }
                out.stdout += StateJSON.render(DirectorState(table: table, addresses: addresses, sysctls: sysctls, syncDaemons: daemons))
            }
        } catch let e as NetlinkError {
            out.stderr = "lvsc: \(e)\n"
            out.exitCode = e.exitCode == 4 ? .stateChanged : .system
        } catch {
            out.stderr = "lvsc: \(error)\n"
            out.exitCode = .system
        }
        return out
    }
}

/// `lvsc apply`
public enum ApplyCommand {
    public struct Options {
        public var dryRun = false
        public var window = 256
        public var timings = false
        /// `--cache FILE`: plan against what the last apply left, reading only the services
        /// that change (nil: read the whole table every time).
        public var cache: String?
        /// `--take-over`: apply even though keepalived (or ldirectord) manages the table.
        public var takeOver = false

        public init() {}
    }

    /// The director's live state, restricted to what lvsc manages: the IPVS table (as given),
    /// the forwarding sysctls, the sync daemons, and which of the wanted VIPs are already on
    /// their interface.
    static func live(_ nl: IPVSNetlink, desired: DirectorState, table: IPVSTable) throws -> DirectorState {
        var state = DirectorState(table: table)
        if let want = desired.syncDaemons {
            state.syncDaemons = try nl.syncDaemons().map { SyncDaemon.fromKernel($0, like: want) }
        }
        if let want = desired.sysctls {
            var s: [String: String] = [:]
            for n in want.keys { s[n] = Sysctl.read(n) ?? "" }
            state.sysctls = s
        }
        if let want = desired.addresses {
            let have = Set(try AddressNetlink().list().map {
                HostAddress(prefix: IPPrefix(address: $0.address, length: $0.prefixLength, explicitLength: true), interface: $0.interface)
            })
            state.addresses = want.filter { have.contains($0) }
        }
        return state
    }

    static func live(_ nl: IPVSNetlink, desired: DirectorState) throws -> DirectorState {
        try live(nl, desired: desired, table: try nl.table())
    }

    /// A plan made from the cache: the services it reads, and the plan over them.
    struct CachedPlan {
        var plan: Plan
        var read: Int
        /// The desired table's cache records, written once the plan is applied.
        var records: [UInt8]
    }

    /// Plans from the cache: reads the services the configuration changes or drops, plus a few
    /// it keeps (first, middle, last) as a spot check that the kernel still holds what the cache
    /// says. Nil, with the reason in `why`, when the spot check fails.
    static func cachedPlan(_ nl: IPVSNetlink, cache: ApplyCache, desired: DirectorState, why: inout String,
                           mark: (String) -> Void) throws -> CachedPlan? {
        guard let changes = cache.changes(to: desired.table) else { why = "a damaged service record"; return nil }
        mark("compare with cache")
        let u = changes.unchanged
        var samples: [Int] = []
        for i in [0, u.count / 2, u.count - 1] where u.indices.contains(i) && !samples.contains(u[i]) { samples.append(u[i]) }
        var part = desired
        part.table = IPVSTable(services: (changes.changed + samples).map { desired.table.services[$0] })
        let keys = part.table.services.map(\.key) + changes.removed
        var have = IPVSTable()
        for k in keys { if let s = try nl.service(k) { have.services.append(s) } }
        let current = try live(nl, desired: desired, table: have)
        mark("read \(keys.count) services")
        let plan = Plan.make(from: current, to: part)
        let sampled = Set(samples.map { desired.table.services[$0].key })
        if let op = plan.operations.first(where: { $0.serviceKey.map(sampled.contains) ?? false }), let k = op.serviceKey {
            why = "the kernel's \(IPVSText.service(k)) is not what the cache says"
            return nil
        }
        mark("plan")
        return CachedPlan(plan: plan, read: keys.count, records: changes.records)
    }

    public static func run(_ src: ClusterSource, _ o: Options) -> CommandOutput {
        var out = CommandOutput()
        let t0 = PlanCommand.now()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        var notes: [EmitNote] = []
        let desired = DirectorState.desired(for: d, notes: &notes)
        out.stderr += ClusterGate.renderNotes(notes, loaded.sources)
        if !o.dryRun, let owner = TableOwner.running().first {
            if !o.takeOver {
                out.stderr += "lvsc: \(owner.refusal)\n"
                out.exitCode = .system
                return out
            }
            out.stderr += "lvsc: warning: --take-over: applying although \(owner.program) (pid \(owner.pid)) manages this table; its checkers may undo this apply, and this apply undoes what they did\n"
        }
        var marks: [(String, Double)] = [("parse+lint+compile", PlanCommand.now())]
        // Appended on every way out (a defer would run after the returned value was copied).
        func timed(_ out: CommandOutput) -> CommandOutput {
            guard o.timings else { return out }
            var out = out
            var line = "timings:"
            var last = t0
            for (name, t) in marks { line += " \(name) \(NumberParser.format(((t - last) * 10).rounded() / 10)) ms,"; last = t }
            out.stderr += String(line.dropLast()) + "\n"
            return out
        }
        let render = PlanRender(sources: loaded.sources)
        var applied = 0
        var plan = Plan(operations: [])
        var cacheFile: ApplyCacheFile?
        do {
            if let path = o.cache {
                cacheFile = try ApplyCacheFile(path: path, host: d.name)
                marks.append(("lock cache", PlanCommand.now()))
            }
            let nl = try IPVSNetlink()
            nl.window = o.window
            marks.append(("open netlink", PlanCommand.now()))
            var how = ""
            var planned = false
            var records: [UInt8]?
            if let file = cacheFile {
                var why = ""
                let read = file.read()
                marks.append(("read cache", PlanCommand.now()))
                switch read {
                case .success(let cache):
                    if let c = try cachedPlan(nl, cache: cache, desired: desired, why: &why, mark: { marks.append(($0, PlanCommand.now())) }) {
                        plan = c.plan
                        records = c.records
                        planned = true
                        how = "; read \(c.read) of \(desired.table.services.count) services, the rest as the cache says"
                    }
                case .failure(let e): why = e.message
                }
                if !planned { out.stderr += "lvsc: cache \(file.path): \(why); reading the whole table\n" }
            }
            if !planned {
                let current = try live(nl, desired: desired)
                marks.append(("read kernel state", PlanCommand.now()))
                plan = Plan.make(from: current, to: desired)
                marks.append(("plan", PlanCommand.now()))
            }
            if o.dryRun {
                out.stdout += render.text(plan, explain: false)
                out.stderr += "\(plan.operations.count) operation\(plan.operations.count == 1 ? "" : "s") would be applied (dry run\(how))\n"
                return timed(out)
            }
            // The cache only saves reading: failing to write it is a warning, never a failed apply.
            func saveCache(_ consequence: String) {
                guard let file = cacheFile else { return }
                do { try file.write(records, else: desired.table) } catch {
                    out.stderr += "lvsc: warning: \((error as? ApplyCacheFile.Failure)?.message ?? "\(error)"); \(consequence)\n"
                }
                marks.append(("write cache", PlanCommand.now()))
            }
            if plan.isEmpty {
                out.stderr += "nothing to do: \(d.name)'s kernel state already matches its configuration (0 netlink writes\(how))\n"
                saveCache("the cache is left as it was")
                return timed(out)
            }
            // From the first write until the new cache is in place the old one would lie.
            try cacheFile?.remove()
            for op in plan.operations {
                switch op {
                case .setSysctl(let n, let v, _): try Sysctl.write(n, v); applied += 1
                case .addAddress(let a): try AddressNetlink().add(a.prefix.address, prefixLength: a.prefix.length, interface: a.interface); applied += 1
                case .stopSyncDaemon(let d): try nl.stopSyncDaemon(d.kernel); applied += 1
                case .startSyncDaemon(let d): try nl.startSyncDaemon(d.kernel); applied += 1
                default: break
                }
            }
            let reqs = requests(plan)
            try nl.send(reqs)
            applied += reqs.count
            marks.append(("write", PlanCommand.now()))
            out.stdout += render.text(plan, explain: false)
            out.stderr += "applied \(plan.operations.count) operation\(plan.operations.count == 1 ? "" : "s") to \(d.name) (\(nl.writes) netlink write\(nl.writes == 1 ? "" : "s")\(how))\n"
            saveCache("the next apply reads the whole table")
        } catch let e as NetlinkError {
            out.stderr += "lvsc: \(e)\n"
            out.exitCode = e.exitCode == 4 ? .stateChanged : .system
            if !plan.isEmpty {
                out.stderr += "lvsc: stopped after at most \(applied) of \(plan.operations.count) operations\n"
                // Say exactly what is left, from a fresh reading of the kernel.
                if let nl = try? IPVSNetlink(), let now = try? live(nl, desired: desired) {
                    let rest = Plan.make(from: now, to: desired)
                    out.stderr += "lvsc: the kernel now needs \(rest.operations.count) more operation\(rest.operations.count == 1 ? "" : "s"):\n" + render.text(rest, explain: false)
                }
            }
        } catch let e as ApplyCacheFile.Failure {
            out.stderr += "lvsc: \(e.message)\n"
            out.exitCode = .system
        } catch {
            out.stderr += "lvsc: \(error)\n"
            out.exitCode = .system
        }
        return timed(out)
    }
}
