import ArgumentParser
import LVSCommands
#if canImport(Glibc)
import Glibc
#endif

extension DiagnosticFormat: ExpressibleByArgument {}

/// Writes every byte to a descriptor; the errno of the first failure, or 0.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        if n == 0 { return EIO }
        done += n
    }
    return 0
}

/// Writes a command's output and exits with its status. Output that could not be written in
/// full (a full disk, /dev/full, a closed descriptor) is exit 2 with the reason: a redirect into
/// a file must never leave a cut or empty file behind an exit 0.
/// `out.retained` is still referenced here when exit() runs, so it is never freed.
func emit(_ out: CommandOutput) -> Never {
    let failed = writeAll(1, out.stdout.bytes)
    // A descriptor that is a file must also reach the disk without error (NFS and quotas report
    // late); a pipe or terminal cannot be synced, which is fine.
    var st = stat()
    let syncFailed = failed == 0 && !out.stdout.isEmpty && fstat(1, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        && fsync(1) != 0 && errno != EINVAL && errno != EROFS ? errno : 0
    _ = writeAll(2, Array(out.stderr.utf8))
    if failed != 0 || syncFailed != 0 {
        let reason = String(cString: strerror(failed != 0 ? failed : syncFailed))
        _ = writeAll(2, Array("lvsc: cannot write standard output: \(reason)\n".utf8))
        exit(2)
    }
    exit(out.exitCode.rawValue)
}

struct LVSC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lvsc",
        abstract: "Compile, check and run LVS (IPVS) + keepalived clusters.",
        discussion: """
        Examples:
          lvsc lint /etc/keepalived/keepalived.conf
          lvsc lint --inventory cluster.txt              # every director and the cluster rules
          lvsc lint                                      # same, with ./cluster.txt
          lvsc lint --config-id lvs01 shared.conf        # read @lvs01 lines as keepalived -i lvs01
          lvsc lint --format sarif *.conf > lvsc.sarif   # for code scanning
          lvsc lint --format github keepalived.conf      # annotations in GitHub Actions
          lvsc explain vip-clash
          lvsc dump keepalived.conf | jq '.[0].virtualServers'

        Exit codes: 0 clean, 1 errors found (or warnings with --werror), 2 usage error or unreadable input,
        3 the system cannot do it (no IPVS, no privileges, missing module or interface), 4 the kernel's
        state changed during lvsc apply (run it again).
        """,
        version: lvscVersion,
        subcommands: [Lint.self, Explain.self, Dump.self, Emit.self, Fmt.self, PlanCmd.self, Apply.self, State.self]
    )
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check keepalived.conf files (- reads standard input).",
        discussion: """
        Without --config-id, a file with @id lines is checked once per id it names, and each
        finding says under which ids it holds. With --inventory (or with no arguments where a
        cluster.txt is), every director's file is read with the director's name as config id
        and the cluster rules run across all of them.
        """)

    @Argument(help: "keepalived.conf files; - for standard input")
    var files: [String] = []

    @Option(help: "cluster.txt: lint every director it names (with its name as config id) and the cluster rules")
    var inventory: String?

    @Option(help: "Output format: text, json, sarif or github")
    var format: DiagnosticFormat = .text

    @Option(name: .customLong("config-id"), help: "keepalived's -i: which @id lines apply")
    var configID: String?

    @Flag(name: .customLong("find-inventory"), help: "Lint each file as part of the cluster whose cluster.txt is in its folder or above (for pre-commit)")
    var findInventory = false

    @Flag(help: "Treat warnings as errors for the exit code")
    var werror = false

    @Flag(name: .shortAndLong, help: "Hide notes")
    var quiet = false

    func run() throws {
        let inventory = LintCommand.defaultInventory(paths: files, inventory: inventory)
        if files.isEmpty && inventory == nil {
            throw ValidationError("give keepalived.conf files, --inventory cluster.txt, or run where a cluster.txt is")
        }
        var o = LintOptions(paths: files)
        o.inventory = inventory
        o.findInventory = findInventory
        o.format = format
        o.configID = configID
        o.werror = werror
        o.quiet = quiet
        o.color = format == .text && isatty(1) != 0 && getenv("NO_COLOR") == nil
        emit(LintCommand.run(o))
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain a rule id (or a keyword); with no id, list the rules.")

    @Argument(help: "A rule id such as vip-clash, or a keyword such as lb_kind")
    var id: String?

    func run() throws {
        emit(id.map(ExplainCommand.run) ?? ExplainCommand.list())
    }
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the typed model of a keepalived.conf as JSON.")

    @Argument(help: "keepalived.conf; - for standard input")
    var file: String

    @Option(name: .customLong("config-id"), help: "keepalived's -i: which @id lines apply")
    var configID: String?

    func run() throws {
        emit(DumpCommand.run(path: file, configID: configID))
    }
}

