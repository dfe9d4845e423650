import Logging
#if canImport(Glibc)
import Glibc
#endif

/// lvsc run's log lines: `lvsc run: MESSAGE` on standard error, one write per line, so lines
/// from several threads never interleave and journald (which adds the time and the unit) or a
/// person with grep reads one event per line. Warnings and errors say so after the prefix.
/// Metadata is for structured handlers; this one keeps the line as the message wrote it.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let prefix: String
    let fd: Int32

    public init(prefix: String = "lvsc run", fd: Int32 = 2) {
        self.prefix = prefix
        self.fd = fd
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level: String
        switch event.level {
        case .trace, .debug: level = "debug: "
        case .info, .notice: level = ""
        case .warning: level = "warning: "
        case .error, .critical: level = "error: "
        }
        // A message never spans lines: a newline in a value (an interface name cannot hold one,
        // but a script's output might) would forge a second log line.
        var text = "\(event.message)"
        if text.utf8.contains(where: { $0 == 10 || $0 == 13 }) {
            text = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        }
        var bytes = Array("\(prefix): \(level)\(text)\n".utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}
