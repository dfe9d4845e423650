/// gcc-style text: `path:line:col: severity: message [rule]`, the source line, a caret, a hint.
public struct TextRenderer {
    public let sources: SourceManager
    public let color: Bool

    public init(sources: SourceManager, color: Bool) {
        self.sources = sources
        self.color = color
    }

    private func paint(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }

    private func severityLabel(_ s: Severity) -> String {
        switch s {
        case .error: return paint("error", "1;31")
        case .warning: return paint("warning", "1;35")
        case .note: return paint("note", "1;36")
        }
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for d in diagnostics {
            var head = ""
            if let span = d.span {
                let r = sources.resolve(span)
                head = paint("\(terminalSafe(r.path)):\(r.line):\(r.column):", "1") + " "
            } else {
                head = paint("lvsc:", "1") + " "
            }
            out += head + severityLabel(d.severity) + ": " + terminalSafe(d.messageWithVariants) + " [" + d.rule.rawValue + "]\n"
            if let span = d.span { out += excerpt(span) }
            if let hint = d.hint { out += "  " + paint("hint:", "1;32") + " " + terminalSafe(hint) + "\n" }
            for rel in d.related {
                let r = sources.resolve(rel.span)
                out += paint("\(terminalSafe(r.path)):\(r.line):\(r.column):", "1") + " " + severityLabel(.note) + ": " + terminalSafe(rel.message) + "\n"
                out += excerpt(rel.span)
            }
        }
        return out
    }

    /// The source line (tabs kept so the caret lines up) and a caret under the span.
    private func excerpt(_ span: SourceSpan) -> String {
        if sources.unquotable.contains(Int(span.file)) { return "" }
        let file = sources[Int(span.file)]
        let r = sources.resolve(span)
        let lineBytes = file.lineText(r.line)
        let shown = lineBytes.count > 400 ? Array(lineBytes.prefix(400)) : lineBytes
        let text = printable(shown)
        let number = String(r.line)
        let gutter = String(repeating: " ", count: number.count)
        var marker = ""
        for i in 0..<max(0, min(r.column - 1, shown.count)) {
            marker += shown[i] == 0x09 ? "\t" : " "
        }
        let width = r.endLine == r.line ? max(1, r.endColumn - r.column) : max(1, shown.count - r.column + 1)
        marker += "^" + String(repeating: "~", count: max(0, min(width, 200) - 1))
        return " \(number) | \(text)\n \(gutter) | " + paint(marker, "1;32") + "\n"
    }

    /// Invalid UTF-8 and control bytes become `\xNN`, so garbage input cannot mangle a terminal.
    private func printable(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes {
            if b == 0x09 || (b >= 0x20 && b < 0x7F) {
                s.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                s += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return s
    }
}

/// Text from files (paths, values in messages) with control characters shown as `\xNN`, so a
/// file name or value cannot send escape sequences to a terminal or split a log line.
func terminalSafe(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F || ($0.value >= 0x80 && $0.value < 0xA0) }) else { return s }
    var out = ""
    for u in s.unicodeScalars {
        if (u.value < 0x20 && u != "\n") || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0) {
            let h = String(u.value, radix: 16, uppercase: true)
            out += "\\x" + (h.count == 1 ? "0" + h : h)
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}
