import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `lvsc`: the root command. Every subcommand owns its options and checks them in `validate()`;
/// its `execute()` returns what it prints and its exit status (`CommandOutput`), so tests and
/// other programs drive it in-process; `run()` writes that output and throws the status.
public struct LVSC: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lvsc",
        abstract: "Compile, check and run LVS (IPVS) + keepalived clusters.",
        discussion: """
        Examples:
          lvsc lint                     # ./cluster.txt, all its directors
          lvsc lint /etc/keepalived/keepalived.conf
          lvsc lint --config-id lvs01 shared.conf
          lvsc lint --format sarif --werror *.conf > lvsc.sarif
          lvsc lint --disable auth-cleartext --error real-server-unknown
          lvsc explain vip-clash
          lvsc dump keepalived.conf | jq '.[0].virtualServers'
          lvsc fmt --write keepalived.conf
          lvsc emit ipvsadm --host lvs01
          lvsc emit rc-final --all --out rc.final.d
          lvsc emit keepalived --all --out generated
          lvsc emit systemd --host lvs01 --out root
          lvsc plan --host lvs01 --state current.ipvsadm
          lvsc apply --host lvs01
          lvsc state --format json
          lvsc run --host lvs01 --vrrp-only

        Exit codes: 0 clean; 1 errors found (or warnings with --werror); 2 usage \
        error or unreadable input; 3 the system cannot do it (no IPVS, no \
        privileges, a missing module or interface); 4 the kernel's state changed \
        during lvsc apply (run it again).

        Shell completion: lvsc --generate-completion-script bash (or zsh, fish).
        """,
        version: lvscVersion,
        subcommands: [Lint.self, Explain.self, Dump.self, Emit.self, Fmt.self, PlanCmd.self, Apply.self, State.self, Run.self, Simulate.self, Diff.self, Graph.self]
    )

    public init() {}
}

/// A command whose work is a `CommandOutput`.
public protocol OutputCommand: ParsableCommand {
    func execute() -> CommandOutput
}

extension OutputCommand {
    public func run() throws {
        let status = OutputWriter.write(execute())
        if status != 0 { throw ExitCode(status) }
    }
}

/// Writes a command's output. Output that could not be written in full (a full disk,
/// /dev/full, a closed descriptor) is status 2 with the reason: a redirect into a file must never
/// leave a cut or empty file behind an exit 0.
public enum OutputWriter {
    /// Writes standard output, then standard error; returns the exit status.
    public static func write(_ out: CommandOutput) -> Int32 {
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
            return 2
        }
        return out.exitCode.rawValue
    }

    /// Writes every byte or returns the errno that stopped it (0 when all was written).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }
}

/// Host names for `--host` completion: the directors and hosts of ./cluster.txt (or the
/// inventory named on the command line).
enum Completion {
    static func hosts(_ words: [String]) -> [String] {
        var inventory = "cluster.txt"
        if let i = words.firstIndex(of: "--inventory"), i + 1 < words.count { inventory = words[i + 1] }
        guard case .success(let bytes) = ConfigParser.readAll(inventory, limit: 8 << 20, regularOnly: true) else { return [] }
        let inv = InventoryParser.parse(SourceManager().add(path: inventory, bytes: bytes))
        return inv.hosts.map(\.name.value)
    }
}
