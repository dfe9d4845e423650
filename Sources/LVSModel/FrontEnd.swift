/// One reading of a file: the model for one config id, and what the front end found.
public struct ConfigVariant: Sendable {
    public var configID: String?
    public var config: KeepalivedConfig
    public var diagnostics: DiagnosticBag
}

/// Reads a keepalived.conf into one model per config id it must be checked under.
public enum FrontEnd {
    /// With `configID` nil, a file whose `@id` lines name ids is read once per id (the seed's
    /// one-file-for-all-directors pattern); otherwise once.
    public static func read(file: SourceFile, sources: SourceManager, configID: String?) -> [ConfigVariant] {
        let first = parseOnce(file: file, sources: sources, configID: configID)
        if configID != nil || first.1.isEmpty { return [first.0] }
        return first.1.map { parseOnce(file: file, sources: sources, configID: $0).0 }
    }

    static func parseOnce(file: SourceFile, sources: SourceManager, configID: String?) -> (ConfigVariant, [String]) {
        let parser = ConfigParser(sources: sources, options: ParseOptions(configID: configID))
        var lowering = Lowering(path: file.path, configID: configID)
        let parsed = parser.parse(file: file) { tree, roots in lowering.lower(roots, of: tree) }
        var diags = parsed.diagnostics
        diags.append(contentsOf: lowering.diags)
        return (ConfigVariant(configID: configID, config: lowering.config, diagnostics: diags), parsed.conditionIDs)
    }
}
