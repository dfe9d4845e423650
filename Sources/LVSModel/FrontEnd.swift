import Dispatch

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

    /// Files from this size on are lowered on a second thread while the parser reads on.
    public static let pipelineThreshold = 1 << 20

    static func parseOnce(file: SourceFile, sources: SourceManager, configID: String?,
                          pipelined: Bool? = nil) -> (ConfigVariant, [String]) {
        let parser = ConfigParser(sources: sources, options: ParseOptions(configID: configID))
        let lowering: Lowering
        let parsed: ParseResult
        if pipelined ?? (file.bytes.count >= pipelineThreshold) {
            let pipeline = LoweringPipeline(Lowering(path: file.path, configID: configID))
            parsed = parser.parse(file: file) { tree, roots in pipeline.submit(tree, roots) }
            lowering = pipeline.finish()
        } else {
            var l = Lowering(path: file.path, configID: configID)
            parsed = parser.parse(file: file) { tree, roots in l.lower(roots, of: tree) }
            lowering = l
        }
        var diags = parsed.diagnostics
        diags.append(contentsOf: lowering.diags)
        return (ConfigVariant(configID: configID, config: lowering.config, diagnostics: diags), parsed.conditionIDs)
    }

    /// Test hook: the same file read with and without the lowering thread.
    public static func readForComparison(file: SourceFile, sources: SourceManager, pipelined: Bool) -> ConfigVariant {
        parseOnce(file: file, sources: sources, configID: nil, pipelined: pipelined).0
    }
}

/// Lowers the parser's chunks of complete top-level blocks on a serial queue, in order, while
/// the parser goes on reading. The parser hands over its arrays with each chunk and starts new
/// ones, so the two threads never share a mutable buffer. At most three chunks wait, which
/// bounds the memory the parser can run ahead by.
final class LoweringPipeline: @unchecked Sendable {
    private var lowering: Lowering
    private let queue = DispatchQueue(label: "lvsc.lowering")
    private let slots = DispatchSemaphore(value: 3)

    init(_ lowering: Lowering) { self.lowering = lowering }

    func submit(_ tree: BlockTree, _ roots: ArraySlice<Int32>) {
        slots.wait()
        queue.async {
            self.lowering.lower(roots, of: tree)
            self.slots.signal()
        }
    }

    func finish() -> Lowering {
        queue.sync {}
        return lowering
    }
}
