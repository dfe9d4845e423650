import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// keepalived's include variants: which failures are errors (`includer` = readable,
/// `includem` = must match, `includew` = must match even with wildcards, `includeb` = every
/// brace alternative, `includea` = all). Plain `include` reports nothing.
struct IncludeStrictness: OptionSet {
    let rawValue: Int
    static let readable = IncludeStrictness(rawValue: 1)
    static let match = IncludeStrictness(rawValue: 2)
    static let wildcardMatch = IncludeStrictness(rawValue: 4)
    static let braceMatch = IncludeStrictness(rawValue: 8)
}

extension ConfigParser {
    func includeKeyword(_ t: ArraySlice<UInt8>) -> IncludeStrictness? {
        guard t.hasPrefix("include") else { return nil }
        var i = t.startIndex + 7
        var strict: IncludeStrictness = []
        if i < t.endIndex, !isBlank(t[i]) {
            switch t[i] {
            case UInt8(ascii: "r"): strict = [.readable]
            case UInt8(ascii: "m"): strict = [.readable, .match]
            case UInt8(ascii: "w"): strict = [.readable, .match, .wildcardMatch]
            case UInt8(ascii: "b"): strict = [.readable, .braceMatch]
            case UInt8(ascii: "a"): strict = [.readable, .match, .wildcardMatch, .braceMatch]
            default: return nil
            }
            i += 1
        }
        guard i < t.endIndex, isBlank(t[i]) else { return nil }
        return strict
    }

    func include(_ l: LineText, strictness: IncludeStrictness) {
        var i = l.text.startIndex
        while i < l.text.endIndex, !isBlank(l.text[i]) { i += 1 }
        let patternLine = l.slice(i..<l.text.endIndex).trimmedLine()
        let at = spanOf(l)
        guard options.followIncludes else {
            diags.add(.include, .note, "include not followed (includes are off for this parse)", at: at)
            return
        }
        guard !patternLine.isEmpty else {
            diags.add(.include, .error, "include without a file name", at: at)
            return
        }
        let pattern = String(decoding: patternLine.text, as: UTF8.self)
        let dir = includeStack.last?.dir ?? "."
        let full = pattern.hasPrefix("/") ? pattern : (dir == "" ? pattern : dir + "/" + pattern)
        let matches = ConfigParser.glob(full)
        let isWildcard = pattern.contains(where: { "*?[".contains($0) })
        if matches.isEmpty {
            let mustMatch = strictness.contains(.wildcardMatch) || (strictness.contains(.match) && !isWildcard)
            if mustMatch {
                diags.add(.include, .error, "include '\(pattern)' matches no file", at: at)
            } else {
                diags.add(.include, .warning,
                          "include '\(pattern)' matches no file (keepalived skips it silently)",
                          at: at, hint: "use 'includem' to make keepalived refuse a missing file")
            }
            return
        }
        for path in matches {
            if includeBudgetSpent { return }
            if includedFiles >= options.maxIncludedFiles || includedBytes >= options.maxIncludedBytes {
                includeBudgetSpent = true
                diags.addPastCap(Diagnostic(rule: .include, severity: .error,
                          message: "includes read \(includedFiles) files (\(includedBytes >> 20) MiB) in all; lvsc stops following them (do files include each other through a glob?)",
                          span: at, hint: "keepalived would read them all; make each file included once"))
                return
            }
            if includeStack.count >= options.maxIncludeDepth {
                diags.add(.include, .error, "includes nest deeper than \(options.maxIncludeDepth) levels", at: at)
                return
            }
            let real = ConfigParser.realPath(path) ?? path
            if let cycleStart = includeStack.firstIndex(where: { $0.realPath == real }) {
                let chain = includeStack[cycleStart...].map(\.realPath) + [real]
                diags.add(.include, .error, "include cycle: \(chain.joined(separator: " -> "))", at: at,
                          hint: "remove one of the include lines in the cycle")
                continue
            }
            switch ConfigParser.readRegularFile(path, limit: options.maxIncludeBytes) {
            case .success(let bytes):
                includedFiles += 1
                includedBytes += bytes.count
                let file = sources.add(path: path, bytes: bytes)
                includeStack.append((real, ConfigParser.directory(of: path)))
                process(file: file)
                includeStack.removeLast()
            case .failure(let err):
                diags.add(.include, strictness.contains(.readable) ? .error : .warning,
                          "cannot include '\(path)': \(err.message)", at: at)
            }
        }
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        #if canImport(Glibc)
        let flags = GLOB_BRACE
        #else
        let flags: Int32 = 0
        #endif
        guard Glibc.glob(pattern, Int32(flags), nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out
    }

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public struct ReadError: Error, Sendable {
        public var message: String

        public init(message: String) { self.message = message }
    }

    /// Reads a whole regular file; directories, devices and executables are refused, as keepalived does.
    public static func readRegularFile(_ path: String, limit: Int = .max) -> Result<[UInt8], ReadError> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(ReadError(message: String(cString: strerror(errno)))) }
        if (st.st_mode & S_IFMT) != S_IFREG {
            return .failure(ReadError(message: "not a regular file"))
        }
        if (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0 {
            return .failure(ReadError(message: "executable files are not read as configuration"))
        }
        return readAll(path, limit: limit, regularOnly: true)
    }

