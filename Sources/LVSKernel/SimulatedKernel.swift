import LVSCore

/// A kernel held in memory, for tests of everything above the kernel layer: it keeps a
/// `DirectorState`, answers reads from it, and carries out writes through `Plan.apply(to:)`,
/// refusing them as the kernel does (EEXIST for what exists, ENOENT/ESRCH for what does not).
/// Faults are injected by the test: an error on the Nth write, a change made by someone else
/// between a read and the next write, a reply that never comes.
public final class SimulatedKernel: Kernel {
    public var state: DirectorState
    public var identityValue: KernelIdentity
    public private(set) var writes = 0
    /// Reads answered (a full table read counts one, each service read one).
    public private(set) var reads = 0
    /// Services read one at a time (`service(_:)`), in order.
    public private(set) var servicesRead: [IPVSServiceKey] = []

    /// An injected fault.
    public enum Fault {
        /// The Nth write from now (1 = the next) fails with this error; earlier writes of the
        /// same batch stay done, as in the kernel.
        case failWrite(Int, KernelError)
        /// Before the Nth write from now, someone else changes the state (a hand edit, a checker).
        case changeBeforeWrite(Int, (inout DirectorState) -> Void)
        /// The next read gets no answer within the deadline.
        case stuckRead(deadlineMilliseconds: Int)
    }

    var faults: [Fault] = []
    var writeCounter = 0

    public init(state: DirectorState = DirectorState(table: IPVSTable(), addresses: [], sysctls: [:], syncDaemons: []),
                identity: KernelIdentity = KernelIdentity(boot: "simulated-boot", netns: "simulated-netns")) {
        self.state = state
        self.identityValue = identity
    }

    public func inject(_ fault: Fault) {
        switch fault {
        case .failWrite(let n, let e): faults.append(.failWrite(writeCounter + n, e))
        case .changeBeforeWrite(let n, let f): faults.append(.changeBeforeWrite(writeCounter + n, f))
        case .stuckRead: faults.append(fault)
        }
    }

    // MARK: reads

    func beforeRead(_ what: String) throws(KernelError) {
        reads += 1
        if let i = faults.firstIndex(where: { if case .stuckRead = $0 { return true } else { return false } }),
           case .stuckRead(let ms) = faults[i] {
            faults.remove(at: i)
            throw .timeout(operation: what, milliseconds: ms)
        }
    }

    public func table() throws(KernelError) -> IPVSTable {
        try beforeRead("read the IPVS table")
        return state.table
    }

    public func service(_ key: IPVSServiceKey) throws(KernelError) -> IPVSService? {
        try beforeRead("read the IPVS table")
        servicesRead.append(key)
        return state.table.services.first { $0.key == key }
    }

    public func syncDaemons() throws(KernelError) -> [SyncDaemon] {
        try beforeRead("read the sync daemons")
        return state.syncDaemons ?? []
    }

    public func addresses() throws(KernelError) -> [HostAddress] {
        try beforeRead("list addresses")
        return state.addresses ?? []
    }

    public func sysctl(_ name: String) -> String? { state.sysctls?[name] }

    public func identity() -> KernelIdentity { identityValue }

    // MARK: writes

    /// One write: the injected faults due at it, the kernel's own refusals, then the change.
    func write(_ op: PlanOperation, _ what: String) throws(KernelError) {
        writeCounter += 1
        for (i, f) in faults.enumerated().reversed() {
            if case .changeBeforeWrite(let n, let change) = f, n == writeCounter {
                faults.remove(at: i)
                change(&state)
            }
        }
        if let i = faults.firstIndex(where: { if case .failWrite(let n, _) = $0 { return n == writeCounter } else { return false } }),
           case .failWrite(_, let e) = faults[i] {
            faults.remove(at: i)
            throw e
        }
        if let refusal = refusal(op, what) { throw refusal }
        if case .stopSyncDaemon(let d) = op {
            // The kernel stops a daemon by its role alone.
            state.syncDaemons?.removeAll { $0.role == d.role }
        } else {
            state = Plan(operations: [op]).apply(to: state)
        }
        writes += 1
    }

