import LVSModel
#if canImport(Glibc)
import Glibc
#endif

/// A team's choice of rules: some off, some raised or lowered. Read from a repository's
/// `.lvsc-rules` file and from `--disable` / `--error` / `--warning` / `--note`.
///
///     # .lvsc-rules: one setting a line; '#' starts a comment
///     disable auth-cleartext
///     error   real-server-unknown
///     warning vip-not-in-inventory
public struct RulePolicy: Sendable, Equatable {
    public var disabled: Set<RuleID> = []
    public var severity: [RuleID: Severity] = [:]
    /// Where the settings came from, for messages.
    public var source: String?

    public init() {}

    public static let fileName = ".lvsc-rules"

    public var isEmpty: Bool { disabled.isEmpty && severity.isEmpty }

    /// Applies one setting; the last one for a rule wins (the command line comes after the file).
    public mutating func set(_ verb: String, _ rule: RuleID) {
        switch verb {
        case "disable":
            disabled.insert(rule); severity[rule] = nil
        default:
            disabled.remove(rule)
            severity[rule] = verb == "error" ? .error : verb == "warning" ? .warning : .note
        }
    }

    public static let verbs = ["disable", "error", "warning", "note"]

    /// A rule list as written on the command line or in the file: ids separated by commas.
    public static func ruleIDs(_ list: String) -> Result<[RuleID], PolicyError> {
        var out: [RuleID] = []
        for name in list.split(separator: ",").map({ String($0).trimmed }) where !name.isEmpty {
            guard let id = RuleID(named: name) else {
                let near = RuleCatalog.nearest(to: name).map { " (did you mean '\($0)'?)" } ?? " ('lvsc explain' lists them)"
                return .failure(PolicyError(message: "'\(ValueSyntax.escaped(name))' is not a rule id\(near)"))
            }
            out.append(id)
        }
        return .success(out)
    }

    public struct PolicyError: Error, Sendable, Equatable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// Parses a `.lvsc-rules` file.
    public static func parse(_ bytes: [UInt8], path: String) -> Result<RulePolicy, PolicyError> {
        var policy = RulePolicy()
        policy.source = path
        for (n, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            var line = String(decoding: raw, as: UTF8.self)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let verb = words.first else { continue }
            guard verbs.contains(verb) else {
                return .failure(PolicyError(message: "\(ValueSyntax.escaped(path)):\(n + 1): '\(ValueSyntax.escaped(verb))' is not a setting; write one of \(verbs.joined(separator: ", ")) and rule ids"))
            }
            guard words.count >= 2 else {
                return .failure(PolicyError(message: "\(ValueSyntax.escaped(path)):\(n + 1): '\(ValueSyntax.escaped(verb))' needs rule ids"))
            }
            switch ruleIDs(words.dropFirst().joined(separator: ",")) {
            case .failure(let e): return .failure(PolicyError(message: "\(ValueSyntax.escaped(path)):\(n + 1): \(e.message)"))
            case .success(let ids): for id in ids { policy.set(verb, id) }
            }
        }
        return .success(policy)
    }

    /// The `.lvsc-rules` in `folder` or the nearest folder above it, as a linter's config is
    /// found from where it runs (a repository's root, for a pre-commit hook).
    public static func find(from folder: String) -> String? {
        var dir = folder
        for _ in 0..<64 {
            let candidate = (dir == "/" ? "" : dir) + "/" + fileName
            if access(candidate, F_OK) == 0 { return candidate }
            if dir == "/" || dir.isEmpty { return nil }
            guard let slash = dir.lastIndex(of: "/") else { return nil }
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
        }
        return nil
    }

    /// The findings as the team wants them: disabled rules gone, severities changed.
    public func apply(_ diags: [Diagnostic]) -> [Diagnostic] {
        if isEmpty { return diags }
        return diags.compactMap { d in
            if disabled.contains(d.rule) { return nil }
            // Notes are the consequences of a finding; they stay notes.
            guard let s = severity[d.rule], d.severity != .note else { return d }
            var out = d
            out.severity = s
            return out
        }
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
