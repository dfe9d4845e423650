import Foundation
import LVSCore
import LVSKernel
import XCTest

/// The apply engine against the simulated kernel: full and cached planning, partial failure and
/// what is reported after it, a state that moves between read and write, a stuck reply.
final class ApplyEngineTests: XCTestCase {
    static func vip(_ n: UInt32) -> IPAddress { .v4(0xC633_6400 | n) }          // 198.51.100.n
    static func rip(_ n: UInt32) -> IPAddress { .v4(0xC000_0200 | n) }          // 192.0.2.n

    /// `services` web services on 198.51.100.1…, each with real servers 192.0.2.1… .
    static func table(services: Int, reals: Int = 2, weight: Int = 1) -> IPVSTable {
        var t = IPVSTable()
        for i in 0..<services {
            var s = IPVSService(key: .address(.tcp, vip(UInt32(1 + i / 200)), port: 1000 + i), scheduler: "wrr")
            for r in 0..<reals {
                s.destinations.append(IPVSDestination(address: rip(UInt32(r + 1)), port: 80, forwarding: .route, weight: weight))
            }
            t.services.append(s)
        }
        return t
    }

    static let vipAddress = HostAddress(prefix: IPPrefix(address: vip(1), length: 24, explicitLength: true), interface: "eth0")

    static func desired(_ t: IPVSTable) -> DirectorState {
        DirectorState(table: t, addresses: [vipAddress], sysctls: ["net.ipv4.ip_forward": "1"], syncDaemons: [])
    }

    func tempPath(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "lvsc-engine-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/apply.cache"
    }

    func testFullApplyReachesTheDesiredStateAndASecondApplyWritesNothing() {
        let kernel = SimulatedKernel()
        let want = Self.desired(Self.table(services: 5))
        let first = ApplyEngine(kernel: kernel).apply(want)
        XCTAssertEqual(first.outcome, .applied)
        XCTAssertEqual(kernel.state.table, want.table)
        XCTAssertEqual(kernel.state.addresses, [Self.vipAddress])
        XCTAssertEqual(kernel.state.sysctls?["net.ipv4.ip_forward"], "1")
        // 5 services + 10 destinations + the address + the sysctl.
        XCTAssertEqual(first.writes, 17)
        XCTAssertEqual(first.applied, 17)
        let second = ApplyEngine(kernel: kernel).apply(want)
        XCTAssertEqual(second.outcome, .unchanged)
        XCTAssertEqual(second.writes, 0)
    }

    func testDryRunPlansAndWritesNothing() {
        let kernel = SimulatedKernel()
        let r = ApplyEngine(kernel: kernel).apply(Self.desired(Self.table(services: 3)), dryRun: true)
        XCTAssertEqual(r.outcome, .dryRun)
        XCTAssertEqual(r.plan.operations.count, 3 + 6 + 2)
        XCTAssertEqual(kernel.writes, 0)
        XCTAssertEqual(kernel.state.table.services.count, 0)
    }

    /// The VRRP runtime's first operation: an address the plan deletes must reach the kernel
    /// (the CLI's old loop dropped it in a `default: break`).
    func testEveryOperationKindReachesTheKernel() throws {
        let kernel = SimulatedKernel()
        let other = HostAddress(prefix: IPPrefix(address: Self.vip(9), length: 32, explicitLength: true), interface: "lo")
        var daemon = SyncDaemon(role: .master, interface: "eth0", syncID: 7)
        daemon.port = 8848
        kernel.state.addresses = [other]
        kernel.state.syncDaemons = [SyncDaemon(role: .backup, interface: "eth0", syncID: 7)]
        kernel.state.table = Self.table(services: 2)
        var next = Self.table(services: 2, weight: 5)
        next.services.removeLast()
        next.services[0].scheduler = "lc"
        let plan = Plan(operations: [
            .deleteAddress(other), .addAddress(Self.vipAddress), .setSysctl("net.ipv4.ip_forward", "1", from: nil),
            .stopSyncDaemon(SyncDaemon(role: .backup, interface: "eth0", syncID: 7)), .startSyncDaemon(daemon),
        ] + Plan.make(from: DirectorState(table: kernel.state.table), to: DirectorState(table: next)).operations)
        var done = 0
        try ApplyEngine(kernel: kernel).execute(plan, done: &done)
        XCTAssertEqual(done, plan.operations.count)
        XCTAssertEqual(kernel.state.addresses, [Self.vipAddress])
        XCTAssertEqual(kernel.state.syncDaemons?.map(\.role), [.master])
        XCTAssertEqual(kernel.state.table, next)
    }

