/// How bad a finding is. Ordered so that `max` gives the worst.
public enum Severity: Int, Comparable, Sendable, CaseIterable {
    case note = 0, warning = 1, error = 2

    public var name: String {
        switch self {
        case .note: return "note"
        case .warning: return "warning"
        case .error: return "error"
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
}

/// A second place a diagnostic relates to (the other duplicate, the defining line, …).
public struct RelatedLocation: Hashable, Sendable {
    public var span: SourceSpan
    public var message: String

    public init(span: SourceSpan, message: String) {
        self.span = span
        self.message = message
    }
}

/// A finding silenced by a `# lvsc-ignore RULE reason` comment: kept for SARIF and JSON
/// (code-scanning tools show it as suppressed), left out of text output and of the exit code.
public struct Suppression: Hashable, Sendable {
    /// The comment that silenced it.
    public var span: SourceSpan
    public var reason: String?

    public init(span: SourceSpan, reason: String?) {
        self.span = span
        self.reason = reason
    }
}

/// One finding: a rule id, a severity, a sentence, where, and optionally how to fix it.
public struct Diagnostic: Hashable, Sendable {
    public var rule: RuleID
    public var severity: Severity
    public var message: String
    public var span: SourceSpan?
    public var hint: String?
    public var related: [RelatedLocation]
    /// The config ids (`@id` variants) under which this was found; empty when it holds for all.
    public var variants: [String]
    public var suppression: Suppression?

    /// Counts for the exit code and shows in text output.
    public var isActive: Bool { suppression == nil }

    public init(rule: RuleID, severity: Severity, message: String, span: SourceSpan?,
                hint: String? = nil, related: [RelatedLocation] = [], variants: [String] = []) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.span = span
        self.hint = hint
        self.related = related
        self.variants = variants
    }
}

/// What a renderer needs to know about a rule (SARIF lists them up front).
public struct RuleDescriptor: Sendable {
    public var id: RuleID
    public var summary: String
    public var severity: Severity

    public init(id: RuleID, summary: String, severity: Severity) {
        self.id = id
        self.summary = summary
        self.severity = severity
    }
}

/// Collects diagnostics for one parse, with a cap so hostile input cannot flood memory.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    public private(set) var dropped = 0
    /// Findings per severity, dropped ones included: a capped list must not hide an error.
    public private(set) var counts = [0, 0, 0]
    public let limit: Int

    public init(limit: Int = 2000) { self.limit = limit }

    public mutating func add(_ d: Diagnostic) {
        counts[d.severity.rawValue] += 1
        if items.count < limit { items.append(d) } else { dropped += 1 }
    }

    public func count(_ s: Severity) -> Int { counts[s.rawValue] }

    /// Findings known to exist beyond the cap, counted without being built.
    public mutating func countDropped(_ n: Int, _ severity: Severity) {
        guard n > 0 else { return }
        counts[severity.rawValue] += n
        dropped += n
    }

    public mutating func add(_ rule: RuleID, _ severity: Severity, _ message: String,
                             at span: SourceSpan?, hint: String? = nil,
                             related: [RelatedLocation] = []) {
        if items.count >= limit {
            counts[severity.rawValue] += 1
            dropped += 1
            return
        }
        add(Diagnostic(rule: rule, severity: severity, message: message, span: span,
                       hint: hint, related: related))
    }

    /// A finding that must be shown even past the cap (one that says why work stopped); each
    /// such rule adds at most one, so the list stays bounded.
    public mutating func addPastCap(_ d: Diagnostic) {
        counts[d.severity.rawValue] += 1
        items.append(d)
    }

    /// Whether another finding would only be counted (a rule with costly text checks first).
    public var isFull: Bool { items.count >= limit }

    public mutating func append(contentsOf other: DiagnosticBag) {
        for d in other.items { add(d) }
        dropped += other.dropped
        for s in Severity.allCases {
            counts[s.rawValue] += other.counts[s.rawValue] - other.items.filter { $0.severity == s }.count
        }
    }

    public var hasErrors: Bool { count(.error) > 0 }

    /// The same findings with some removed or rewritten; what was dropped for the cap stays
    /// counted, so a rewrite never hides an error.
    public func rewritten(_ transform: (Diagnostic) -> Diagnostic?) -> DiagnosticBag {
        var out = DiagnosticBag(limit: limit)
        for d in items { if let t = transform(d) { out.addPastCap(t) } }
        out.dropped = dropped
        for s in Severity.allCases {
            out.counts[s.rawValue] += counts[s.rawValue] - items.filter { $0.severity == s }.count
        }
        return out
    }
}
