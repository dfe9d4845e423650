import Diagnostics

/// `lvsc diff` as text (a terminal), Markdown (a review comment) and JSON.
public enum DiffReport {
    public static func text(_ d: ClusterDiff) -> String {
        var t = "lvsc diff: \(d.old) -> \(d.new)\n"
        if d.isEmpty { return t + "\nNo change to any director, keepalived.conf or rc.final block.\n" }
        for h in d.hosts {
            t += "\n\(h.host) (\(h.status))\n"
            if !h.vrrp.isEmpty {
                t += "  VRRP\n" + h.vrrp.map { "    \($0)\n" }.joined()
            }
            for m in h.moves { t += "  deploying it moves \(move(m))\n" }
            if !h.ipvs.isEmpty {
                t += "  IPVS (\(h.ipvs.count) operation\(h.ipvs.count == 1 ? "" : "s"))\n"
                for c in h.ipvs { t += "    \(c.operation)\n      -> \(c.effect)\n" }
            }
            if !h.keepalivedConf.isEmpty { t += "  keepalived.conf\n" + indent(h.keepalivedConf) }
            if !h.rcFinal.isEmpty { t += "  rc.final block\n" + indent(h.rcFinal) }
        }
        return t
    }

    static func move(_ m: ClusterDiff.VIPMove) -> String {
        "\(m.group) (\(m.vips.joined(separator: ", "))): MASTER \(m.from.isEmpty ? "nobody" : m.from.joined(separator: ", ")) -> \(m.to.isEmpty ? "nobody" : m.to.joined(separator: ", ")) (\(m.why))"
    }

    static func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).dropLast(s.hasSuffix("\n") ? 1 : 0).map { "    \($0)\n" }.joined()
    }

    public static func markdown(_ d: ClusterDiff) -> String {
        var t = "## lvsc diff: `\(code(d.old))` → `\(code(d.new))`\n\n"
        if d.isEmpty { return t + "No change to any director, keepalived.conf or rc.final block.\n" }
        let moves = d.hosts.flatMap(\.moves)
        if !moves.isEmpty {
            t += "**Deploying this moves VIPs:**\n\n"
            var seen = Set<String>()
            for m in moves where seen.insert(m.group).inserted { t += "- \(escape(move(m)))\n" }
            t += "\n"
        }
        for h in d.hosts {
            t += "### \(escape(h.host)) (\(h.status))\n\n"
            if !h.vrrp.isEmpty { t += "VRRP:\n\n" + h.vrrp.map { "- \(escape($0))\n" }.joined() + "\n" }
            if !h.ipvs.isEmpty {
                t += "IPVS:\n\n| operation | effect |\n|---|---|\n"
                for c in h.ipvs { t += "| `\(code(c.operation))` | \(escape(c.effect)) |\n" }
                t += "\n"
            }
            for (title, body) in [("keepalived.conf", h.keepalivedConf), ("rc.final block", h.rcFinal)] where !body.isEmpty {
                t += "<details><summary>\(title)</summary>\n\n" + fence(body) + "\n</details>\n\n"
            }
        }
        return t
    }

    /// A fenced diff block whose fence is longer than any backtick run inside.
    static func fence(_ body: String) -> String {
        var longest = 0, run = 0
        for c in body { if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        let f = String(repeating: "`", count: max(3, longest + 1))
        return "\(f)diff\n\(body)\(body.hasSuffix("\n") ? "" : "\n")\(f)\n"
    }

    /// Text in a Markdown line: what would start markup is escaped, a pipe cannot end a cell.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\", "`", "*", "_", "[", "]", "<", "|", "#": out.append("\\"); out.append(c)
            case "\n": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    /// Text inside an inline code span: no backtick can close it, no pipe can end a cell.
    static func code(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "`": out.append("'")
            case "|": out.append("¦")
            case "\n": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    public static func json(_ d: ClusterDiff) -> JSON {
        .object([
            ("old", .string(d.old)), ("new", .string(d.new)), ("changed", .bool(!d.isEmpty)),
            ("hosts", .array(d.hosts.map { h in
                .object([
                    ("host", .string(h.host)), ("status", .string(h.status)),
                    ("vrrp", .array(h.vrrp.map { .string($0) })),
                    ("vip_moves", .array(h.moves.map { m in
                        .object([("group", .string(m.group)), ("vips", .array(m.vips.map { .string($0) })),
                                 ("from", .array(m.from.map { .string($0) })), ("to", .array(m.to.map { .string($0) })), ("why", .string(m.why))])
                    })),
                    ("ipvs", .array(h.ipvs.map { .object([("operation", .string($0.operation)), ("effect", .string($0.effect))]) })),
                    ("keepalived_conf_diff", .string(h.keepalivedConf)),
                    ("rc_final_diff", .string(h.rcFinal)),
                ])
            })),
        ])
    }
}
