import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc explain`
public struct Explain: OutputCommand {
    public static let configuration = CommandConfiguration(abstract: "Explain a rule id (or a keyword); with no id, list the rules.")

    @Argument(help: "A rule id such as vip-clash, or a keyword such as lb_kind",
              completion: .list(RuleID.all.map(\.rawValue)))
    public var id: String?

    public init() {}

    public func execute() -> CommandOutput { id.map(ExplainCommand.run) ?? ExplainCommand.list() }
}

/// `lvsc explain ID` — a rule, or a keyword from the grammar table.
public enum ExplainCommand {
    public static func run(_ id: String) -> CommandOutput {
        var out = CommandOutput()
        if let rule = RuleCatalog.rule(named: id) {
            out.stdout += "\(rule.id) (\(rule.severity.name)): \(rule.summary)\n\n\(rule.explanation)\n"
            return out
        }
        let specs = KeywordTable.shared.all(named: id)
        if !specs.isEmpty {
            for s in specs {
                out.stdout += "\(s.name) in \(s.context): \(s.summary)\n"
                if let a = s.aliasOf { out.stdout += "  alias of: \(a)\(s.deprecatedAlias ? " (deprecated spelling)" : "")\n" }
                if let lo = s.min, let hi = s.max { out.stdout += "  range: \(NumberParser.format(lo))..\(NumberParser.format(hi))\n" }
                if let d = s.defaultValue { out.stdout += "  default: \(d)\n" }
                switch s.status {
                case .deprecated(let why): out.stdout += "  deprecated: \(why)\n"
                case .removed(let why): out.stdout += "  removed: \(why)\n"
                case .untyped: out.stdout += "  kept but not modelled by lvsc yet\n"
                case .current: break
                }
                if let v = s.since { out.stdout += "  since keepalived \(v)\n" }
            }
            return out
        }
        let near = RuleCatalog.nearest(to: id) ?? KeywordTable.shared.nearestKeyword(to: id)
        out.stderr = "lvsc: no rule or keyword named '\(Shown.text(id))'" + (near.map { "; did you mean '\($0)'?" } ?? "") + " ('lvsc explain' lists the rules)\n"
        out.exitCode = .usage
        return out
    }

    public static func list() -> CommandOutput {
        var out = CommandOutput()
        let idWidth = (RuleCatalog.all.map(\.id.rawValue.count).max() ?? 0) + 2
        out.stdout += "RULE".padding(idWidth) + "SEVERITY".padding(10) + "WHAT IT FINDS\n"
        for r in RuleCatalog.all {
            out.stdout += r.id.rawValue.padding(idWidth) + r.severity.name.padding(10) + r.summary + "\n"
        }
        return out
    }
}
