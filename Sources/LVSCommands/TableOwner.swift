#if canImport(Glibc)
import Glibc
#endif

/// Who else manages this director's IPVS table. One table has one owner: on a keepalived
/// director its checker process adds and removes real servers as they fail and recover, and
/// an `lvsc apply` (which plans toward "every real server up") would put back each one a check
/// took out. apply refuses while such a process runs in its network namespace.
public struct TableOwner: Equatable, Sendable {
    public var pid: Int32
    public var program: String
    public var commandLine: String

    /// Processes in this network namespace that manage IPVS: keepalived unless it runs VRRP
    /// only (`-P`/`--vrrp`), ldirectord.
    public static func running(procRoot: String = "/proc") -> [TableOwner] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        let ownNet = link("\(procRoot)/self/ns/net")
        var found: [TableOwner] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), pid != getpid() else { continue }
            guard let comm = read("\(procRoot)/\(name)/comm")?.split(separator: "\n").first.map(String.init),
                  comm == "keepalived" || comm.hasPrefix("ldirectord") else { continue }
            // Another network namespace has its own IPVS table.
            if let ownNet, let theirs = link("\(procRoot)/\(name)/ns/net"), theirs != ownNet { continue }
            let args = (read("\(procRoot)/\(name)/cmdline") ?? "").split(separator: "\0").map(String.init)
            if comm == "keepalived", args.contains(where: { $0 == "-P" || $0 == "--vrrp" }) { continue }
            found.append(TableOwner(pid: pid, program: comm, commandLine: args.joined(separator: " ")))
        }
        // keepalived runs as a parent and children: name the parent (lowest pid) once.
        var seen = Set<String>()
        return found.sorted { $0.pid < $1.pid }.filter { seen.insert($0.program).inserted }
    }

    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    static func link(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        let n = readlink(path, &buf, buf.count - 1)
        return n > 0 ? String(cString: buf) : nil
    }

    /// Why apply does not go ahead.
    public var refusal: String {
        let what = program == "keepalived"
            ? "keepalived (pid \(pid)) manages this director's IPVS table: its health checkers add and remove real servers, and lvsc apply would put back every server they took out"
            : "\(program) (pid \(pid)) manages this director's IPVS table"
        return "\(what). Not applying: one table has one owner (see 'Who owns what' in the README). Run keepalived with -P (VRRP only) if lvsc is to own the table, or --take-over to apply anyway."
    }
}
