@_exported import LVSCheck
@_exported import LVSModel
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

public let lvscVersion = "0.1.0"

/// Exit codes every lvsc command uses.
public enum ExitStatus: Int32 {
    /// No errors (and no warnings under --werror).
    case clean = 0
    /// Findings at error severity (or warnings under --werror).
    case findings = 1
    /// Usage errors, unreadable input.
    case usage = 2
    /// The system cannot do it: no IPVS in the kernel, no privileges, a missing scheduler module
    /// or interface.
    case system = 3
    /// The kernel's state changed while applying (an object appeared or vanished): run again.
    case stateChanged = 4
}

/// What a command prints on standard output, as bytes: a file lvsc reformats or regenerates
/// keeps every byte it had (a Latin-1 `auth_pass`, a NUL in a comment), which a String built
/// from those bytes would not.
public struct OutputBytes: Equatable, ExpressibleByStringLiteral {
    public var bytes: [UInt8] = []

    public init() {}
    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(stringLiteral value: String) { self.init(value) }

    public var isEmpty: Bool { bytes.isEmpty }
    /// For tests and messages: the bytes as text (invalid UTF-8 shown as U+FFFD).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public static func += (lhs: inout OutputBytes, rhs: String) { lhs.bytes += rhs.utf8 }
    public static func += (lhs: inout OutputBytes, rhs: [UInt8]) { lhs.bytes += rhs }
}

/// What a command prints and how it ends; the CLI only writes it out.
public struct CommandOutput {
    public var stdout = OutputBytes()
    public var stderr = ""
    public var exitCode: ExitStatus = .clean
    /// What the command built (models, lint results) and no longer needs. A library caller
    /// drops it with the output; the `lvsc` executable keeps it until it exits, because freeing a
    /// model of 50,000 objects costs a tenth of a one-shot run and gains nothing.
    public var retained: [Any] = []

    public init() {}
}

extension CommandOutput {
    /// A kernel failure: its sentence, and its exit status (decided by `KernelError.exitCode`).
    mutating func fail(_ e: KernelError) {
        stderr += "lvsc: \(e)\n"
        exitCode = e.exitCode == 4 ? .stateChanged : .system
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