extension IPVSScript.Style: ExpressibleByArgument {}
extension RCFinal.Runtime: ExpressibleByArgument {}
extension PlanCommand.Format: ExpressibleByArgument {}

/// The cluster options every emitting command shares.
struct ClusterOptions: ParsableArguments {
    @Option(help: "cluster.txt (default: ./cluster.txt)")
    var inventory: String?

    @Option(name: .customShort("f"), help: "One keepalived.conf as a one-director cluster (instead of an inventory)")
    var file: String?

    @Option(help: "The director (or host) from the inventory")
    var host: String?

    @Flag(help: "Emit even when the cluster has lint errors (they are listed)")
    var force = false

    @Option(help: ArgumentHelp("The cluster's name in markers and headers (default: '# lvsc: cluster=NAME' in cluster.txt)", valueName: "name"))
    var cluster: String?

    func validate() throws {
        if inventory != nil && file != nil { throw ValidationError("give --inventory or -f, not both") }
    }

    var source: ClusterSource {
        var s = ClusterSource()
        s.inventory = inventory
        s.file = file
        s.host = host
        s.force = force
        s.clusterName = cluster
        return s
    }
}

struct Emit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate what the seed's operator typed by hand: ipvsadm scripts, rc.final blocks, keepalived.conf.",
        discussion: "Refuses to emit when the cluster has lint errors, unless --force.",
        subcommands: [EmitIPVS.self, EmitRCFinal.self, EmitSystemd.self, EmitKeepalived.self])
}

struct EmitIPVS: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ipvsadm", abstract: "A director's virtual-service table as ipvsadm text.")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "restore: exactly ipvsadm-save -n of the loaded table; commands: a re-runnable sh script")
    var style: IPVSScript.Style = .restore

    @Flag(help: "Every director, one file each (needs --out)")
    var all = false

    @Option(help: ArgumentHelp("Folder for --all", valueName: "dir"))
    var out: String?

    func validate() throws {
        if all != (out != nil) { throw ValidationError("--all and --out go together") }
    }

    func run() throws { emit(EmitIPVSCommand.run(cluster.source, style: style, allInto: all ? out : nil)) }
}

struct EmitRCFinal: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rc-final", abstract: "The rc.final block of a host, by its role in the cluster.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Every host with a role, one file each (needs --out)")
    var all = false

    @Option(help: "Folder for --all")
    var out: String?

    @Option(help: "Replace the host's block in this rc.final in place (or append it)")
    var update: String?

    @Option(help: "What a director starts: keepalived, or lvsc (its own runtime, 'lvsc run', not in this version yet)")
    var runtime: RCFinal.Runtime = .keepalived

    @Option(name: .customLong("config-path"), help: "Where the director's keepalived.conf lives on the host")
    var configPath: String = "/specials/keepalived.conf"

    @Flag(name: .customLong("legacy-hidden"), help: "The seed's 2004 'hidden' sysctls instead of arp_ignore/arp_announce (warns)")
    var legacyHidden = false

    func validate() throws {
        // The path is written into root's boot script: an absolute path of printable bytes.
        if !configPath.hasPrefix("/") || configPath.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ValidationError("--config-path must be an absolute path without control characters")
        }
    }

    func run() throws {
        var o = EmitRCFinalCommand.Options()
        o.all = all
        o.outDir = out
        o.update = update
        o.rc.runtime = runtime
        o.rc.configPath = configPath
        o.rc.legacyHidden = legacyHidden
        o.rc.generator = "lvsc \(lvscVersion)"
        emit(EmitRCFinalCommand.run(cluster.source, o))
    }
}

struct EmitSystemd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systemd",
        abstract: "A host's set-up for systemd: a sysctl.d file, a oneshot unit, a keepalived.service drop-in.",
        discussion: """
        The same set-up as the host's rc.final block, as files to install under / on a host run by
        systemd: etc/sysctl.d/90-lvsc-CLUSTER-HOST.conf, etc/systemd/system/lvsc-CLUSTER-HOST.service
        (addresses, routes, ipvsadm lines) and, on a keepalived director,
        etc/systemd/system/keepalived.service.d/lvsc.conf (Debian's keepalived.service with this
        director's -f, -i and -C). Example: lvsc emit systemd --host lvs01 --out root && cp -r root/etc /
        """)

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Every host with a role, each under DIR/HOST/")
    var all = false

    @Option(help: ArgumentHelp("Folder to write the files under (as under /)", valueName: "dir"))
    var out: String

    @Option(name: .customLong("config-path"), help: ArgumentHelp("Where the director's keepalived.conf lives on the host", valueName: "path"))
    var configPath: String = "/etc/keepalived/keepalived.conf"

    func validate() throws {
        if !configPath.hasPrefix("/") || configPath.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ValidationError("--config-path must be an absolute path without control characters")
        }
    }

    func run() throws {
        var o = RCFinal.Options()
        o.configPath = configPath
        o.generator = "lvsc \(lvscVersion)"
        emit(EmitSystemdCommand.run(cluster.source, all: all, out: out, rc: o))
    }
}

