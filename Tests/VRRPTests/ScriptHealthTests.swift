import XCTest
@testable import VRRP

/// vrrp_script rise/fall as keepalived counts them.
final class ScriptHealthTests: XCTestCase {
    func testTheFirstResultDecides() {
        var good = ScriptHealth(rise: 3, fall: 2)
        XCTAssertFalse(good.known)
        XCTAssertTrue(good.record(success: true))
        XCTAssertTrue(good.isGood, "one success is enough at start-up")
        var bad = ScriptHealth(rise: 3, fall: 2)
        XCTAssertTrue(bad.record(success: false))
        XCTAssertFalse(bad.isGood)
    }

    func testInitFailStartsFailedAndNeedsRiseSuccesses() {
        var h = ScriptHealth(rise: 2, fall: 3, initFail: true)
        XCTAssertTrue(h.known)
        XCTAssertFalse(h.isGood)
        XCTAssertFalse(h.record(success: true))
        XCTAssertFalse(h.isGood)
        XCTAssertTrue(h.record(success: true))
        XCTAssertTrue(h.isGood)
    }

    func testFallFailuresInARowMakeItBadAndASuccessResetsTheCount() {
        var h = ScriptHealth(rise: 2, fall: 3)
        _ = h.record(success: true)
        XCTAssertFalse(h.record(success: false))
        XCTAssertFalse(h.record(success: false))
        XCTAssertTrue(h.isGood, "two failures of three")
        _ = h.record(success: true)
        XCTAssertFalse(h.record(success: false))
        XCTAssertFalse(h.record(success: false))
        XCTAssertTrue(h.record(success: false))
        XCTAssertFalse(h.isGood)
        XCTAssertFalse(h.record(success: true))
        XCTAssertFalse(h.record(success: false), "a failure between successes starts the rise count again")
        XCTAssertFalse(h.record(success: true))
        XCTAssertTrue(h.record(success: true))
        XCTAssertTrue(h.isGood)
    }

    /// Against a direct model of the rule (good after `rise` successes in a row from bad, bad
    /// after `fall` failures in a row from good), on random runs.
    func testRandomRunsAgreeWithTheRule() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let rise = Int.random(in: 1...4, using: &rng), fall = Int.random(in: 1...4, using: &rng)
            var h = ScriptHealth(rise: rise, fall: fall)
            var good: Bool? = nil
            var streak = 0, last: Bool? = nil
            for _ in 0..<40 {
                let ok = Bool.random(using: &rng)
                streak = last == ok ? streak + 1 : 1
                last = ok
                _ = h.record(success: ok)
                if good == nil { good = ok } else if good == true && !ok && streak >= fall { good = false }
                else if good == false && ok && streak >= rise { good = true }
                XCTAssertEqual(h.isGood, good, "rise \(rise) fall \(fall)")
            }
        }
    }
}
