import Diagnostics
import LVSCore

/// One step of the apply plan, in netlink terms.
public enum PlanOperation: Sendable {
    case addService(IPVSService)
    case updateService(IPVSService, from: IPVSService)
    case deleteService(IPVSService)
    case addDestination(IPVSServiceKey, IPVSDestination)
    case updateDestination(IPVSServiceKey, IPVSDestination, from: IPVSDestination)
    case deleteDestination(IPVSServiceKey, IPVSDestination)
    case addAddress(HostAddress)
    case deleteAddress(HostAddress)
    case setSysctl(String, String, from: String?)
    case startSyncDaemon(SyncDaemon)
    case stopSyncDaemon(SyncDaemon)

    /// The IPVS service the operation is about (nil for addresses, sysctls and daemons).
    public var serviceKey: IPVSServiceKey? { Plan.sortKey(self).0 }

    /// The config line that asks for this operation (nil for deletions: nothing asks for them).
    public var origin: SourceSpan? {
        switch self {
        case .addService(let s), .updateService(let s, _): return s.origin
        case .addDestination(_, let d), .updateDestination(_, let d, _): return d.origin
        case .addAddress(let a): return a.origin
        case .startSyncDaemon(let d): return d.origin
        case .deleteService, .deleteDestination, .deleteAddress, .setSysctl, .stopSyncDaemon: return nil
        }
    }
}

/// The difference between two director states, as the fewest operations: a changed weight is
/// one destination update; a service is updated in place, never deleted and re-added (that
/// would drop its connections); deletions come last, after everything new is in place.
/// Addresses are added, never deleted (the plan cannot tell a retired VIP from the host's own).
public struct Plan: Sendable {
    public var operations: [PlanOperation]

    public var isEmpty: Bool { operations.isEmpty }

    public init(operations: [PlanOperation]) { self.operations = operations }

    public static func make(from current: DirectorState, to desired: DirectorState) -> Plan {
        var adds: [PlanOperation] = [], updates: [PlanOperation] = [], deletes: [PlanOperation] = []
        var prelude: [PlanOperation] = []
        // A state that does not know its sysctls or addresses (ipvsadm-save text) leaves them alone.
        if let want = desired.sysctls, let known = current.sysctls {
            for name in want.keys.sorted() {
                let have = known[name]
                if have != want[name] { prelude.append(.setSysctl(name, want[name]!, from: have)) }
            }
        }
        if let want = desired.addresses, let known = current.addresses {
            let have = Set(known)
            for a in want where !have.contains(a) { prelude.append(.addAddress(a)) }
        }
        var currentIndex: [IPVSServiceKey: Int] = [:]
        currentIndex.reserveCapacity(current.table.services.count)
        for (i, s) in current.table.services.enumerated() { currentIndex[s.key] = i }
        var kept = Array(repeating: false, count: current.table.services.count)
        for s in desired.table.services {
            guard let i = currentIndex[s.key] else {
                var bare = s
                bare.destinations = []
                adds.append(.addService(bare))
                for d in s.destinations { adds.append(.addDestination(s.key, d)) }
                continue
            }
            kept[i] = true
            let old = current.table.services[i]
            if !s.sameSettings(as: old) {
                var bare = s
                bare.destinations = []
                var oldBare = old
                oldBare.destinations = []
                updates.append(.updateService(bare, from: oldBare))
            }
            diffDestinations(s, old, &adds, &updates, &deletes)
        }
        for (i, s) in current.table.services.enumerated() where !kept[i] {
            deletes.append(.deleteService(s))
        }
        // Operations in ipvsadm's order, so the same change always gives the same plan; only
        // the operations are sorted, never the whole table.
        adds = ordered(adds); updates = ordered(updates); deletes = ordered(deletes)
        // Addresses are only ever added: a host's own addresses and a retired VIP look alike.
        // A daemon cannot be changed in place: one with other settings is stopped, then started.
        if let want = desired.syncDaemons, let have = current.syncDaemons {
            for h in have where !want.contains(where: { $0.sameSettings(as: h) }) { prelude.append(.stopSyncDaemon(h)) }
            for w in want where !have.contains(where: { $0.sameSettings(as: w) }) { prelude.append(.startSyncDaemon(w)) }
        }
        return Plan(operations: prelude + adds + updates + deletes)
    }

