import KeepalivedSyntax

/// What lvsc must not repeat from what it read: the lines of a file that is not a keepalived
/// configuration (`include /etc/shadow`, a key, `/proc/self/environ`), and the values of
/// `${_ENV NAME}`. lint runs in CI on pull requests, and its log is public there.
enum Redaction {
    /// The findings with every file that has no keepalived keyword summed up in one finding
    /// (its lines marked unquotable), and environment values replaced by their reference.
    static func apply(_ diags: DiagnosticBag, files: [Int], knownFiles: [Bool], environment: [EnvironmentUse],
                      sources: SourceManager) -> DiagnosticBag {
        var foreign = Set<Int>()
        for d in diags.items {
            guard let f = d.span.map({ Int($0.file) }), files.contains(f) else { continue }
            if f >= knownFiles.count || !knownFiles[f] { foreign.insert(f) }
        }
        if foreign.isEmpty && environment.isEmpty { return diags }
        for f in foreign { sources.markUnquotable(f) }
        var summarized = Set<Int>()
        var out = diags.rewritten { d in
            if let f = d.span.map({ Int($0.file) }), foreign.contains(f) {
                guard summarized.insert(f).inserted else { return nil }
                return Diagnostic(rule: .notKeepalived, severity: .error,
                                  message: "\(sources[f].path) does not look like a keepalived configuration: no line of it is a keyword keepalived knows (what lvsc found in it is not shown, so its contents are not repeated)",
                                  span: SourceSpan(file: UInt32(f), offset: 0, length: 0),
                                  hint: "check the path (an include or conf= that names the wrong file)")
            }
            return environment.isEmpty ? d : hideEnvironment(d, environment)
        }
        // Related locations inside foreign files are dropped (their excerpts would quote them).
        if !foreign.isEmpty {
            out = out.rewritten { d in
                var d = d
                d.related.removeAll { foreign.contains(Int($0.span.file)) }
                return d
            }
        }
        return out
    }

    /// A finding that touches an `${_ENV NAME}` shows the reference, never the value.
    static func hideEnvironment(_ d: Diagnostic, _ environment: [EnvironmentUse]) -> Diagnostic {
        let spans = (d.span.map { [$0] } ?? []) + d.related.map(\.span)
        let uses = environment.filter { e in spans.contains { e.overlaps($0) } }
        if uses.isEmpty { return d }
        var d = d
        func hide(_ s: String) -> String {
            var s = s
            for e in uses {
                let reference = "${_ENV \(e.name)}"
                s = s.replacingAll(e.value, with: reference)
                s = s.replacingAll(ValueSyntax.shown(Array(e.value.utf8)), with: reference)
            }
            return s
        }
        d.message = hide(d.message)
        d.hint = d.hint.map(hide)
        d.related = d.related.map { RelatedLocation(span: $0.span, message: hide($0.message)) }
        return d
    }
}

extension Diagnostic {
    /// The finding with the value of every `${_ENV NAME}` it touches shown as the reference.
    public func hidingEnvironment(_ environment: [EnvironmentUse]) -> Diagnostic {
        environment.isEmpty ? self : Redaction.hideEnvironment(self, environment)
    }
}