    func testAFailedWriteStopsTheApplyAndReportsWhatIsLeft() {
        let kernel = SimulatedKernel()
        let want = Self.desired(Self.table(services: 4))
        // Address and sysctl are writes 1 and 2; the 6th write is the second service's
        // first destination.
        kernel.inject(.failWrite(6, .kernel(operation: "add destination", errno: 12, message: "Cannot allocate memory")))
        let r = ApplyEngine(kernel: kernel).apply(want)
        guard case .failed(.kernel(let e)) = r.outcome else { return XCTFail("\(r.outcome)") }
        XCTAssertEqual(e.disposition, .unavailable)
        XCTAssertEqual(r.writes, 5)
        // What the kernel still needs, read afresh: everything but the five writes done.
        let rest = try! XCTUnwrap(r.remaining)
        XCTAssertEqual(rest.operations.count, r.plan.operations.count - 5)
        XCTAssertEqual(rest.apply(to: kernel.state).table, want.table)
    }

    /// A checker (or a person) adds a destination between the read and the write: the kernel
    /// says EEXIST. The CLI stops and says so (exit 4); a daemon re-reads, re-plans and converges.
    func testAStateThatMovesMidBatchIsReportedOrReplanned() {
        let want = Self.desired(Self.table(services: 3))
        let sneak: (inout DirectorState) -> Void = { state in
            state.table.services[0].destinations.append(want.table.services[0].destinations[1])
        }
        for replans in [0, 1] {
            let kernel = SimulatedKernel()
            // Write 4 is the first service's second destination.
            kernel.inject(.changeBeforeWrite(4, sneak))
            var engine = ApplyEngine(kernel: kernel)
            engine.replansOnStateMoved = replans
            let r = engine.apply(want)
            if replans == 0 {
                guard case .failed(.kernel(let e)) = r.outcome else { return XCTFail("\(r.outcome)") }
                XCTAssertEqual(e.disposition, .stateMoved)
                XCTAssertEqual(e.exitCode, 4)
                XCTAssertNotEqual(IPVSText.sorted(kernel.state.table), want.table)
                XCTAssertEqual(r.remaining.map { IPVSText.sorted($0.apply(to: kernel.state).table) }, want.table)
            } else {
                XCTAssertEqual(r.outcome, .applied)
                XCTAssertEqual(r.replans, 1)
                // The kernel lists destinations in the order they came; ipvsadm's order compares.
                XCTAssertEqual(IPVSText.sorted(kernel.state.table), want.table)
            }
        }
    }

    func testAStuckReplyIsATimeoutThatMayBeRetriedAndLosesNothing() {
        let kernel = SimulatedKernel()
        kernel.state.table = Self.table(services: 2)
        let before = kernel.state.table
        kernel.inject(.stuckRead(deadlineMilliseconds: 250))
        let r = ApplyEngine(kernel: kernel).apply(Self.desired(Self.table(services: 3)))
        guard case .failed(.kernel(let e)) = r.outcome else { return XCTFail("\(r.outcome)") }
        XCTAssertEqual(e, .timeout(operation: "read the IPVS table", milliseconds: 250))
        XCTAssertEqual(e.disposition, .retry)
        XCTAssertEqual(e.exitCode, 3)
        XCTAssertEqual(kernel.writes, 0)
        XCTAssertEqual(kernel.state.table, before)
        // The next try gets its answer.
        XCTAssertEqual(ApplyEngine(kernel: kernel).apply(Self.desired(Self.table(services: 3))).outcome, .applied)
    }

    // MARK: the cache

    func testCachedApplyReadsOnlyWhatChangesPlusTheSpotCheck() throws {
        let path = tempPath("cached")
        let kernel = SimulatedKernel()
        var want = Self.desired(Self.table(services: 50))
        do {
            let file = try ApplyCacheFile(path: path, host: "lvs01")
            let first = ApplyEngine(kernel: kernel).apply(want, cache: file)
            XCTAssertEqual(first.cacheNotUsed, "no cache yet")
            XCTAssertEqual(first.outcome, .applied)
            XCTAssertNil(first.cacheWarning)
        }
        want.table.services[20].destinations[0].weight = 0
        let file = try ApplyCacheFile(path: path, host: "lvs01")
        let r = ApplyEngine(kernel: kernel).apply(want, cache: file)
        XCTAssertNil(r.cacheNotUsed)
        XCTAssertEqual(r.outcome, .applied)
        XCTAssertEqual(r.writes, 1)
        // The changed service and three kept ones (first, middle, last).
        XCTAssertEqual(r.servicesRead, 4)
        XCTAssertEqual(Set(kernel.servicesRead), Set([0, 20, 25, 49].map { want.table.services[$0].key }))
        XCTAssertEqual(kernel.state.table, want.table)
    }

