import LVSCore

/// Graphviz DOT for `ClusterGraph`: left to right (directors, VRRP groups, VIPs, services,
/// real servers), each LAN a rounded box.
public enum DOTRenderer {
    public static func render(_ g: ClusterGraph) -> String {
        var out = "digraph lvsc {\n"
        out += "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.12, ranksep=0.8, labelloc=t, label=\(quote(g.title))];\n"
        out += "  node [fontname=\"Helvetica\", fontsize=10, style=filled, fillcolor=white];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\", arrowsize=0.6];\n"
        for n in g.nodes where n.lan == nil { out += "  " + node(n) + "\n" }
        for (i, lan) in g.lans.enumerated() {
            out += "  subgraph cluster_\(i) {\n"
            out += "    label=\(quote("LAN " + lan)); style=rounded; color=\"#888888\"; fontsize=11;\n"
            for n in g.nodes where n.lan == i { out += "    " + node(n) + "\n" }
            out += "  }\n"
        }
        for e in g.edges {
            var attrs: [String] = []
            if let l = e.label { attrs.append("label=\(quote(l))") }
            switch e.role {
            case .master: attrs.append("color=\"#1b7f1b\", penwidth=2")
            case .moved: attrs.append("color=\"#1f5fbf\", penwidth=2.5, fontcolor=\"#1f5fbf\"")
            case .backup: attrs.append("style=dashed")
            case .fault: attrs.append("color=\"#c00000\", style=dashed, fontcolor=\"#c00000\"")
            case .down, .failed: attrs.append("color=\"#c00000\", style=dotted, fontcolor=\"#c00000\"")
            case .link: break
            }
            out += "  \(e.from) -> \(e.to)" + (attrs.isEmpty ? "" : " [" + attrs.joined(separator: ", ") + "]") + ";\n"
        }
        return out + "}\n"
    }

    static func node(_ n: ClusterGraph.Node) -> String {
        let shape: String, fill: String
        switch n.kind {
        case .director: shape = "box3d"; fill = "#dbe9f6"
        case .group: shape = "ellipse"; fill = "#fff2cc"
        case .vip: shape = "box"; fill = "#e2f0d9"
        case .service: shape = "component"; fill = "#ead1dc"
        case .realServer: shape = "box"; fill = "#ffffff"
        case .note: shape = "note"; fill = "#fce5cd"
        }
        var attrs = ["label=\(quote(n.lines.joined(separator: "\n")))", "shape=\(shape)"]
        switch n.look {
        case .normal: attrs.append("fillcolor=\"\(fill)\"")
        case .moved: attrs.append("fillcolor=\"\(fill)\", color=\"#1f5fbf\", penwidth=2")
        case .warning: attrs.append("fillcolor=\"#fff2cc\", color=\"#bf9000\", penwidth=2")
        case .error, .failed: attrs.append("fillcolor=\"#f4cccc\", color=\"#c00000\", penwidth=2")
        }
        if n.kind == .realServer { attrs.append("fontsize=9") }
        if n.kind == .vip || n.kind == .realServer { attrs.append("style=\"rounded,filled\"") }
        return "\(n.id) [" + attrs.joined(separator: ", ") + "];"
    }

    /// A DOT string: quotes and backslashes escaped, a line break as DOT's `\n`; other
    /// control bytes dropped (a label cannot carry them).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: if u.value >= 0x20 && u.value != 0x7F { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Mermaid (a `flowchart LR`), for a review comment or a Markdown page that renders it.
public enum MermaidRenderer {
    public static func render(_ g: ClusterGraph) -> String {
        // Quoted: a title holds a colon, which would end a plain YAML value.
        var out = "---\ntitle: \"\(text(g.title).replacingAll("\\", with: "\\\\"))\"\n---\nflowchart LR\n"
        for n in g.nodes where n.lan == nil { out += "  " + node(n) + "\n" }
        for (i, lan) in g.lans.enumerated() {
            out += "  subgraph lan\(i)[\"\(text("LAN " + lan))\"]\n"
            for n in g.nodes where n.lan == i { out += "    " + node(n) + "\n" }
            out += "  end\n"
        }
        for (k, e) in g.edges.enumerated() {
            let arrow: String
            switch e.role {
            case .master, .moved: arrow = "==>"
            case .backup, .fault, .down, .failed: arrow = "-.->"
            case .link: arrow = "-->"
            }
            let label = e.label.map { "|\"\(text($0))\"|" } ?? ""
            out += "  \(e.from) \(arrow)\(label) \(e.to)\n"
            switch e.role {
            case .moved: out += "  linkStyle \(k) stroke:#1f5fbf,stroke-width:3px\n"
            case .fault, .down, .failed: out += "  linkStyle \(k) stroke:#c00000\n"
            default: break
            }
        }
        out += "  classDef failed fill:#f4cccc,stroke:#c00000,stroke-width:2px\n"
        out += "  classDef moved stroke:#1f5fbf,stroke-width:2px\n"
        out += "  classDef warning fill:#fff2cc,stroke:#bf9000\n"
        for n in g.nodes {
            switch n.look {
            case .failed, .error: out += "  class \(n.id) failed\n"
            case .moved: out += "  class \(n.id) moved\n"
            case .warning: out += "  class \(n.id) warning\n"
            case .normal: break
            }
        }
        return out
    }

    static func node(_ n: ClusterGraph.Node) -> String {
        let label = "\"" + n.lines.map(text).joined(separator: "<br/>") + "\""
        switch n.kind {
        case .director: return "\(n.id)[[\(label)]]"
        case .group: return "\(n.id)([\(label)])"
        case .vip: return "\(n.id)(\(label))"
        case .service: return "\(n.id)[/\(label)/]"
        case .realServer: return "\(n.id)[\(label)]"
        case .note: return "\(n.id)>\(label)]"
        }
    }

    /// Text inside a Mermaid label: its own entity escapes for what would end the label or
    /// start markup.
    static func text(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "#quot;"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "#": out += "#35;"
            case "|": out += "#124;"
            case "\n": out += " "
            default: if u.value >= 0x20 && u.value != 0x7F { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
