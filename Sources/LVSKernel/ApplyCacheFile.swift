import LVSCore
#if canImport(Glibc)
import Glibc
#endif

/// The apply cache on disk (`lvsc apply --cache FILE`). It is locked for the whole apply: two
/// applies at once would each trust a cache the other is about to make untrue. It is valid only
/// for the kernel it was written on (this boot, this network namespace, this director).
public final class ApplyCacheFile {
    public struct Failure: Error, Sendable {
        public var message: String
    }

    public let path: String
    let host: String
    let lock: Int32

    /// Opens and locks the cache's lock file (`PATH.lock`); the lock is held until the value goes.
    public init(path: String, host: String) throws(Failure) {
        // O_NOFOLLOW: a link planted at the lock's name must not make root create or open
        // another file.
        lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard lock >= 0 else { throw Failure(message: "cannot open the cache lock \(ValueSyntax.escaped(path)).lock: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(lock, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(lock)
            throw Failure(message: "the cache lock \(ValueSyntax.escaped(path)).lock is not a regular file; not applying")
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
        self.host = host
    }

    deinit { close(lock) }

    func cacheIdentity(_ kernel: KernelIdentity) -> ApplyCache.Identity {
        ApplyCache.Identity(host: host, netns: kernel.netns, boot: kernel.boot)
    }

    /// The cache, if it was written for this kernel and director.
    public func read(for kernel: KernelIdentity) -> Result<ApplyCache, ApplyCache.ReadError> {
        let identity = cacheIdentity(kernel)
        // Without a boot id or namespace identity a cache from before a reboot would look current.
        if !kernel.isKnown {
            return .failure(.init(message: "cannot tell this boot or network namespace from another (is /proc mounted?)"))
        }
        let bytes: [UInt8]
        switch Self.readBytes(path) {
        case .success(let b): bytes = b
        case .failure(let e): return .failure(.init(message: e.code == ENOENT ? "no cache yet" : String(cString: strerror(e.code))))
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
    public func write(_ records: [UInt8]?, else table: IPVSTable, for kernel: KernelIdentity) throws(Failure) {
        let identity = cacheIdentity(kernel)
        let cache = records.map { ApplyCache(identity: identity, records: $0) } ?? ApplyCache(identity: identity, table: table)
        // An unpredictable name created exclusively (mkstemp, mode 0600), in the cache's folder.
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(dir)/.\(base).lvsc-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(message: "cannot write the cache next to \(ValueSyntax.escaped(path)): \(String(cString: strerror(errno)))") }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for part in cache.parts {
            var done = 0
            while done < part.count {
                let n = part.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + done, part.count - done) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    let e = errno
                    close(fd); unlink(tmp)
                    throw Failure(message: "cannot write the cache \(ValueSyntax.escaped(path)): \(String(cString: strerror(e)))")
                }
                done += n
            }
        }
        if close(fd) != 0 {
            let e = errno
            unlink(tmp)
            throw Failure(message: "cannot write the cache \(ValueSyntax.escaped(path)): \(String(cString: strerror(e)))")
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw Failure(message: "cannot replace the cache \(path): \(String(cString: strerror(e)))")
        }
    }

    public func remove() throws(Failure) {
        if unlink(path) != 0 && errno != ENOENT {
            throw Failure(message: "cannot remove the stale cache \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A cache is a few dozen bytes per service; anything over this is not one.
    static let maxBytes = 256 << 20

    /// The whole file, or the errno that stopped the read. Only a regular file is read.
    struct Errno: Error { var code: Int32 }

    static func readBytes(_ path: String) -> Result<[UInt8], Errno> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(Errno(code: errno)) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(Errno(code: EINVAL)) }
        guard Int(st.st_size) <= maxBytes else { return .failure(Errno(code: EFBIG)) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(Errno(code: errno)) }
            if n == 0 { return .success(out) }
            out += chunk[0..<n]
            if out.count > maxBytes { return .failure(Errno(code: EFBIG)) }
        }
    }
}
