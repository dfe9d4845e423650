import Diagnostics
#if canImport(Glibc)
import Glibc
#endif

/// What follows a keyword: arguments on its line, an optional BOOL, a block or a value block.
public enum KeywordKind: Sendable, Equatable {
    case value
    case flag
    case block(ContextID)
    case list(EntryKind)
}

/// The grammar of one line inside a value block (`Grammar/grammar.ebnf`).
public enum EntryKind: String, Sendable, Equatable {
    case ipaddress, route, rule, words, name, track, peer, vsg
}

/// The type of a keyword's first argument.
public enum ValueType: Sendable, Equatable {
    case none, int, uint, decimal, bool, string, name, ip, ipPrefix, port, mask, command, words
    case enumeration([String])
}

/// Whether keepalived 2.x still reads a keyword the way lvsc models it.
public enum KeywordStatus: Sendable, Equatable {
    case current
    case deprecated(String)
    case removed(String)
    case untyped
}

/// One row of `Grammar/keywords.md` (or one alias of a row). A class: lookups hand out a
/// reference instead of copying a dozen fields per keyword.
public final class KeywordSpec: Sendable {
    public let id: KeywordID
    public let context: ContextID
    public let name: String
    public let kind: KeywordKind
    public let minArgs: Int
    public let maxArgs: Int
    public let type: ValueType
    public let min: Double?
    public let max: Double?
    public let defaultValue: String?
    /// The canonical spelling when this entry is an alias.
    public let aliasOf: String?
    /// An alias that keepalived still reads but reports as deprecated.
    public let deprecatedAlias: Bool
    public let status: KeywordStatus
    public let since: String?
    public let summary: String

    public init(id: KeywordID, context: ContextID, name: String, kind: KeywordKind, minArgs: Int, maxArgs: Int,
                type: ValueType, min: Double?, max: Double?, defaultValue: String?, aliasOf: String?,
                deprecatedAlias: Bool, status: KeywordStatus, since: String?, summary: String) {
        self.id = id; self.context = context; self.name = name; self.kind = kind
        self.minArgs = minArgs; self.maxArgs = maxArgs; self.type = type; self.min = min; self.max = max
        self.defaultValue = defaultValue; self.aliasOf = aliasOf; self.deprecatedAlias = deprecatedAlias
        self.status = status; self.since = since; self.summary = summary
    }
}

/// Keyword lookup by bytes, per context; built once from the generated table.
public struct KeywordTable: Sendable {
    public static let shared = KeywordTable()

    /// Open addressing over (context, name bytes); no String is created on lookup.
    private let slots: [Int32]
    private let mask: Int
    private let nameBytes: [[UInt8]]
    private let specs: [KeywordSpec]
    /// Each spec's context, so probing compares bytes without touching (retaining) the spec.
    private let contexts: [ContextID]

    /// The table over the shared specs, or (`freshSpecs`) over a new set of spec objects for a
    /// thread of its own.
    public init(freshSpecs: Bool = false) {
        let specs = freshSpecs ? KeywordTable.makeSpecs() : KeywordTable.specs
        self.specs = specs
        self.contexts = specs.map(\.context)
        var size = 1
        while size < specs.count * 4 { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        let names = specs.map { Array($0.name.utf8) }
        for (i, spec) in specs.enumerated() {
            var h = KeywordTable.hash(context: spec.context, names[i][...]) & (size - 1)
            precondition(!names[i].isEmpty)
            while slots[h] >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = Int32(i)
        }
        self.slots = slots
        self.mask = size - 1
        self.nameBytes = names
    }

    @inline(__always)
    static func hash(context: ContextID, _ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(context.rawValue)
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return Int(truncatingIfNeeded: h & 0x7fff_ffff)
    }

    static func hash(context: ContextID, _ bytes: ArraySlice<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { hash(context: context, $0) }
    }

    /// The spec for `bytes` in `context`, or nil when keepalived would call it unknown.
    public func lookup(_ context: ContextID, _ bytes: ArraySlice<UInt8>) -> KeywordSpec? {
        bytes.withUnsafeBufferPointer { lookup(context, $0) }
    }

    public func lookup(_ context: ContextID, _ b: UnsafeBufferPointer<UInt8>) -> KeywordSpec? {
        let i = lookupIndex(context, b)
        return i >= 0 ? specs[Int(i)] : nil
    }

    /// The index in `specs` of the keyword, or -1.
    public func lookupIndex(_ context: ContextID, _ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        if b.isEmpty { return -1 }
        var h = KeywordTable.hash(context: context, b) & mask
        while true {
            let s = Int(slots[h])
            if s < 0 { return -1 }
            if contexts[s] == context {
                let name = nameBytes[s]
                if name.count == b.count && name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) {
                    return Int32(s)
                }
            }
            h = (h + 1) & mask
        }
    }

