import XCTest
@testable import LVSModel

/// The values the runtime will act on, typed in the model.
final class TypedValuesTests: XCTestCase {
    func read(_ text: String) -> KeepalivedConfig {
        let sources = SourceManager()
        return FrontEnd.read(file: sources.add(path: "t.conf", bytes: Array(text.utf8)), sources: sources, configID: nil)[0].config
    }

    func testStatusCodesSorryServerTunnelAndSyncDaemon() throws {
        let c = read("""
        global_defs {
            lvs_sync_daemon eth1 inst VI_1 id 9 maxlen 1400 port 8849 ttl 2 group 224.0.0.82
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 51
        }
        virtual_server 198.51.100.10 80 {
            lb_kind TUN
            sorry_server 192.0.2.99 8080
            real_server 192.0.2.11 80 {
                lvs_method TUN type gue port 6080 remcsum
                HTTP_GET {
                    url {
                        path /health
                        status_code 200-299 301 503
                    }
                    url {
                        path /
                    }
                }
            }
            real_server 192.0.2.12 80 {
                lvs_method TUN type vxlan
            }
        }

        """)
        let vs = c.virtualServers[0]
        XCTAssertEqual(vs.sorryServerEndpoint?.value, SorryServer(address: .v4(0xC000_0263), port: 8080))
        XCTAssertEqual(vs.realServers[0].method?.value, .tunnel(type: .gue, port: 6080, checksum: .remcsum))
        // keepalived refuses an unknown tunnel type: the real server keeps the virtual server's method.
        XCTAssertNil(vs.realServers[1].method)
        guard case .http(let h, _, _) = vs.realServers[0].checkers[0] else { return XCTFail("no HTTP_GET") }
        XCTAssertEqual(h.urls[0].statusCodeRanges, [200...299, 301...301, 503...503])
        XCTAssertEqual(h.urls[1].statusCodeRanges, [200...299], "keepalived's default")
        let sync = try XCTUnwrap(c.globalDefs.lvsSyncDaemonSetting?.value)
        XCTAssertEqual(sync.interface, "eth1")
        XCTAssertEqual(sync.instance, "VI_1")
        XCTAssertEqual([sync.syncID, sync.maxLength, sync.port, sync.ttl], [9, 1400, 8849, 2])
        XCTAssertEqual(sync.group, .v4(0xE000_0052))
        XCTAssertEqual(sync.unknown, [])
        XCTAssertEqual(HTTPURL.statusRange("99"), nil)
        XCTAssertEqual(HTTPURL.statusRange("300-200"), nil)
        XCTAssertEqual(HTTPURL.statusRange("404"), 404...404)
    }
}
