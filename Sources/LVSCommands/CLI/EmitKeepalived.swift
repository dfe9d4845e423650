import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc emit keepalived`
public struct EmitKeepalived: OutputCommand {
    public static let configuration = CommandConfiguration(commandName: "keepalived", abstract: "The keepalived.conf a director should run, generated from its group's MASTER.")

    @OptionGroup public var cluster: ClusterOptions

    @OptionGroup public var every: EveryDirectorOptions

    public init() {}

    public func execute() -> CommandOutput { EmitKeepalivedCommand.run(cluster, allInto: every.folder) }
}

/// `lvsc emit keepalived`
public enum EmitKeepalivedCommand {
    public static func run(_ src: ClusterOptions, allInto folder: String? = nil) -> CommandOutput {
        if let folder {
            return ClusterGate.forEveryDirector(src, folder: folder, suffix: ".keepalived.conf") { s in run(s) }
        }
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: true, out: &out), let d = loaded.director else { return out }
        var emitter = KeepalivedEmitter(cluster: loaded.cluster, sources: loaded.sources)
        guard let text = emitter.emit(host: d.name) else {
            out.stderr += "lvsc: \(d.name)'s configuration could not be read\n"; out.exitCode = .usage; return out
        }
        out.stdout += text
        out.stderr += ClusterGate.renderNotes(emitter.notes, loaded.sources)
        return out
    }
}