    /// What the kernel answers a write that does not fit the state it holds.
    func refusal(_ op: PlanOperation, _ what: String) -> KernelError? {
        let services = state.table.services
        func service(_ k: IPVSServiceKey) -> IPVSService? { services.first { $0.key == k } }
        switch op {
        case .addService(let s):
            return service(s.key) == nil ? nil : .exists(what.replacingFirst("add ", with: ""))
        case .updateService(let s, _):
            return service(s.key) == nil ? .notFound(what.replacingFirst("update ", with: "")) : nil
        case .deleteService(let s):
            return service(s.key) == nil ? .notFound(what.replacingFirst("delete ", with: "")) : nil
        case .addDestination(let k, let d):
            guard let s = service(k) else { return .notFound(what.replacingFirst("add ", with: "the service of ")) }
            return s.destinations.contains { $0.key == d.key } ? .exists(what.replacingFirst("add ", with: "")) : nil
        case .updateDestination(let k, let d, _), .deleteDestination(let k, let d):
            guard let s = service(k), s.destinations.contains(where: { $0.key == d.key }) else {
                return .notFound(what.replacingFirst("update ", with: "").replacingFirst("delete ", with: ""))
            }
            return nil
        case .addAddress(let a):
            return (state.addresses ?? []).contains(a) ? .exists(what.replacingFirst("add ", with: "")) : nil
        case .deleteAddress(let a):
            return (state.addresses ?? []).contains(a) ? nil : .notFound(what.replacingFirst("delete ", with: ""))
        case .setSysctl:
            return nil
        case .startSyncDaemon(let d):
            return (state.syncDaemons ?? []).contains { $0.role == d.role } ? .exists("the \(d.role.rawValue) sync daemon") : nil
        case .stopSyncDaemon(let d):
            return (state.syncDaemons ?? []).contains { $0.role == d.role } ? nil : .notFound("the \(d.role.rawValue) sync daemon")
        }
    }

    public func send(_ requests: [IPVSRequest]) throws(KernelError) {
        for r in requests {
            let op: PlanOperation
            switch r {
            case .addService(let s): op = .addService(s)
            case .updateService(let s): op = .updateService(s, from: s)
            case .deleteService(let k):
                guard let s = state.table.services.first(where: { $0.key == k }) else { try write(.deleteService(IPVSService(key: k, scheduler: "")), r.summary); continue }
                op = .deleteService(s)
            case .addDestination(let k, let d): op = .addDestination(k, d)
            case .updateDestination(let k, let d): op = .updateDestination(k, d, from: d)
            case .deleteDestination(let k, let d): op = .deleteDestination(k, d)
            }
            try write(op, r.summary)
        }
    }

    public func startSyncDaemon(_ daemon: SyncDaemon) throws(KernelError) {
        try write(.startSyncDaemon(daemon), "start the \(daemon.role.rawValue) sync daemon")
    }

    public func stopSyncDaemon(_ daemon: SyncDaemon) throws(KernelError) {
        try write(.stopSyncDaemon(daemon), "stop the \(daemon.role.rawValue) sync daemon")
    }

    public func addAddress(_ address: HostAddress) throws(KernelError) {
        try write(.addAddress(address), "add address \(address.prefix.address)/\(address.prefix.length) on \(address.interface)")
    }

    public func deleteAddress(_ address: HostAddress) throws(KernelError) {
        try write(.deleteAddress(address), "delete address \(address.prefix.address)/\(address.prefix.length) on \(address.interface)")
    }

    public func setSysctl(_ name: String, _ value: String) throws(KernelError) {
        try write(.setSysctl(name, value, from: state.sysctls?[name]), "sysctl -w \(name)")
    }
}
