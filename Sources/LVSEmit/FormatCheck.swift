import LVSKernel
import LVSModel

extension KeepalivedFormatter {
    /// Why a file was not reformatted.
    public struct Refusal: Error, Sendable {
        /// The config id under which the reading changed (nil: without one).
        public var configID: String?
        public var message: String
    }

    /// The formatted file, only when keepalived reads it exactly as it read the original, under
    /// no config id and under every id the file names; otherwise a refusal. The formatter works
    /// on text, and a few constructs (preprocessor lines, braces inside words) could change
    /// their meaning if moved: this check makes sure none ever does.
    public static func formatPreservingModel(_ bytes: [UInt8], path: String, followIncludes: Bool = true,
                                             maxGeneratedLines: Int? = nil,
                                             using formatter: ([UInt8]) -> [UInt8] = format) -> Result<[UInt8], Refusal> {
        let formatted = formatter(bytes)
        if formatted == bytes { return .success(bytes) }
        let before = readings(bytes, path: path, ids: nil, followIncludes: followIncludes, maxGeneratedLines: maxGeneratedLines)
        // A file keepalived misreads has no certain structure to keep: it is not reformatted.
        if before.syntaxErrors {
            return .failure(Refusal(configID: nil, message: "the file has syntax errors; it is left as it is"))
        }
        if before.ids.count > FrontEnd.maxVariants {
            return .failure(Refusal(configID: nil, message: "the file names \(before.ids.count) config ids; lvsc reformats only files it can check under every id (at most \(FrontEnd.maxVariants)); the file is left as it is"))
        }
        let after = readings(formatted, path: path, ids: before.ids, followIncludes: followIncludes, maxGeneratedLines: maxGeneratedLines)
        for (k, reading) in before.models.enumerated() where k >= after.models.count || after.models[k] != reading {
            let id = k == 0 ? nil : before.ids[k - 1]
            return .failure(Refusal(configID: id, message: "formatting would change what keepalived reads\(id.map { " with config id \($0)" } ?? ""); the file is left as it is"))
        }
        return .success(formatted)
    }

    /// The model of each reading (locations left out), and the ids read.
    public static func readings(_ bytes: [UInt8], path: String, ids: [String]?, followIncludes: Bool = true,
                                maxGeneratedLines: Int? = nil) -> (models: [String], ids: [String], syntaxErrors: Bool) {
        let sources = SourceManager()
        let file = sources.add(path: path, bytes: bytes)
        let (variants, all) = FrontEnd.readEveryVariant(file: file, sources: sources, ids: ids, followIncludes: followIncludes,
                                                       maxGeneratedLines: maxGeneratedLines)
        let json = ModelJSON(sources: sources, includeLocations: false)
        let models = variants.map { v in
            json.config(v.config).rendered() + " errors \(v.diagnostics.count(.error))"
        }
        let syntaxErrors = variants.contains { $0.diagnostics.items.contains { $0.rule == .syntax || $0.rule == .notKeepalived } }
        return (models, all, syntaxErrors)
    }
}
