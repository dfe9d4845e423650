import KeepalivedSyntax
#if canImport(Glibc)
import Glibc
#endif

/// Reading and replacing the files lvsc rewrites in place (`fmt --write`, `emit rc-final
/// --update`) and creating the ones it writes fresh (`--all --out`).
///
/// lvsc runs as root on directors, so a replacement must not be a way to overwrite another
/// file: the temporary file has an unpredictable name and is created exclusively, nothing is
/// written through a symbolic link, only regular files are replaced, the file keeps its mode and
/// owner, a read-only file is left alone, and a file changed by someone else since lvsc read it
/// is not overwritten.
public enum SafeFiles {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// What lvsc saw of a file it is about to replace: the bytes, and enough of its inode to
    /// notice a change before the rename.
    public struct Snapshot: Sendable {
        public var bytes: [UInt8]
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: timespec
        var ctime: timespec
        var mode: UInt32
        var owner: UInt32
        var group: UInt32
    }

    static func errnoText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }

    /// Reads a file that will be replaced; nil when there is no file at `path` yet.
    public static func readForReplace(_ path: String, limit: Int = ConfigParser.maxInputBytes) -> Result<Snapshot?, Failure> {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return .success(nil) }
            return .failure(Failure(message: "cannot read \(Shown.path(path)): \(errnoText())"))
        }
        if let why = refusal(st, path) { return .failure(Failure(message: why)) }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(message: "cannot read \(Shown.path(path)): \(errnoText())")) }
        defer { close(fd) }
        var fst = stat()
        guard fstat(fd, &fst) == 0, fst.st_dev == st.st_dev, fst.st_ino == st.st_ino else {
            return .failure(Failure(message: "\(Shown.path(path)) changed while lvsc opened it; try again"))
        }
        if let why = refusal(fst, path) { return .failure(Failure(message: why)) }
        if Int(fst.st_size) > limit {
            return .failure(Failure(message: "\(Shown.path(path)) is larger than \(limit >> 20) MiB; lvsc does not rewrite it"))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(fst.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(message: "cannot read \(Shown.path(path)): \(errnoText())"))
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > limit {
                return .failure(Failure(message: "\(Shown.path(path)) is larger than \(limit >> 20) MiB; lvsc does not rewrite it"))
            }
        }
        return .success(Snapshot(bytes: bytes, device: UInt64(fst.st_dev), inode: UInt64(fst.st_ino), size: Int64(fst.st_size),
                                 mtime: fst.st_mtim, ctime: fst.st_ctim, mode: fst.st_mode, owner: fst.st_uid, group: fst.st_gid))
    }

    /// Why a file at `path` must not be replaced, or nil.
    static func refusal(_ st: stat, _ path: String) -> String? {
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: return "\(Shown.path(path)) is a symbolic link; lvsc replaces only regular files (give the path it points to)"
        case S_IFDIR: return "\(Shown.path(path)) is a directory"
        default: return "\(Shown.path(path)) is not a regular file (a device, FIFO or socket); lvsc replaces only regular files"
        }
        if st.st_mode & 0o222 == 0 {
            return "\(Shown.path(path)) is read-only (mode \(String(st.st_mode & 0o7777, radix: 8))); lvsc leaves it alone (make it writable first)"
        }
        return nil
    }

    static func same(_ a: timespec, _ b: timespec) -> Bool { a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec }

    /// Why the file at `path` is no longer what `snapshot` saw (or, without a snapshot, why a
    /// file now exists there), or nil.
    static func changed(_ path: String, since snapshot: Snapshot?) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            return snapshot == nil ? nil : "\(Shown.path(path)) was removed since lvsc read it; nothing written"
        }
        guard let s = snapshot else {
            return "\(Shown.path(path)) was created by someone else since lvsc looked; nothing written"
        }
        if UInt64(st.st_dev) != s.device || UInt64(st.st_ino) != s.inode || Int64(st.st_size) != s.size
            || !same(st.st_mtim, s.mtime) || !same(st.st_ctim, s.ctime) || st.st_mode != s.mode {
            return "\(Shown.path(path)) changed since lvsc read it; nothing written (run the command again)"
        }
        return nil
    }

    /// Replaces (or creates) `path` with `bytes` in one rename. The new file has the old one's
    /// mode and owner; a new file gets 0644 less the umask.
    public static func replace(_ path: String, with bytes: [UInt8], snapshot: Snapshot?) -> Result<Void, Failure> {
        if let why = changed(path, since: snapshot) { return .failure(Failure(message: why)) }
        let (dir, base) = split(path)
        // mkstemp: a random name, created with O_EXCL, so a link planted at a guessed name is
        // never followed.
        var template = Array("\(dir)/.\(base).lvsc-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return .failure(Failure(message: "cannot create a temporary file in \(Shown.path(dir)): \(errnoText())")) }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func fail(_ message: String) -> Result<Void, Failure> {
            close(fd)
            unlink(tmp)
            return .failure(Failure(message: message))
        }
        if let s = snapshot {
            if fchown(fd, s.owner, s.group) != 0, s.owner != geteuid() || s.group != getegid() {
                return fail("cannot give the new \(Shown.path(path)) its owner \(s.owner):\(s.group): \(errnoText())")
            }
            if fchmod(fd, s.mode & 0o7777) != 0 { return fail("cannot give the new \(Shown.path(path)) its mode: \(errnoText())") }
        } else {
            let mask = umask(0); umask(mask)
            if fchmod(fd, 0o644 & ~mask) != 0 { return fail("cannot set the mode of \(Shown.path(path)): \(errnoText())") }
        }
        let e = writeAll(fd, bytes)
        if e != 0 { return fail("cannot write \(Shown.path(path)): \(errnoText(e))") }
        if fsync(fd) != 0 { return fail("cannot write \(Shown.path(path)): \(errnoText())") }
        if close(fd) != 0 {
            let e = errno
            unlink(tmp)
            return .failure(Failure(message: "cannot write \(Shown.path(path)): \(errnoText(e))"))
        }
        // Last look before the rename: an edit made while lvsc worked is not lost silently.
        if let why = changed(path, since: snapshot) {
            unlink(tmp)
            return .failure(Failure(message: why))
        }
        if snapshot == nil {
            // link() never replaces: a file created meanwhile makes it fail with EEXIST.
            if link(tmp, path) != 0 {
                let e = errno
                unlink(tmp)
                return .failure(Failure(message: e == EEXIST ? "\(Shown.path(path)) was created by someone else since lvsc looked; nothing written"
                                                   : "cannot create \(Shown.path(path)): \(errnoText(e))"))
            }
            unlink(tmp)
        } else if rename(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            return .failure(Failure(message: "cannot replace \(Shown.path(path)): \(errnoText(e))"))
        }
        return .success(())
    }

    /// Writes a new file in an output folder (`--all --out`): never through a symbolic link,
    /// only over a regular file.
    public static func writeFresh(_ path: String, _ bytes: [UInt8]) -> Result<Void, Failure> {
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            return .failure(Failure(message: e == ELOOP ? "\(Shown.path(path)) is a symbolic link; lvsc does not write through it"
                                                        : "cannot write \(Shown.path(path)): \(errnoText(e))"))
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .failure(Failure(message: "\(Shown.path(path)) is not a regular file; lvsc does not write to it"))
        }
        if ftruncate(fd, 0) != 0 {
            let e = errno
            close(fd)
            return .failure(Failure(message: "cannot write \(Shown.path(path)): \(errnoText(e))"))
        }
        let e = writeAll(fd, bytes)
        let closed = close(fd) == 0 ? 0 : errno
        if e != 0 || closed != 0 { return .failure(Failure(message: "cannot write \(Shown.path(path)): \(errnoText(e != 0 ? e : closed))")) }
        return .success(())
    }

    /// Creates the output folder of `--all --out`, or checks that it is one.
    public static func ensureFolder(_ path: String) -> Result<Void, Failure> {
        if mkdir(path, 0o755) == 0 { return .success(()) }
        // Missing parents are made too, as mkdir -p would.
        if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            if case .failure(let e) = ensureFolder(String(path[..<slash])) { return .failure(e) }
            if mkdir(path, 0o755) == 0 { return .success(()) }
        }
        let e = errno
        var st = stat()
        if e == EEXIST, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return .success(()) }
        return .failure(Failure(message: e == EEXIST ? "\(Shown.path(path)) exists and is not a folder" : "cannot create \(Shown.path(path)): \(errnoText(e))"))
    }

    /// Every byte to a descriptor: 0, or the errno of the failure.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBufferPointer { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }

    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = slash == path.startIndex ? "/" : String(path[..<slash])
        return (dir, String(path[path.index(after: slash)...]))
    }
}

/// Text from files and the command line made safe to print: control bytes (a terminal escape
/// in a file name or a state file) are shown as `\xNN`.
public enum Shown {
    public static func path(_ p: String) -> String { ValueSyntax.escaped(p) }
    public static func text(_ s: String) -> String { ValueSyntax.escaped(s) }
}
