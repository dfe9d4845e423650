import Synchronization

/// One file (or standard input) as bytes, with its line starts computed on first use. Safe to
/// share between threads: a long-running process renders diagnostics of a configuration it
/// holds from any thread.
public final class SourceFile: Sendable {
    public let id: Int
    /// The path as the user or the including file named it.
    public let path: String
    public let bytes: [UInt8]
    private let lineStartsCache = Mutex<[Int]?>(nil)

    public init(id: Int, path: String, bytes: [UInt8]) {
        self.id = id
        self.path = path
        self.bytes = bytes
    }

    /// Byte offsets at which each line starts; computed lazily because only files with
    /// diagnostics ever need them.
    public var lineStarts: [Int] {
        lineStartsCache.withLock { cache in
            if let cached = cache { return cached }
            var starts = [0]
            bytes.withUnsafeBufferPointer { buf in
                for i in 0..<buf.count where buf[i] == 0x0A { starts.append(i + 1) }
            }
            cache = starts
            return starts
        }
    }

    /// 1-based line and byte column of an offset.
    public func lineColumn(of offset: Int) -> (line: Int, column: Int) {
        let starts = lineStarts
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - starts[lo] + 1)
    }

    /// The text of a 1-based line without its line terminator.
    public func lineText(_ line: Int) -> [UInt8] {
        let starts = lineStarts
        guard line >= 1, line <= starts.count else { return [] }
        let start = starts[line - 1]
        var end = line < starts.count ? starts[line] - 1 : bytes.count
        if end > start, end <= bytes.count, bytes[end - 1] == 0x0D { end -= 1 }
        return Array(bytes[start..<max(start, min(end, bytes.count))])
    }
}

/// All files read during one run; a `SourceSpan` names a file by its index here. Files are only
/// added while a configuration is read; a `ConfigSnapshot` owns its manager and never adds to it
/// afterwards, so readers on any thread see a list that no longer changes.
public final class SourceManager: @unchecked Sendable {
    public private(set) var files: [SourceFile] = []
    private var byPath: [String: Int] = [:]

    public init() {}

    /// Registers a file; the same path with the same bytes is registered once, so diagnostics
    /// from several parses of one file (config-id variants) compare equal.
    @discardableResult
    public func add(path: String, bytes: [UInt8]) -> SourceFile {
        if let id = byPath[path], files[id].bytes == bytes { return files[id] }
        let file = SourceFile(id: files.count, path: path, bytes: bytes)
        files.append(file)
        byPath[path] = file.id
        return file
    }

    public subscript(id: Int) -> SourceFile { files[id] }

    /// Files whose lines are never shown in excerpts: ones that are not keepalived
    /// configurations at all (a key, /etc/shadow, an environment dump named by mistake or on
    /// purpose), whose contents a lint log in CI must not repeat.
    public private(set) var unquotable = Set<Int>()

    public func markUnquotable(_ id: Int) { unquotable.insert(id) }

    public func resolve(_ span: SourceSpan) -> ResolvedRange {
        let file = files[Int(span.file)]
        let start = file.lineColumn(of: Int(span.offset))
        let endOffset = Int(span.offset) + max(Int(span.length), 1) - 1
        let end = file.lineColumn(of: min(endOffset, max(file.bytes.count - 1, 0)))
        let endColumn = end.line == start.line ? max(end.column + 1, start.column + 1) : end.column + 1
        return ResolvedRange(path: file.path, line: start.line, column: start.column,
                             endLine: end.line, endColumn: endColumn)
    }
}

/// A byte range in one source file; 12 bytes so the model can carry one on every value.
public struct SourceSpan: Hashable, Sendable {
    public var file: UInt32
    public var offset: UInt32
    public var length: UInt32

    public init(file: UInt32, offset: UInt32, length: UInt32) {
        self.file = file
        self.offset = offset
        self.length = length
    }

    /// The smallest span covering both (same file assumed; otherwise `self`).
    public func union(_ other: SourceSpan) -> SourceSpan {
        guard other.file == file else { return self }
        let start = min(offset, other.offset)
        let end = max(offset + length, other.offset + other.length)
        return SourceSpan(file: file, offset: start, length: end - start)
    }
}

/// A span turned into what a person reads: path, 1-based line and column, exclusive end column.
public struct ResolvedRange: Hashable, Sendable {
    public var path: String
    public var line: Int
    public var column: Int
    public var endLine: Int
    public var endColumn: Int
}