    static func sortKey(_ op: PlanOperation) -> (IPVSServiceKey?, IPVSDestination?) {
        switch op {
        case .addService(let s), .updateService(let s, _), .deleteService(let s): return (s.key, nil)
        case .addDestination(let k, let d), .updateDestination(let k, let d, _), .deleteDestination(let k, let d): return (k, d)
        case .addAddress, .deleteAddress, .setSysctl, .startSyncDaemon, .stopSyncDaemon: return (nil, nil)
        }
    }

    /// By service in ipvsadm's order, a service before its destinations, destinations in order.
    static func ordered(_ ops: [PlanOperation]) -> [PlanOperation] {
        if ops.count < 2 { return ops }
        let keys = ops.map(sortKey)
        let order = IPVSText.mergeSort(Array(ops.indices)) { a, b in
            guard let ka = keys[a].0, let kb = keys[b].0 else { return 0 }
            let r = IPVSText.compareKeys(ka, kb)
            if r != 0 { return r }
            switch (keys[a].1, keys[b].1) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): return IPVSText.compareDestinations(x, y)
            }
        }
        return order.map { ops[$0] }
    }

    static func diffDestinations(_ s: IPVSService, _ old: IPVSService,
                                 _ adds: inout [PlanOperation], _ updates: inout [PlanOperation], _ deletes: inout [PlanOperation]) {
        if s.destinations.count == old.destinations.count
            && zip(s.destinations, old.destinations).allSatisfy({ $0.sameState(as: $1) }) { return }
        var oldIndex: [IPVSDestination.Key: Int] = [:]
        for (i, d) in old.destinations.enumerated() { oldIndex[d.key] = i }
        var kept = Array(repeating: false, count: old.destinations.count)
        for d in s.destinations {
            guard let i = oldIndex[d.key] else { adds.append(.addDestination(s.key, d)); continue }
            kept[i] = true
            if !d.sameState(as: old.destinations[i]) { updates.append(.updateDestination(s.key, d, from: old.destinations[i])) }
        }
        for (i, d) in old.destinations.enumerated() where !kept[i] { deletes.append(.deleteDestination(s.key, d)) }
    }

    /// The state after the plan: what the kernel would hold. Tests use it to check that a plan
    /// reaches its target; `--state FILE` planning uses nothing else.
    public func apply(to state: DirectorState) -> DirectorState {
        var out = state
        var index: [IPVSServiceKey: Int] = [:]
        for (i, s) in out.table.services.enumerated() { index[s.key] = i }
        var removed = Set<IPVSServiceKey>()
        for op in operations {
            switch op {
            case .addService(let s):
                index[s.key] = out.table.services.count
                out.table.services.append(s)
            case .updateService(let s, _):
                if let i = index[s.key] {
                    let dests = out.table.services[i].destinations
                    out.table.services[i] = s
                    out.table.services[i].destinations = dests
                }
            case .deleteService(let s):
                removed.insert(s.key)
            case .addDestination(let k, let d):
                if let i = index[k] { out.table.services[i].destinations.append(d) }
            case .updateDestination(let k, let d, _):
                if let i = index[k], let j = out.table.services[i].destinations.firstIndex(where: { $0.key == d.key }) {
                    out.table.services[i].destinations[j] = d
                }
            case .deleteDestination(let k, let d):
                if let i = index[k] { out.table.services[i].destinations.removeAll { $0.key == d.key } }
            case .addAddress(let a):
                out.addresses = (out.addresses ?? []) + [a]
            case .deleteAddress(let a):
                out.addresses?.removeAll { $0 == a }
            case .setSysctl(let name, let value, _):
                var s = out.sysctls ?? [:]
                s[name] = value
                out.sysctls = s
            case .startSyncDaemon(let d):
                out.syncDaemons = (out.syncDaemons ?? []) + [d]
            case .stopSyncDaemon(let d):
                out.syncDaemons?.removeAll { $0.sameSettings(as: d) }
            }
        }
        if !removed.isEmpty { out.table.services.removeAll { removed.contains($0.key) } }
        return out
    }
}
