import KeepalivedSyntax
import LVSEmit
import LVSModel
#if canImport(Glibc)
import Glibc
#endif

/// The apply cache on disk (`lvsc apply --cache FILE`). It is locked for the whole apply: two
/// applies at once would each trust a cache the other is about to make untrue. It is valid only
/// for the kernel it was written on (this boot, this network namespace, this director).
final class ApplyCacheFile {
    struct Failure: Error {
        var message: String
    }

    let path: String
    let identity: ApplyCache.Identity
    let lock: Int32

    init(path: String, host: String) throws {
        // O_NOFOLLOW: a link planted at the lock's name must not make root create or open
        // another file.
        lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard lock >= 0 else { throw Failure(message: "cannot open the cache lock \(Shown.path(path)).lock: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(lock, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(lock)
            throw Failure(message: "the cache lock \(Shown.path(path)).lock is not a regular file; not applying")
        }
        // Waits for another apply to finish, but not forever: an apply takes seconds at most.
        var tries = 0
        while flock(lock, LOCK_EX | LOCK_NB) != 0 {
            tries += 1
            if tries > 300 {
                close(lock)
                throw Failure(message: "another lvsc apply has held \(path).lock for 30 s; not applying")
            }
            usleep(100_000)
        }
        self.path = path
        identity = ApplyCache.Identity(host: host, netns: Self.netns(), boot: Sysctl.read("kernel.random.boot_id") ?? "unknown")
    }

    deinit { close(lock) }

    /// The network namespace's cookie (never reused within a boot); its inode number (which can be
    /// reused once a namespace is gone) on kernels before 5.14.
    static func netns() -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd >= 0 {
            defer { close(fd) }
            var cookie: UInt64 = 0
            var len = socklen_t(MemoryLayout<UInt64>.size)
            let soNetnsCookie: Int32 = 71
            if getsockopt(fd, SOL_SOCKET, soNetnsCookie, &cookie, &len) == 0 { return "cookie:\(cookie)" }
        }
        var st = stat()
        if stat("/proc/self/ns/net", &st) == 0 { return "inode:\(st.st_ino)" }
        return "unknown"
    }

    func read() -> Result<ApplyCache, ApplyCache.ReadError> {
        // Without a boot id or namespace identity a cache from before a reboot would look current.
        if identity.boot == "unknown" || identity.netns == "unknown" {
            return .failure(.init(message: "cannot tell this boot or network namespace from another (is /proc mounted?)"))
        }
        let bytes: [UInt8]
        switch ConfigParser.readAll(path) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(.init(message: access(path, F_OK) != 0 ? "no cache yet" : "\(e)"))
        }
        switch ApplyCache.parse(bytes) {
        case .failure(let e): return .failure(e)
        case .success(let c):
            if c.identity.host != identity.host { return .failure(.init(message: "written for \(c.identity.host), not \(identity.host)")) }
            if c.identity.boot != identity.boot { return .failure(.init(message: "written before the last reboot")) }
            if c.identity.netns != identity.netns { return .failure(.init(message: "written in another network namespace")) }
            return .success(c)
        }
    }

    /// Replaces the cache in one rename, so a reader sees the old file or the new one.
    /// The records when the cached plan already made them, else the table's.
    func write(_ records: [UInt8]?, else table: IPVSTable) throws {
        let cache = records.map { ApplyCache(identity: identity, records: $0) } ?? ApplyCache(identity: identity, table: table)
        // An unpredictable name created exclusively (mkstemp, mode 0600), in the cache's folder.
        let (dir, base) = SafeFiles.split(path)
        var template = Array("\(dir)/.\(base).lvsc-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(message: "cannot write the cache next to \(Shown.path(path)): \(String(cString: strerror(errno)))") }
        let tmp = String(cString: template)
        for part in cache.parts {
            var done = 0
            while done < part.count {
                let n = part.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + done, part.count - done) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    let e = errno
                    close(fd); unlink(tmp)
                    throw Failure(message: "cannot write the cache \(Shown.path(path)): \(String(cString: strerror(e)))")
                }
                done += n
            }
        }
        if close(fd) != 0 {
            let e = errno
            unlink(tmp)
            throw Failure(message: "cannot write the cache \(Shown.path(path)): \(String(cString: strerror(e)))")
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw Failure(message: "cannot replace the cache \(path): \(String(cString: strerror(e)))")
        }
    }

    func remove() throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw Failure(message: "cannot remove the stale cache \(path): \(String(cString: strerror(errno)))")
        }
    }
}
