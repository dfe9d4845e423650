import ArgumentParser

/// `lvsc emit`
public struct Emit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Generate what the seed's operator typed by hand: ipvsadm scripts, rc.final blocks, keepalived.conf.",
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
