#if canImport(Glibc)
import Glibc
#endif
import KeepalivedSyntax

/// One reading of a file: the model for one config id, and what the front end found.
public struct ConfigVariant: Sendable {
    public var configID: String?
    public var config: KeepalivedConfig
    public var diagnostics: DiagnosticBag
    /// The `${_ENV NAME}` values read (never to be printed).
    public var environment: [EnvironmentUse] = []
}

/// Reads a keepalived.conf into one model per config id it must be checked under.
public enum FrontEnd {
    /// With `configID` nil, a file whose `@id` lines name ids is read once per id (the seed's
    /// one-file-for-all-directors pattern); otherwise once.
    public static func read(file: SourceFile, sources: SourceManager, configID: String?) -> [ConfigVariant] {
        let first = parseOnce(file: file, sources: sources, configID: configID)
        if configID != nil || first.1.isEmpty { return [first.0] }
        // Each id is a whole parse: a file naming 2,000 ids is checked under the first ones, and
        // says so, instead of taking minutes.
        let ids = first.1.prefix(maxVariants)
        var variants = ids.map { parseOnce(file: file, sources: sources, configID: $0).0 }
        if first.1.count > maxVariants {
            variants[0].diagnostics.add(.syntax, .warning,
                                        "the file names \(first.1.count) config ids in @id lines; lvsc checks it under the first \(maxVariants) (\(ids.first!) to \(ids.last!))",
                                        at: SourceSpan(file: UInt32(file.id), offset: 0, length: 0),
                                        hint: "lint with --config-id ID for any other")
        }
        return variants
    }

    /// Config ids a file is checked under when no --config-id is given.
    public static let maxVariants = 64

    /// The file read with no config id and with each id it names (`ids` when given, else those
    /// the file names): every way keepalived can read it.
    public static func readEveryVariant(file: SourceFile, sources: SourceManager, ids: [String]? = nil,
                                        followIncludes: Bool = true, maxGeneratedLines: Int? = nil) -> (variants: [ConfigVariant], ids: [String]) {
        let (none, named) = parseOnce(file: file, sources: sources, configID: nil, followIncludes: followIncludes, maxGeneratedLines: maxGeneratedLines)
        let all = ids ?? named
        if all.count > maxVariants { return ([none], all) }
        return ([none] + all.map { parseOnce(file: file, sources: sources, configID: $0, followIncludes: followIncludes, maxGeneratedLines: maxGeneratedLines).0 }, all)
    }

    /// Files from this size on are lowered on a second thread while the parser reads on.
    public static let pipelineThreshold = 1 << 20

    static func parseOnce(file: SourceFile, sources: SourceManager, configID: String?,
                          pipelined: Bool? = nil, followIncludes: Bool = true, maxGeneratedLines: Int? = nil) -> (ConfigVariant, [String]) {
        var options = ParseOptions(configID: configID)
        options.followIncludes = followIncludes
        if let maxGeneratedLines { options.maxGeneratedLines = maxGeneratedLines }
        let parser = ConfigParser(sources: sources, options: options)
        let lowering: Lowering
        let parsed: ParseResult
        if pipelined ?? (file.bytes.count >= pipelineThreshold), let pipeline = LoweringPipeline(Lowering(path: file.path, configID: configID, table: KeywordTable(freshSpecs: true))) {
            parsed = parser.parse(file: file) { tree, roots in pipeline.submit(tree, roots) }
            lowering = pipeline.finish()
        } else {
            var l = Lowering(path: file.path, configID: configID)
            parsed = parser.parse(file: file) { tree, roots in l.lower(roots, of: tree) }
            lowering = l
        }
        var diags = parsed.diagnostics
        diags.append(contentsOf: lowering.diags)
        var known = lowering.knownFiles
        for f in parsed.directiveFiles {
            if f >= known.count { known += [Bool](repeating: false, count: f + 1 - known.count) }
            known[f] = true
        }
        diags = Redaction.apply(diags, files: parsed.files, knownFiles: known,
                                environment: parsed.environment, sources: sources)
        return (ConfigVariant(configID: configID, config: lowering.config, diagnostics: diags, environment: parsed.environment), parsed.conditionIDs)
    }

    /// Test hook: the same file read with and without the lowering thread.
    public static func readForComparison(file: SourceFile, sources: SourceManager, pipelined: Bool) -> ConfigVariant {
        parseOnce(file: file, sources: sources, configID: nil, pipelined: pipelined).0
    }
}

/// Lowers the parser's chunks of complete top-level blocks on a second thread, in order, while
/// the parser reads on. The parser hands its arrays over with each chunk and starts new ones,
/// so the threads never share a mutable buffer; one chunk at most waits, which bounds the memory
/// the parser can run ahead by. A plain thread, a mutex and a condition variable: the same with
/// a DispatchQueue and a semaphore took 4 ms and 1.4 MiB more on 10,000 services (measured).
/// The lowering gets its own keyword table: with the shared one, both threads would retain and
/// release the same spec objects millions of times, and the contended reference counts cost
/// more than the second thread gained (why an earlier attempt at this pipeline was dropped).
final class LoweringPipeline: @unchecked Sendable {
    private var lowering: Lowering
    private var waiting: [(BlockTree, ArraySlice<Int32>)] = []
    private var finished = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread = pthread_t()

    /// Nil when no thread can be started (the caller then lowers in line).
    init?(_ lowering: Lowering) {
        self.lowering = lowering
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
        let me = Unmanaged.passRetained(self)
        let rc = pthread_create(&thread, nil, { arg in
            let pipeline = Unmanaged<LoweringPipeline>.fromOpaque(arg!).takeRetainedValue()
            pipeline.work()
            return nil
        }, me.toOpaque())
        if rc != 0 {
            me.release()
            return nil
        }
    }

    deinit {
        pthread_cond_destroy(changed); pthread_mutex_destroy(mutex)
        changed.deallocate(); mutex.deallocate()
    }

    private func work() {
        pthread_mutex_lock(mutex)
        while true {
            while waiting.isEmpty && !finished { pthread_cond_wait(changed, mutex) }
            if waiting.isEmpty { break }
            let (tree, roots) = waiting.removeFirst()
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
            lowering.lower(roots, of: tree)
            pthread_mutex_lock(mutex)
        }
        pthread_mutex_unlock(mutex)
    }

    func submit(_ tree: BlockTree, _ roots: ArraySlice<Int32>) {
        pthread_mutex_lock(mutex)
        while waiting.count >= 1 { pthread_cond_wait(changed, mutex) }
        waiting.append((tree, roots))
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Waits for the last chunk and hands back the lowering.
    func finish() -> Lowering {
        pthread_mutex_lock(mutex)
        finished = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
        return lowering
    }
}
