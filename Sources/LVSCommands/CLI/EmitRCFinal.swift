import ArgumentParser
import LVSKernel
import LVSNetlink
#if canImport(Glibc)
import Glibc
#endif

extension RCFinal.Runtime: ExpressibleByArgument {}

/// `lvsc emit rc-final`
public struct EmitRCFinal: OutputCommand {
    public static let configuration = CommandConfiguration(commandName: "rc-final", abstract: "The rc.final block of a host, by its role in the cluster.")

    @OptionGroup public var cluster: ClusterOptions

    @Flag(help: "Every host with a role, one file each (needs --out)")
    public var all = false

    @Option(help: ArgumentHelp("Folder for --all", valueName: "folder"), completion: .directory)
    public var out: String?

    @Option(help: ArgumentHelp("Replace the host's block in this rc.final in place (or append it)", valueName: "rc.final"), completion: .file())
    public var update: String?

    @Option(help: ArgumentHelp("What a director starts: keepalived, or lvsc (lvsc run for VRRP, in the background; keepalived -C for the virtual servers until lvsc runs health checks)", valueName: "runtime"))
    public var runtime: RCFinal.Runtime = .keepalived

    @Option(name: .customLong("config-path"), help: ArgumentHelp("Where the director's keepalived.conf lives on the host", valueName: "path"))
    public var configPath: String = "/specials/keepalived.conf"

    @Flag(name: .customLong("legacy-hidden"), help: "The 2004-era 'hidden' sysctls instead of arp_ignore/arp_announce (warns)")
    public var legacyHidden = false

    public init() {}

    public func validate() throws { try validateConfigPath(configPath) }

    /// What the emitter is told: the block's options as RCFinal takes them.
    var rcOptions: RCFinal.Options {
        var o = RCFinal.Options()
        o.runtime = runtime
        o.configPath = configPath
        o.legacyHidden = legacyHidden
        o.generator = "lvsc \(lvscVersion)"
        return o
    }

    public func execute() -> CommandOutput { EmitRCFinalCommand.run(self) }
}

/// `lvsc emit rc-final`
public enum EmitRCFinalCommand {
    static func run(_ o: EmitRCFinal) -> CommandOutput {
        var out = CommandOutput()
        let src = o.cluster
        guard let loaded = ClusterGate.load(src, needDirector: false, out: &out) else { return out }
        var rc = RCFinal(cluster: loaded.cluster, options: o.rcOptions)
        if o.all {
            guard let dir = o.out else {
                out.stderr += "lvsc: --all needs --out DIR\n"; out.exitCode = .usage; return out
            }
            if case .failure(let e) = SafeFiles.ensureFolder(dir) {
                out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
            }
            for h in rc.hostsWithRoles {
                guard let block = rc.block(for: h) else { continue }
                if let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
                // Not even --force writes a file whose name would leave the folder.
                if let problem = ValueSyntax.hostNameProblem(h.name.value) {
                    out.stderr += "lvsc: no file for \(Shown.text(h.name.value)): \(problem)\n"
                    out.exitCode = .usage
                    continue
                }
                let path = dir + "/" + h.name.value + ".rc.final"
                // Fresh files in the output folder: written in place (a rename per file doubles
                // the directory work for 40,000 hosts), never through a link.
                if case .failure(let e) = SafeFiles.writeFresh(path, Array(block.utf8)) {
                    out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                }
                out.stdout += "\(path)\n"
            }
            // What was not written, and why: nothing is skipped without a word.
            out.stderr += EmitRCFinalCommand.skipped(rc, loaded.cluster)
        } else {
            guard let name = src.host else {
                out.stderr += "lvsc: name the host with --host NAME, or --all --out DIR\n"; out.exitCode = .usage; return out
            }
            guard let host = loaded.cluster.inventory.hosts.first(where: { $0.name.value == name }) else {
                out.stderr += "lvsc: no host \(name) in \(loaded.cluster.inventory.path)\n"; out.exitCode = .usage; return out
            }
            guard let block = rc.block(for: host) else {
                out.stderr += "lvsc: \(name) is neither a director nor a real server of any director: no rc.final block\n"; out.exitCode = .usage; return out
            }
            if let bad = Shell.unsafeLines(block).first { return ClusterGate.refuseUnsafe(bad, out) }
            if let path = o.update {
                let snapshot: SafeFiles.Snapshot?
                switch SafeFiles.readForReplace(path) {
                case .failure(let e): out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                case .success(let s): snapshot = s
                }
                let existing = snapshot?.bytes ?? []
                let updated: [UInt8]
                switch RCFinal.updateReporting(existing, cluster: loaded.cluster.name, host: name, block: block) {
                case .failure(let e):
                    out.stderr += "lvsc: \(Shown.path(path)): \(e.message); the file is unchanged\n"; out.exitCode = .usage; return out
                case .success(let u):
                    updated = u.bytes
                    if let old = u.replacedCluster {
                        out.stderr += "lvsc: \(Shown.path(path)): replaced \(name)'s block written under cluster name '\(Shown.text(old))' with one under '\(loaded.cluster.name)'\n"
                    }
                }
                if updated != existing || snapshot == nil {
                    if case .failure(let e) = SafeFiles.replace(path, with: updated, snapshot: snapshot) {
                        out.stderr += "lvsc: \(e.message)\n"; out.exitCode = .usage; return out
                    }
                    out.stderr += "lvsc: updated \(Shown.path(path))\n"
                } else {
                    out.stderr += "lvsc: \(Shown.path(path)) is up to date\n"
                }
            } else {
                out.stdout += block
            }
        }
        out.stderr += ClusterGate.renderNotes(rc.warnings, loaded.sources)
        return out
    }

}

extension EmitRCFinalCommand {
    /// Inventory hosts with no block and real servers with no host line, one line each.
    static func skipped(_ rc: RCFinal, _ cluster: Cluster) -> String {
        var out = ""
        for h in cluster.inventory.hosts where rc.role(of: h) == nil {
            let why = h.isFloatingVIP ? "a floating VIP (the MASTER director holds it)" : "neither a director nor a real server of any director"
            out += "lvsc: no block for \(Shown.text(h.name.value)): \(why)\n"
        }
        let known = cluster.hostIndex()
        var seen = Set<IPAddress>()
        for d in cluster.directors where cluster.hasInventory {
            for vs in d.config?.virtualServers ?? [] {
                for rs in vs.realServers where known[rs.address.value] == nil && seen.insert(rs.address.value).inserted {
                    out += "lvsc: no block for real server \(rs.address.value) of \(d.name): it has no line in \(Shown.path(cluster.inventory.path))\n"
                }
            }
        }
        return out
    }
}
