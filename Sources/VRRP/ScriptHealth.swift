/// A `vrrp_script`'s standing, as keepalived keeps it: a counter from 0 to rise + fall − 1,
/// good from `rise` up. A failing script needs `rise` successes in a row to be good again; a good
/// one `fall` failures in a row to be bad. Before its first result the counter stands at
/// rise − 1, so the first result decides (or at 0 with `init_fail`).
public struct ScriptHealth: Sendable, Equatable {
    public let rise: Int
    public let fall: Int
    public private(set) var result: Int
    /// A result has arrived (or `init_fail` said to count it as failed until then).
    public private(set) var known: Bool

    public init(rise: Int, fall: Int, initFail: Bool = false) {
        self.rise = max(1, rise)
        self.fall = max(1, fall)
        result = initFail ? 0 : self.rise - 1
        known = initFail
    }

    public var isGood: Bool { result >= rise }

    /// Records one run; true when the script turned good or bad (or gave its first result).
    public mutating func record(success: Bool) -> Bool {
        let wasGood = isGood, wasKnown = known
        known = true
        let top = rise + fall - 1
        if success {
            // Below rise − 1 each success counts; the success that reaches rise makes it fully good.
            result = result < rise - 1 ? result + 1 : top
        } else {
            // Above rise each failure counts; the one that falls below rise makes it fully bad.
            result = result > rise ? result - 1 : 0
        }
        return !wasKnown || wasGood != isGood
    }
}
