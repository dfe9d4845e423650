/// Brings a director's kernel to a desired state: reads what it holds (all of it, or through the
/// apply cache only what changes), plans, writes, and says what happened in an `ApplyReport`.
/// `lvsc apply` renders the report; the runtime will log it. The engine holds no state between
/// applies beyond the kernel it was given.
public struct ApplyEngine {
    public var kernel: any Kernel
    /// Where phase timings are read from (milliseconds on any monotonic scale).
    public var clock: () -> Double
    /// How many times a write that found the state moved (EEXIST/ENOENT mid-batch) makes the
    /// engine read the kernel again, plan again and go on. The CLI uses 0: it stops and says
    /// what is left. A daemon converges.
    public var replansOnStateMoved = 0

    public init(kernel: any Kernel, clock: @escaping () -> Double = MonotonicClock.milliseconds) {
        self.kernel = kernel
        self.clock = clock
    }

    // MARK: reading

    /// The kernel's state restricted to what lvsc manages: the IPVS table (`table`, or all of
    /// it), the sync daemons, the sysctls and addresses the desired state names.
    public func live(desired: DirectorState, table: IPVSTable? = nil) throws(KernelError) -> DirectorState {
        var state = DirectorState(table: IPVSTable())
        if let table { state.table = table } else { state.table = try kernel.table() }
        if let want = desired.syncDaemons {
            state.syncDaemons = try kernel.syncDaemons().map { $0.normalized(like: want) }
        }
        if let want = desired.sysctls {
            var s: [String: String] = [:]
            for n in want.keys { s[n] = kernel.sysctl(n) ?? "" }
            state.sysctls = s
        }
        if let want = desired.addresses {
            // Only the wanted addresses that are present: the plan never deletes the host's own.
            let have = Set(try kernel.addresses())
            state.addresses = want.filter { have.contains($0) }
        }
        return state
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
    func cachedPlan(_ cache: ApplyCache, desired: DirectorState, why: inout String,
                    mark: (String) -> Void) throws(KernelError) -> CachedPlan? {
        guard let changes = cache.changes(to: desired.table) else { why = "a damaged service record"; return nil }
        mark("compare with cache")
        let u = changes.unchanged
        var samples: [Int] = []
        for i in [0, u.count / 2, u.count - 1] where u.indices.contains(i) && !samples.contains(u[i]) { samples.append(u[i]) }
        var part = desired
        part.table = IPVSTable(services: (changes.changed + samples).map { desired.table.services[$0] })
        let keys = part.table.services.map(\.key) + changes.removed
        var have = IPVSTable()
        for k in keys { if let s = try kernel.service(k) { have.services.append(s) } }
        let current = try live(desired: desired, table: have)
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

    // MARK: writing

    /// Carries out every operation of `plan` in order: addresses, sysctls and daemons one call
    /// each, the IPVS operations as one pipelined batch. `done` counts the operations known to
    /// have been carried out when a failure stops it.
    public func execute(_ plan: Plan, done: inout Int) throws(KernelError) {
        var requests: [IPVSRequest] = []
        for op in plan.operations {
            switch op {
            case .setSysctl(let name, let value, _): try kernel.setSysctl(name, value); done += 1
            case .addAddress(let a): try kernel.addAddress(a); done += 1
            case .deleteAddress(let a): try kernel.deleteAddress(a); done += 1
            case .stopSyncDaemon(let d): try kernel.stopSyncDaemon(d); done += 1
            case .startSyncDaemon(let d): try kernel.startSyncDaemon(d); done += 1
            case .addService, .updateService, .deleteService, .addDestination, .updateDestination, .deleteDestination:
                // Every IPVS operation has a request; `IPVSRequest.init` is exhaustive too.
                if let r = IPVSRequest(op) { requests.append(r) }
            }
        }
        try kernel.send(requests)
        done += requests.count
    }

    /// Reads, plans and (unless `dryRun`) writes. With a cache file (locked by its owner), plans
    /// from it when it belongs to this kernel and passes its spot check, and rewrites it after
    /// the last write; a cache that cannot be written is a warning in the report, never a failure.
    public func apply(_ desired: DirectorState, cache: ApplyCacheFile? = nil, dryRun: Bool = false) -> ApplyReport {
        var report = ApplyReport(totalServices: desired.table.services.count)
        func mark(_ name: String) { report.phases.append(.init(name: name, at: clock())) }
        let identity = kernel.identity()
        let writesBefore = kernel.writes
        var records: [UInt8]?
        do throws(KernelError) {
            var planned = false
            if let file = cache {
                var why = ""
                let read = file.read(for: identity)
                mark("read cache")
                switch read {
                case .success(let c):
                    if let p = try cachedPlan(c, desired: desired, why: &why, mark: mark) {
                        report.plan = p.plan
                        records = p.records
                        report.servicesRead = p.read
                        planned = true
                    }
                case .failure(let e): why = e.message
                }
                if !planned { report.cacheNotUsed = why }
            }
            if !planned {
                let current = try live(desired: desired)
                mark("read kernel state")
                report.plan = Plan.make(from: current, to: desired)
                mark("plan")
            }
        } catch {
            report.outcome = .failed(.kernel(error))
            return report
        }
        if dryRun {
            report.outcome = .dryRun
            return report
        }
        // The cache only saves reading: failing to write it is a warning, never a failed apply.
        func saveCache() {
            guard let file = cache else { return }
            do throws(ApplyCacheFile.Failure) { try file.write(records, else: desired.table, for: identity) } catch {
                report.cacheWarning = error.message
            }
            mark("write cache")
        }
        if report.plan.isEmpty {
            report.outcome = .unchanged
            saveCache()
            return report
        }
        // From the first write until the new cache is in place the old one would lie.
        do throws(ApplyCacheFile.Failure) { try cache?.remove() } catch {
            report.outcome = .failed(.cache(error.message))
            return report
        }
        var plan = report.plan
        var replans = 0
        while true {
            do throws(KernelError) {
                try execute(plan, done: &report.applied)
                report.writes = kernel.writes - writesBefore
                mark("write")
                report.outcome = .applied
                saveCache()
                return report
            } catch {
                report.writes = kernel.writes - writesBefore
                // Say exactly what is left, from a fresh reading of the kernel.
                let rest = try? Plan.make(from: live(desired: desired), to: desired)
                if error.disposition == .stateMoved, replans < replansOnStateMoved, let rest {
                    replans += 1
                    report.replans = replans
                    plan = rest
                    continue
                }
                report.outcome = .failed(.kernel(error))
                report.remaining = rest
                return report
            }
        }
    }
}

/// What an apply did, for the CLI to render and the runtime to log.
public struct ApplyReport: Sendable {
    public enum Failure: Sendable, Equatable {
        case kernel(KernelError)
        /// The stale cache could not be removed before the first write.
        case cache(String)
    }

    public enum Outcome: Sendable, Equatable {
        /// Planned, nothing written (a dry run).
        case dryRun
        /// The kernel already held the desired state; nothing written.
        case unchanged
        case applied
        case failed(Failure)
    }

    /// A moment the engine reached, on its clock.
    public struct Phase: Sendable, Equatable {
        public var name: String
        public var at: Double
    }

    public var outcome: Outcome = .dryRun
    /// The plan as first made (a re-plan after a moved state is in `replans`).
    public var plan = Plan(operations: [])
    /// Operations carried out (at most this many when the outcome is a failure).
    public var applied = 0
    /// Writes sent to the kernel.
    public var writes = 0
    /// How many times the state moved under the apply and the engine planned again.
    public var replans = 0
    /// With a cache: how many services were read from the kernel.
    public var servicesRead: Int?
    /// Services in the desired table.
    public var totalServices: Int
    /// Why a cache that was given was not used (the whole table was read instead).
    public var cacheNotUsed: String?
    /// The cache could not be written after the apply (the next apply reads the whole table).
    public var cacheWarning: String?
    /// After a failure: what the kernel still needs, from a fresh reading (nil if unreadable).
    public var remaining: Plan?
    public var phases: [Phase] = []

    public init(totalServices: Int) { self.totalServices = totalServices }
}
