/// Output formats for diagnostics; each renders a whole run at once.
public enum DiagnosticFormat: String, CaseIterable, Sendable {
    case text, json, sarif, github
}

/// Renders diagnostics in one of the supported formats.
public struct DiagnosticRenderer {
    public let sources: SourceManager
    public let rules: [RuleDescriptor]
    public let color: Bool
    public let toolVersion: String

    public init(sources: SourceManager, rules: [RuleDescriptor], color: Bool, toolVersion: String) {
        self.sources = sources
        self.rules = rules
        self.color = color
        self.toolVersion = toolVersion
    }

    public func render(_ diagnostics: [Diagnostic], format: DiagnosticFormat) -> String {
        switch format {
        // Suppressed findings are for code-scanning tools (SARIF, JSON), not for people.
        case .text: return TextRenderer(sources: sources, color: color).render(diagnostics.filter(\.isActive))
        case .json: return JSONDiagnostics(sources: sources).render(diagnostics)
        case .sarif: return SARIFRenderer(sources: sources, rules: rules, toolVersion: toolVersion).render(diagnostics)
        case .github: return GitHubRenderer(sources: sources).render(diagnostics.filter(\.isActive))
        }
    }
}

extension Diagnostic {
    /// The message with the config-id variants it applies to, when not all.
    public var messageWithVariants: String {
        variants.isEmpty ? message : "\(message) (config-id: \(variants.joined(separator: ", ")))"
    }
}
