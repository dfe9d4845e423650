import ArgumentParser

/// `lvsc emit`
public struct Emit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Generate what operators type by hand: ipvsadm scripts, rc.final blocks, keepalived.conf.",
        discussion: "Refuses to emit when the cluster has lint errors, unless --force.",
        subcommands: [EmitIPVS.self, EmitRCFinal.self, EmitSystemd.self, EmitKeepalived.self])

    public init() {}
}

/// A path written into root's boot script or a unit: absolute, without control bytes.
func validateConfigPath(_ path: String) throws {
    if !path.hasPrefix("/") || path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
        throw ValidationError("--config-path must be an absolute path without control characters")
    }
}

/// `--all --out DIR`: every director, one file each, into a folder (the two go together).
public struct EveryDirectorOptions: ParsableArguments {
    @Flag(help: "Every director, one file each (needs --out)")
    public var all = false

    @Option(help: ArgumentHelp("Folder for --all", valueName: "dir"), completion: .directory)
    public var out: String?

    public init() {}

    public func validate() throws {
        if all != (out != nil) { throw ValidationError("--all and --out go together") }
    }

    /// The folder to write into, when every director is asked for.
    public var folder: String? { all ? out : nil }
}
