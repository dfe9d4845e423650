import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc dump`
public struct Dump: OutputCommand {
    public static let configuration = CommandConfiguration(abstract: "Print the typed model of a keepalived.conf as JSON.")

    @Argument(help: "keepalived.conf; - for standard input", completion: .file(extensions: ["conf"]))
    public var file: String

    @Option(name: .customLong("config-id"), help: ArgumentHelp("keepalived's -i: which @id lines apply", valueName: "id"))
    public var configID: String?

    public init() {}

    public func execute() -> CommandOutput { DumpCommand.run(path: file, configID: configID) }
}

/// `lvsc dump FILE` — the model as JSON, one object per config-id variant.
public enum DumpCommand {
    public static func run(path: String, configID: String?) -> CommandOutput {
        var out = CommandOutput()
        let sources = SourceManager()
        switch ConfigParser.readAll(path) {
        case .failure(let e):
            out.stderr = "lvsc: cannot read \(Shown.path(path)): \(e.message)\n"
            out.exitCode = .usage
        case .success(let bytes):
            let file = sources.add(path: path == "-" ? "<stdin>" : path, bytes: bytes)
            let variants = FrontEnd.read(file: file, sources: sources, configID: configID)
            let json = ModelJSON(sources: sources, environment: variants.flatMap(\.environment))
            out.stdout += JSON.array(variants.map { json.config($0.config) }).rendered() + "\n"
            if variants.contains(where: { $0.diagnostics.hasErrors }) {
                out.stderr = "lvsc: the file has errors (run lvsc lint); the model shows what was understood\n"
                out.exitCode = .findings
            }
        }
        return out
    }
}