struct EmitKeepalived: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keepalived", abstract: "The keepalived.conf a director should run, generated from its group's MASTER.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Every director, one file each (needs --out)")
    var all = false

    @Option(help: ArgumentHelp("Folder for --all", valueName: "dir"))
    var out: String?

    func validate() throws {
        if all != (out != nil) { throw ValidationError("--all and --out go together") }
    }

    func run() throws { emit(EmitKeepalivedCommand.run(cluster.source, allInto: all ? out : nil)) }
}

struct Fmt: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Format keepalived.conf files canonically (comments kept; same model).")

    @Argument(help: "keepalived.conf files; - for standard input")
    var files: [String] = []

    @Option(help: ArgumentHelp("Every keepalived.conf this cluster.txt names (conf=)", valueName: "file"))
    var inventory: String?

    @Flag(name: .shortAndLong, help: "Rewrite the files in place")
    var write = false

    @Flag(help: "List files that are not formatted; exit 1 if any")
    var check = false

    @Flag(help: "With --check: print what fmt would change, as a unified diff")
    var diff = false

    func validate() throws {
        if files.isEmpty && inventory == nil { throw ValidationError("give files or --inventory cluster.txt") }
        if write && check { throw ValidationError("--write and --check exclude each other") }
        if diff && !check { throw ValidationError("--diff goes with --check") }
    }

    func run() throws {
        var paths = files
        if let inventory {
            switch FormatCommand.inventoryFiles(inventory) {
            case .success(let named): paths += named
            case .failure(let e):
                var out = CommandOutput()
                out.stderr = "lvsc: \(e.message)\n"
                out.exitCode = .usage
                emit(out)
            }
        }
        emit(FormatCommand.run(paths: paths, mode: write ? .write : (check ? .check : .print), diff: diff))
    }
}

struct PlanCmd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "The netlink operations that turn the current state into a director's compiled one.")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Current state: ipvsadm-save -n output or lvsc's JSON state (default: empty)")
    var state: String?

    @Flag(help: "Read the current state from the kernel through netlink")
    var live = false

    @Option(help: "text or json")
    var format: PlanCommand.Format = .text

    @Flag(help: "Say for each operation which configuration line caused it")
    var explain = false

    @Flag(help: "Print how long each phase took")
    var timings = false

    func run() throws {
        var o = PlanCommand.Options()
        o.state = state
        o.live = live
        o.format = format
        o.explain = explain
        o.timings = timings
        emit(PlanCommand.run(cluster.source, o))
    }
}

extension StateCommand.Format: ExpressibleByArgument {}

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan against the kernel's live state and apply it through netlink.",
        discussion: "Never flushes, never deletes a service the configuration still has; a second apply makes no netlink writes.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .customLong("dry-run"), help: "Print the plan and change nothing")
    var dryRun = false

    @Option(help: "Requests sent before their acknowledgements are read")
    var window: Int = 256

    @Flag(help: "Print how long each phase took")
    var timings = false

    @Option(help: ArgumentHelp("Remember what was applied in FILE; the next apply reads only the services the configuration changes (plus a spot check of three others), not the whole table", valueName: "FILE"))
    var cache: String?

    @Flag(name: .customLong("take-over"), help: "Apply even though keepalived (not -P) or ldirectord manages this director's IPVS table")
    var takeOver = false

    func run() throws {
        var o = ApplyCommand.Options()
        o.cache = cache
        o.dryRun = dryRun
        o.window = max(1, window)
        o.timings = timings
        o.takeOver = takeOver
        emit(ApplyCommand.run(cluster.source, o))
    }
}

struct State: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the kernel's IPVS table (ipvsadm-save -n format) or lvsc's JSON state.")

    @Option(help: "ipvsadm or json")
    var format: StateCommand.Format = .ipvsadm

    func run() throws { emit(StateCommand.run(format: format)) }
}

// Large arrays (the parsed tree, the model's lists) grow by doubling. Above glibc's default
// threshold each growth is a fresh mmap, faulted in page by page and unmapped again; from the
// heap, a freed buffer is reused by the next one. Measured on a 10,000-service file: a fifth
// fewer page faults and about 5 % of lint's time.
// (mallopt is in <malloc.h>, which Swift's Glibc module leaves out.)
if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    let mallopt = unsafeBitCast(sym, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
    _ = mallopt(-1 /* M_TRIM_THRESHOLD */, 64 << 20)
}

// ArgumentParser exits 64 on usage errors; lvsc documents 2.
do {
    var command = try LVSC.parseAsRoot()
    try command.run()
} catch {
    let code = LVSC.exitCode(for: error)
    if code == .success {
        LVSC.exit(withError: error)
    }
    fputs(LVSC.fullMessage(for: error) + "\n", stderr)
    exit(2)
}