    /// The most lvsc reads from one file or standard input: far beyond any real configuration,
    /// small enough that `lvsc lint /dev/stdin < /dev/zero` stops instead of eating the memory.
    public static let maxInputBytes = 256 << 20

    /// Reads a file (or `-` for standard input) completely, at most `limit` bytes. Devices and
    /// sockets are refused (a configuration is never one); a pipe or FIFO named on the command
    /// line is read (`<(ipvsadm-save -n)`), without blocking when nothing writes to it.
    /// `regularOnly` refuses everything but regular files, for paths that come from inside
    /// other files (`conf=`), which must never block or read a device.
    public static func readAll(_ path: String, limit: Int = maxInputBytes, regularOnly: Bool = false) -> Result<[UInt8], ReadError> {
        var fd: Int32 = 0
        if path != "-" {
            if regularOnly {
                var lst = stat()
                guard stat(path, &lst) == 0 else { return .failure(ReadError(message: String(cString: strerror(errno)))) }
                if (lst.st_mode & S_IFMT) != S_IFREG { return .failure(ReadError(message: notRegular(lst))) }
            }
            // O_NONBLOCK: opening a FIFO nobody writes to must not hang.
            fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        }
        guard fd >= 0 else { return .failure(ReadError(message: String(cString: strerror(errno)))) }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(ReadError(message: String(cString: strerror(errno)))) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFIFO where !regularOnly: break
        case S_IFCHR where path == "-", S_IFIFO where path == "-", S_IFSOCK where path == "-": break
        default: return .failure(ReadError(message: notRegular(st)))
        }
        if fd != 0 {
            // Blocking reads again: a pipe's writer may still be producing.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        }
        if (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) > limit {
            return .failure(ReadError(message: "larger than \(limit >> 20) MiB"))
        }
        var bytes: [UInt8] = []
        // A regular file of known size is read straight into its final buffer.
        if fd != 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0, Int(st.st_size) <= limit {
            let size = Int(st.st_size)
            var failed: Int32 = 0
            bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
                count = 0
                // One call maps every page of the new buffer, where read() would fault them in
                // one by one (a 7.6 MB file: 1,850 faults). Kernels before 5.14 say EINVAL.
                if size >= 1 << 20 {
                    let page = 4096
                    let start = (Int(bitPattern: buf.baseAddress!) + page - 1) & ~(page - 1)
                    let end = (Int(bitPattern: buf.baseAddress!) + size) & ~(page - 1)
                    if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, 23 /* MADV_POPULATE_WRITE */) }
                }
                while count < size {
                    let n = read(fd, buf.baseAddress! + count, size - count)
                    if n < 0 { if errno == EINTR { continue }; failed = errno; return }
                    if n == 0 { break }
                    count += n
                }
            }
            if failed != 0 { return .failure(ReadError(message: String(cString: strerror(failed)))) }
            if bytes.count < size { return .success(bytes) }
            // The file grew while we read it: read the rest below.
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(message: String(cString: strerror(errno))))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(ReadError(message: "larger than \(limit >> 20) MiB")) }
        }
        return .success(bytes)
    }

    static func notRegular(_ st: stat) -> String {
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return "is a directory"
        case S_IFCHR, S_IFBLK: return "is a device, not a file"
        case S_IFIFO: return "is a FIFO, not a regular file"
        case S_IFSOCK: return "is a socket, not a file"
        default: return "not a regular file"
        }
    }
}
