/// JSON: an array of flat objects, one per diagnostic (documented in README).
public struct JSONDiagnostics {
    public let sources: SourceManager

    public init(sources: SourceManager) { self.sources = sources }

    public func object(_ d: Diagnostic) -> JSON {
        var fields: [(String, JSON)] = []
        if let span = d.span {
            let r = sources.resolve(span)
            fields += [("file", .string(r.path)), ("line", .int(r.line)), ("column", .int(r.column)),
                       ("endLine", .int(r.endLine)), ("endColumn", .int(r.endColumn))]
        } else {
            fields += [("file", .null), ("line", .null), ("column", .null), ("endLine", .null), ("endColumn", .null)]
        }
        fields += [("severity", .string(d.severity.name)), ("rule", .string(d.rule.rawValue)),
                   ("message", .string(d.message)), ("hint", .string(d.hint))]
        fields.append(("variants", .array(d.variants.map { .string($0) })))
        if let s = d.suppression {
            let r = sources.resolve(s.span)
            fields.append(("suppressed", .object([("reason", .string(s.reason)), ("file", .string(r.path)), ("line", .int(r.line))])))
        } else {
            fields.append(("suppressed", .null))
        }
        fields.append(("related", .array(d.related.map { rel in
            let r = sources.resolve(rel.span)
            return .object([("file", .string(r.path)), ("line", .int(r.line)), ("column", .int(r.column)),
                            ("endLine", .int(r.endLine)), ("endColumn", .int(r.endColumn)),
                            ("message", .string(rel.message))])
        })))
        return .object(fields)
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        JSON.array(diagnostics.map(object)).rendered() + "\n"
    }
}

/// SARIF 2.1.0, one run, rules listed in the driver so viewers can show their summaries.
public struct SARIFRenderer {
    public let sources: SourceManager
    public let rules: [RuleDescriptor]
    public let toolVersion: String

    private func level(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "note"
        }
    }

    private func location(_ span: SourceSpan, message: String? = nil) -> JSON {
        let r = sources.resolve(span)
        var loc: [(String, JSON)] = [("physicalLocation", .object([
            ("artifactLocation", .object([("uri", .string(r.path))])),
            ("region", .object([("startLine", .int(r.line)), ("startColumn", .int(r.column)),
                                ("endLine", .int(r.endLine)), ("endColumn", .int(r.endColumn))])),
        ]))]
        if let message { loc.append(("message", .object([("text", .string(message))]))) }
        return .object(loc)
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        let results: [JSON] = diagnostics.map { d in
            var text = d.messageWithVariants
            if let hint = d.hint { text += " Hint: " + hint }
            var fields: [(String, JSON)] = [("ruleId", .string(d.rule.rawValue))]
            if let i = ruleIndex[d.rule] { fields.append(("ruleIndex", .int(i))) }
            fields.append(("level", .string(level(d.severity))))
            fields.append(("message", .object([("text", .string(text))])))
            fields.append(("locations", .array(d.span.map { [location($0)] } ?? [])))
            if let s = d.suppression {
                // SARIF §3.35: an in-source suppression with its justification.
                var sup: [(String, JSON)] = [("kind", .string("inSource")), ("status", .string("accepted"))]
                if let reason = s.reason { sup.append(("justification", .string(reason))) }
                sup.append(("location", location(s.span)))
                fields.append(("suppressions", .array([.object(sup)])))
            }
            if !d.related.isEmpty {
                fields.append(("relatedLocations", .array(d.related.enumerated().map { i, rel in
                    var obj = location(rel.span, message: rel.message)
                    if case .object(var f) = obj { f.insert(("id", .int(i)), at: 0); obj = .object(f) }
                    return obj
                })))
            }
            return .object(fields)
        }
        let driverRules: [JSON] = rules.map { r in
            .object([("id", .string(r.id.rawValue)),
                     ("shortDescription", .object([("text", .string(r.summary))])),
                     ("defaultConfiguration", .object([("level", .string(level(r.severity)))]))])
        }
        let doc: JSON = .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([
                ("tool", .object([("driver", .object([
                    ("name", .string("lvsc")),
                    ("version", .string(toolVersion)),
                    ("informationUri", .string("https://github.com/lvsc/lvsc")),
                    ("rules", .array(driverRules)),
                ]))])),
                ("results", .array(results)),
            ])])),
        ])
        return doc.rendered() + "\n"
    }
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::msg`.
public struct GitHubRenderer {
    public let sources: SourceManager

    public init(sources: SourceManager) { self.sources = sources }

    private func command(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .note: return "notice"
        }
    }

    /// Escaping as the runner expects: `%`, CR, LF in data; also `:` and `,` in properties.
    private func escapeData(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.append(c)
            }
        }
        return out
    }

    private func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for d in diagnostics {
            var props: [String] = []
            if let span = d.span {
                let r = sources.resolve(span)
                props += ["file=\(escapeProperty(terminalSafe(r.path)))", "line=\(r.line)", "col=\(r.column)",
                          "endLine=\(r.endLine)", "endColumn=\(r.endColumn)"]
            }
            props.append("title=\(escapeProperty("lvsc " + d.rule.rawValue))")
            var msg = d.messageWithVariants
            if let hint = d.hint { msg += "\nhint: " + hint }
            for rel in d.related {
                let r = sources.resolve(rel.span)
                msg += "\n\(r.path):\(r.line):\(r.column): \(rel.message)"
            }
            out += "::\(command(d.severity)) \(props.joined(separator: ","))::\(escapeData(terminalSafe(msg)))\n"
        }
        return out
    }
}

extension String {
    /// Plain substring replacement without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
