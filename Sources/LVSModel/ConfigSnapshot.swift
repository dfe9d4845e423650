import Diagnostics
import KeepalivedSyntax

/// One reading of a director's keepalived.conf, immutable and shareable between threads: the
/// model, the files it was read from, what the front end found, and the model's keyed parts. A
/// long-running process holds one, reads the next on reload, asks what changed
/// (`changes(to:)`), and swaps; the old one is freed with its last reference.
public struct ConfigSnapshot: Sendable {
    public let sources: SourceManager
    public let reading: ConfigVariant
    public let keyed: KeyedModel

    public var config: KeepalivedConfig { reading.config }
    public var diagnostics: [Diagnostic] { reading.diagnostics.items }

    /// Reads `path` as keepalived does when started with `-f path` and (when given) `-i configID`.
    public static func read(path: String, configID: String?) -> Result<ConfigSnapshot, ConfigParser.ReadError> {
        switch ConfigParser.readAll(path, regularOnly: true) {
        case .failure(let e): return .failure(e)
        case .success(let bytes): return .success(ConfigSnapshot(path: path, bytes: bytes, configID: configID))
        }
    }

    public init(path: String, bytes: [UInt8], configID: String?) {
        let sources = SourceManager()
        let file = sources.add(path: path, bytes: bytes)
        let reading = FrontEnd.parseOnce(file: file, sources: sources, configID: configID).0
        self.sources = sources
        self.reading = reading
        self.keyed = KeyedModel(reading.config)
    }

    /// What a reload from this snapshot to `next` changes, by identity key.
    public func changes(to next: ConfigSnapshot) -> ModelChanges {
        ModelChanges(from: keyed, to: next.keyed)
    }
}