    func testACacheFromAnotherKernelOrAFailedSpotCheckFallsBackToAFullRead() throws {
        let path = tempPath("fallback")
        let kernel = SimulatedKernel()
        let want = Self.desired(Self.table(services: 10))
        do {
            let file = try ApplyCacheFile(path: path, host: "lvs01")
            XCTAssertEqual(ApplyEngine(kernel: kernel).apply(want, cache: file).outcome, .applied)
        }
        // A hand edit of the first service, which the spot check reads.
        kernel.state.table.services[0].destinations[0].weight = 7
        do {
            let file = try ApplyCacheFile(path: path, host: "lvs01")
            let r = ApplyEngine(kernel: kernel).apply(want, cache: file)
            XCTAssertEqual(r.cacheNotUsed, "the kernel's -t 198.51.100.1:1000 is not what the cache says")
            XCTAssertNil(r.servicesRead)
            XCTAssertEqual(r.outcome, .applied)
            XCTAssertEqual(kernel.state.table, want.table)
        }
        // After a reboot, in another namespace, or on another director, the cache is not trusted.
        for (other, host, why) in [(KernelIdentity(boot: "other", netns: "simulated-netns"), "lvs01", "written before the last reboot"),
                                   (KernelIdentity(boot: "simulated-boot", netns: "other"), "lvs01", "written in another network namespace"),
                                   (KernelIdentity(boot: "simulated-boot", netns: "simulated-netns"), "lvs02", "written for lvs01, not lvs02"),
                                   (KernelIdentity(boot: "unknown", netns: "simulated-netns"), "lvs01",
                                    "cannot tell this boot or network namespace from another (is /proc mounted?)")] {
            let k = SimulatedKernel(state: kernel.state, identity: other)
            let file = try ApplyCacheFile(path: path, host: host)
            let r = ApplyEngine(kernel: k).apply(want, cache: file, dryRun: true)
            XCTAssertEqual(r.cacheNotUsed, why)
            XCTAssertEqual(r.outcome, .dryRun)
            XCTAssertTrue(r.plan.isEmpty)
        }
    }

    /// A failure mid-apply leaves no cache behind: the old one would lie about the kernel.
    func testAFailedApplyRemovesTheCacheAndTheNextOneReadsEverything() throws {
        let path = tempPath("failed")
        let kernel = SimulatedKernel()
        var want = Self.desired(Self.table(services: 6))
        do {
            let file = try ApplyCacheFile(path: path, host: "lvs01")
            XCTAssertEqual(ApplyEngine(kernel: kernel).apply(want, cache: file).outcome, .applied)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        want.table.services[3].destinations[1].weight = 9
        want.table.services[4].destinations[1].weight = 9
        kernel.inject(.failWrite(2, .kernel(operation: "update destination", errno: 12, message: "Cannot allocate memory")))
        do {
            let file = try ApplyCacheFile(path: path, host: "lvs01")
            let r = ApplyEngine(kernel: kernel).apply(want, cache: file)
            guard case .failed = r.outcome else { return XCTFail("\(r.outcome)") }
            XCTAssertEqual(r.remaining?.operations.count, 1)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let file = try ApplyCacheFile(path: path, host: "lvs01")
        let r = ApplyEngine(kernel: kernel).apply(want, cache: file)
        XCTAssertEqual(r.cacheNotUsed, "no cache yet")
        XCTAssertEqual(r.outcome, .applied)
        XCTAssertEqual(r.writes, 1)
        XCTAssertEqual(kernel.state.table, want.table)
    }

    /// Property: for random pairs of tables and a failure at a random write, the state after the
    /// failure plus the reported remaining plan is the desired state, and nothing is written twice.
    func testAnyFailurePointLeavesAnExactRemainder() {
        for seed in 0..<200 {
            let services = 1 + seed % 7
            let kernel = SimulatedKernel()
            kernel.state.table = Self.table(services: services, reals: 1 + seed % 3, weight: 1)
            var want = Self.desired(Self.table(services: services + seed % 3, reals: 1 + (seed / 3) % 3, weight: 1 + seed % 2))
            if seed % 5 == 0 { want.table.services.removeFirst() }
            let total = Plan.make(from: ApplyEngine(kernel: kernel).liveOrEmpty(want), to: want).operations.count
            guard total > 0 else { continue }
            let at = 1 + seed % total
            kernel.inject(.failWrite(at, .kernel(operation: "write", errno: 5, message: "Input/output error")))
            let r = ApplyEngine(kernel: kernel).apply(want)
            guard case .failed = r.outcome else { return XCTFail("seed \(seed): \(r.outcome)") }
            XCTAssertEqual(r.writes, at - 1, "seed \(seed)")
            XCTAssertEqual(r.remaining?.operations.count, total - (at - 1), "seed \(seed)")
            XCTAssertEqual(r.remaining.map { $0.apply(to: kernel.state).table }, want.table, "seed \(seed)")
        }
    }
}

extension ApplyEngine {
    func liveOrEmpty(_ desired: DirectorState) -> DirectorState {
        (try? live(desired: desired)) ?? DirectorState(table: IPVSTable())
    }
}
