import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc emit systemd`
public struct EmitSystemd: OutputCommand {
    public static let configuration = CommandConfiguration(
        commandName: "systemd",
        abstract: "A host's set-up for systemd: a sysctl.d file, a oneshot unit, a keepalived.service drop-in.",
        discussion: """
        The same set-up as the host's rc.final block, as files to install under / on a host run by \
        systemd: etc/sysctl.d/90-lvsc-CLUSTER-HOST.conf, etc/systemd/system/lvsc-CLUSTER-HOST.service \
        (addresses, routes, ipvsadm lines) and, on a keepalived director, \
        etc/systemd/system/keepalived.service.d/lvsc.conf (Debian's keepalived.service with this \
        director's -f, -i and -C). Example: lvsc emit systemd --host lvs01 --out root && cp -r root/etc /
        """)

    @OptionGroup public var cluster: ClusterOptions

    @Flag(help: "Every host with a role, each under DIR/HOST/")
    public var all = false

    @Option(help: ArgumentHelp("Folder to write the files under (as under /)", valueName: "dir"), completion: .directory)
    public var out: String

    @Option(name: .customLong("config-path"), help: ArgumentHelp("Where the director's keepalived.conf lives on the host", valueName: "path"))
    public var configPath: String = "/etc/keepalived/keepalived.conf"

    public init() {}

    public func validate() throws { try validateConfigPath(configPath) }

    public func execute() -> CommandOutput {
        var o = RCFinal.Options()
        o.configPath = configPath
        o.generator = "lvsc \(lvscVersion)"
        return EmitSystemdCommand.run(cluster, all: all, out: out, rc: o)
    }
}

/// `lvsc emit systemd`
public enum EmitSystemdCommand {
    public static func run(_ src: ClusterOptions, all: Bool, out folder: String, rc options: RCFinal.Options) -> CommandOutput {
        var out = CommandOutput()
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        var rc = RCFinal(cluster: loaded.cluster, options: options)
        var hosts: [InventoryHost] = []
        if all {
            hosts = rc.hostsWithRoles
        } else {
            guard let name = src.host, let h = loaded.cluster.inventory.hosts.first(where: { $0.name.value == name }) else {
                out.stderr += "lvsc: name a host of the inventory with --host NAME, or --all\n"; out.exitCode = .usage; return out
            }
            hosts = [h]
        }
        for h in hosts {
            if let problem = ValueSyntax.hostNameProblem(h.name.value) {
                out.stderr += "lvsc: no files for \(Shown.text(h.name.value)): \(problem)\n"; out.exitCode = .usage; continue
            }
            if let block = rc.block(for: h), let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
            guard let files = SystemdUnits.files(for: h, rc: &rc) else {
                out.stderr += "lvsc: \(Shown.text(h.name.value)) is neither a director nor a real server of any director: no files\n"; out.exitCode = .usage; continue
            }
            // One tree per host under --all (DIR/HOST/etc/…), the host's own root otherwise.
            let root = all ? folder + "/" + h.name.value : folder
            for f in files {
                let path = root + "/" + f.path
                let dir = String(path[..<path.lastIndex(of: "/")!])
                if case .failure(let e) = SafeFiles.ensureFolder(dir) { out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out }
                if case .failure(let e) = SafeFiles.writeFresh(path, Array(f.text.utf8)) { out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out }
                out.stdout += "\(path)\n"
            }
        }
        if all { out.stderr += EmitRCFinalCommand.skipped(rc, loaded.cluster) }
        out.stderr += ClusterGate.renderNotes(rc.warnings, loaded.sources)
        return out
    }
}
