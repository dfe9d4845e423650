import Foundation
import XCTest
@testable import LVSModel

/// A reload re-parses every file: every span moves, and only what was edited may count as
/// changed. The runtime keeps VRRP and health state by these keys.
final class ReloadIdentityTests: XCTestCase {
    static func variants(_ path: String, _ bytes: [UInt8]) -> [ConfigVariant] {
        let sources = SourceManager()
        return FrontEnd.read(file: sources.add(path: path, bytes: bytes), sources: sources, configID: nil)
    }

    static func confFiles(under root: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".conf") }.sorted().map { root + "/" + $0 }
    }

    /// Every bundled configuration (and the shared corpus, when it is beside the repository),
    /// read twice with every line moved: no key added, removed or changed.
    func testReloadingTheSameFilesChangesNoKey() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var files = Self.confFiles(under: repo + "/Fixtures")
        let corpus = repo + "/../shared/corpus"
        if FileManager.default.fileExists(atPath: corpus) {
            files += Self.confFiles(under: corpus)
        } else {
            print("ReloadIdentityTests: ../shared/corpus is absent; checking the bundled fixtures only")
        }
        XCTAssertGreaterThan(files.count, 20)
        var keys = 0
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let bytes = [UInt8](data)
            let moved = Array("# a reload: every span below moves\n\n\n".utf8) + bytes
            let before = Self.variants(path, bytes), after = Self.variants(path, moved)
            XCTAssertEqual(before.count, after.count, path)
            for (a, b) in zip(before, after) {
                let changes = ModelChanges(from: KeyedModel(a.config), to: KeyedModel(b.config))
                XCTAssertTrue(changes.isEmpty, "\(path) \(a.configID ?? ""): \(changes)")
                XCTAssertTrue(a.config.sameContent(as: b.config), path)
                keys += changes.unchanged.count
            }
        }
        XCTAssertGreaterThan(keys, 200)
    }

    static let base = """
    global_defs {
        router_id LVS_A
    }
    vrrp_instance VI_1 {
        state MASTER
        interface eth0
        virtual_router_id 51
        priority 150
        virtual_ipaddress {
            198.51.100.10/24
        }
    }
    virtual_server 198.51.100.10 80 {
        lb_algo wrr
        lb_kind DR
        protocol TCP
        real_server 192.0.2.11 80 {
            weight 1
            TCP_CHECK {
                connect_timeout 3
            }
        }
        real_server 192.0.2.12 80 {
            weight 1
            TCP_CHECK {
                connect_timeout 3
            }
        }
    }

    """

    func changes(_ edited: String) -> ModelChanges {
        let a = Self.variants("k.conf", Array(Self.base.utf8))[0].config
        let b = Self.variants("k.conf", Array(edited.utf8))[0].config
        return ModelChanges(from: KeyedModel(a), to: KeyedModel(b))
    }

    func testAnEditChangesOnlyItsOwnKey() {
        let vs = VirtualServerIdentity(Self.variants("k.conf", Array(Self.base.utf8))[0].config.virtualServers[0])
        let rs12 = RealServerIdentity(address: .v4(0xC000_020C), port: 80)
        // A weight: that real server, not its virtual server, not its checker, not the other one.
        let weight = changes(Self.base.replacingOccurrences(of: "real_server 192.0.2.12 80 {\n        weight 1", with: "real_server 192.0.2.12 80 {\n        weight 5"))
        XCTAssertEqual(weight.changed, [.realServer(vs, rs12)])
        XCTAssertEqual(weight.added + weight.removed, [])
        // A checker's timeout: that checker.
        let tcp = CheckerIdentity(kind: "TCP_CHECK", target: "", ordinal: 0)
        var edited = Self.base
        let last = edited.range(of: "connect_timeout 3", options: .backwards)!
        edited.replaceSubrange(last, with: "connect_timeout 5")
        XCTAssertEqual(changes(edited).changed, [.checker(vs, rs12, tcp)])
        // A priority: the instance.
        XCTAssertEqual(changes(Self.base.replacingOccurrences(of: "priority 150", with: "priority 100")).changed, [.vrrpInstance("VI_1")])
        // A real server taken out: it and its checker are removed, nothing else changes.
        let removed = changes(Self.base.replacingOccurrences(of: """
                real_server 192.0.2.11 80 {
                    weight 1
                    TCP_CHECK {
                        connect_timeout 3
                    }
                }

            """, with: ""))
        let rs11 = RealServerIdentity(address: .v4(0xC000_020B), port: 80)
        XCTAssertEqual(removed.removed, [.realServer(vs, rs11), .checker(vs, rs11, tcp)])
        XCTAssertEqual(removed.changed, [])
        // The scheduler is the virtual server's own.
        XCTAssertEqual(changes(Self.base.replacingOccurrences(of: "lb_algo wrr", with: "lb_algo wlc")).changed, [.virtualServer(vs)])
        // `protocol TCP` written or left to the default is the same service.
        XCTAssertEqual(changes(Self.base.replacingOccurrences(of: "    protocol TCP\n", with: "")).changed, [.virtualServer(vs)])
        XCTAssertEqual(changes(Self.base.replacingOccurrences(of: "    protocol TCP\n", with: "")).added, [])
    }

    /// The snapshot a daemon holds: shared by threads that render its diagnostics at once (the
    /// source files fill their line index under a lock), compared with the next reading, and
    /// freed when the daemon lets go of it.
    func testASnapshotIsSharedBetweenThreadsComparedAndFreed() throws {
        let text = Self.base.replacingOccurrences(of: "lb_algo wrr", with: "lb_algo wrr\n    bogus_keyword 1")
        var snapshot: ConfigSnapshot? = ConfigSnapshot(path: "k.conf", bytes: Array(text.utf8), configID: nil)
        let spans = snapshot!.diagnostics.compactMap(\.span)
        XCTAssertFalse(spans.isEmpty)
        let serial = spans.map { snapshot!.sources.resolve($0) }
        do {
            let shared = snapshot!
            let results = ResultsBox(count: 64)
            DispatchQueue.concurrentPerform(iterations: 64) { i in
                results.set(i, shared.sources.resolve(spans[i % spans.count]))
            }
            for i in 0..<64 { XCTAssertEqual(results.get(i), serial[i % spans.count]) }
        }
        let again = ConfigSnapshot(path: "k.conf", bytes: Array(("# reloaded\n" + text).utf8), configID: nil)
        XCTAssertTrue(snapshot!.changes(to: again).isEmpty)
        weak var oldSources = snapshot!.sources
        snapshot = again
        XCTAssertNil(oldSources, "the old reading is freed once nothing holds it")
        _ = snapshot
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ResolvedRange?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: ResolvedRange) { lock.lock(); items[i] = r; lock.unlock() }
    func get(_ i: Int) -> ResolvedRange? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
