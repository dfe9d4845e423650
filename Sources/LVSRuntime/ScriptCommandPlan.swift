import LVSModel
#if canImport(Glibc)
import Glibc
#endif

/// A script as `lvsc run` executes it: the argv keepalived would execute and the identity it
/// runs as, resolved on this host at start (a user that does not exist is a refusal, not a
/// surprise at the first transition).
public struct ResolvedScript: Sendable, Equatable {
    public var argv: [[UInt8]]
    public var user: String
    public var uid: UInt32
    public var gid: UInt32
    /// The user's supplementary groups (as keepalived sets them with initgroups).
    public var groups: [UInt32]

    public var words: String { argv.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") }
}

/// Resolves who runs a script, as keepalived 2.x does: the script's own `USER [GROUP]`, else
/// `script_user`, else the user keepalived_script. Checks that a script run as root cannot be
/// changed by anyone but root (keepalived's script security), so a writable script is never
/// run as root.
struct ScriptResolver {
    var globalUser: String?
    var securityEnabled: Bool

    enum Failure: Error { case refused(String) }

    func resolve(_ command: ScriptCommand, user explicit: String?) -> Result<ResolvedScript, Failure> {
        var userName = "keepalived_script"
        var groupName: String?
        if let u = command.user {
            userName = u
            groupName = command.group
        } else if let words = (explicit ?? globalUser)?.split(separator: " ").map(String.init), let first = words.first {
            userName = first
            groupName = words.count > 1 ? words[1] : nil
        }
        guard let account = Self.account(userName) else {
            return .failure(.refused("the script user \(userName) does not exist here (keepalived would not run the script either)"))
        }
        var gid = account.gid
        if let g = groupName {
            guard let found = Self.group(g) else { return .failure(.refused("the script group \(g) does not exist here")) }
            gid = found
        }
        guard let program = command.argv.first, !program.isEmpty else { return .failure(.refused("the script line is empty")) }
        let name = String(decoding: program, as: UTF8.self)
        guard let path = Self.locate(name) else {
            return .failure(.refused(name.contains("/") ? "\(name) is not an executable file here"
                                     : "\(name) is in none of \(Self.searchPath.joined(separator: ":"))"))
        }
        if account.uid == 0, let unsafe = Self.writableByOthers(path) {
            return .failure(.refused("\(path) runs as root but \(unsafe) can be changed by a user other than root; keepalived's script security refuses that too"))
        }
        if account.uid != 0 || gid != 0, access(ScriptRunner.setpriv, X_OK) != 0 {
            return .failure(.refused("running a script as \(userName) needs \(ScriptRunner.setpriv) (Debian's util-linux), which is missing here"))
        }
        var argv = command.argv
        argv[0] = Array(path.utf8)
        return .success(ResolvedScript(argv: argv, user: userName, uid: account.uid, gid: gid,
                                       groups: Self.groups(of: userName, gid: gid)))
    }

    /// Where a bare command name is looked for: a fixed list, not the caller's PATH (a script
    /// run as root must not depend on the environment lvsc was started from).
    static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func locate(_ name: String) -> String? {
        if name.contains("/") { return name.hasPrefix("/") && access(name, X_OK) == 0 ? name : nil }
        return searchPath.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    static func account(_ name: String) -> (uid: UInt32, gid: UInt32)? {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &pw, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return (pw.pw_uid, pw.pw_gid)
    }

    static func group(_ name: String) -> UInt32? {
        var gr = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &gr, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return gr.gr_gid
    }

    static func groups(of user: String, gid: UInt32) -> [UInt32] {
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user, gid, &list, &count) >= 0 else { return [gid] }
        }
        return Array(list.prefix(Int(count)))
    }

    /// The first of the file and its folders that someone other than root may write (owned
    /// by another user, or group- or world-writable without the sticky bit on a folder).
    static func writableByOthers(_ path: String) -> String? {
        var p = path
        while true {
            var st = stat()
            guard stat(p, &st) == 0 else { return p }
            let isDir = st.st_mode & S_IFMT == S_IFDIR
            let sticky = st.st_mode & S_ISVTX != 0
            if st.st_uid != 0 { return p }
            if st.st_mode & (S_IWGRP | S_IWOTH) != 0 && !(isDir && sticky) { return p }
            if p == "/" { return nil }
            guard let slash = p.lastIndex(of: "/") else { return nil }
            p = slash == p.startIndex ? "/" : String(p[..<slash])
        }
    }
}