    @inline(__always)
    public func spec(at index: Int32) -> KeywordSpec { specs[Int(index)] }

    public func lookup(_ context: ContextID, _ name: String) -> KeywordSpec? {
        lookup(context, Array(name.utf8)[...])
    }

    /// Every spec with this name, in any context (for `lvsc explain KEYWORD`).
    public func all(named name: String) -> [KeywordSpec] {
        KeywordTable.specs.filter { $0.name == name }
    }

    /// The keyword of any context spelt most like `word`, when close enough to be a typo.
    public func nearestKeyword(to word: String) -> String? {
        let w = Array(word.utf8)
        guard w.count <= 64 else { return nil }
        let limit = max(1, min(3, w.count / 3))
        var best: (String, Int)?
        for s in KeywordTable.specs where abs(s.name.utf8.count - w.count) <= limit {
            let d = editDistance(w, Array(s.name.utf8))
            if best == nil || d < best!.1 { best = (s.name, d) }
        }
        guard let (name, d) = best, d <= limit else { return nil }
        return name
    }

    /// Each context's keywords as bytes, built once: a suggestion looks at its own context's
    /// keywords only, not at every keyword of the language.
    static let byContext: [ContextID: [(name: [UInt8], lower: [UInt8], suggest: String)]] = {
        var out: [ContextID: [(name: [UInt8], lower: [UInt8], suggest: String)]] = [:]
        for spec in specs {
            let n = Array(spec.name.utf8)
            // The spelling nearest to what was typed: `lb_alog` → `lb_algo`, not its canonical
            // `lvs_sched`; only a deprecated spelling points on to the current one.
            let suggest = spec.deprecatedAlias ? (spec.aliasOf ?? spec.name) : spec.name
            out[spec.context, default: []].append((n, n.map(asciiLower), suggest))
        }
        return out
    }()

    /// The closest keyword of the context by edit distance, when it is close enough to be a typo.
    public func suggestion(for word: String, in context: ContextID) -> String? {
        let w = Array(word.utf8)
        // Nothing longer than any keyword by more than the allowed distance can be a typo of one.
        if w.count > 80 { return nil }
        let lower = w.map(asciiLower)
        let candidates = KeywordTable.byContext[context] ?? []
        if let same = candidates.first(where: { $0.lower == lower }) { return same.suggest }
        let limit = max(1, min(3, w.count / 3))
        var best: (String, Int)?
        for c in candidates where abs(c.name.count - w.count) <= limit {
            let d = editDistance(w, c.name)
            if best == nil || d < best!.1 { best = (c.suggest, d) }
        }
        guard let (name, d) = best else { return nil }
        return d <= limit ? name : nil
    }
}

@inline(__always)
func asciiLower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }

extension ContextID {
    /// Where a keyword of this context stands, in words: "in vrrp_instance", "at the top level".
    public var place: String { self == .root ? "at the top level" : "in \(self)" }
}

/// Edit distance counting an insertion, deletion, substitution or swap of two neighbours as
/// one (optimal string alignment), with case differences counting half, so `tcp_check` finds
/// `TCP_CHECK` and `lb_alog` is one step from `lb_algo`.
public func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    if a.count > 64 || b.count > 64 { return Swift.max(a.count, b.count) }
    func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
    var before = [Int](repeating: 0, count: b.count + 1)
    var prev = Array(0...b.count).map { $0 * 2 }
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i * 2
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : (lower(a[i - 1]) == lower(b[j - 1]) ? 1 : 2)
            cur[j] = Swift.min(prev[j] + 2, cur[j - 1] + 2, prev[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                cur[j] = Swift.min(cur[j], before[j - 2] + 2)
            }
        }
        swap(&before, &prev)
        swap(&prev, &cur)
    }
    return (prev[b.count] + 1) / 2
}
