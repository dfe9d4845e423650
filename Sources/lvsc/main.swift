import ArgumentParser
import LVSCommands
#if canImport(Glibc)
import Glibc
#endif

extension DiagnosticFormat: ExpressibleByArgument {}

func emit(_ out: CommandOutput) -> Never {
    if !out.stdout.isEmpty { fputs(out.stdout, stdout) }
    if !out.stderr.isEmpty { fputs(out.stderr, stderr) }
    fflush(stdout)
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

        Exit codes: 0 clean, 1 errors found (or warnings with --werror), 2 usage error or unreadable input.
        """,
        version: lvscVersion,
        subcommands: [Lint.self, Explain.self, Dump.self]
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
