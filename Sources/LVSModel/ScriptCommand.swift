/// A command keepalived runs (a vrrp_script's `script`, `notify*`, `misc_path`, a real server's
/// `notify_up`/`notify_down`), as the argv it executes and the user it runs as.
///
/// keepalived 2.2.7 reads these keywords from the raw line in two passes of the same splitter
/// (lib/parser.c): words end at blanks outside quotes; `"` and `'` both quote, anywhere in a
/// word, and are removed; escapes (`\n`, `\t`, `\xHH`, `\cX`, octal, `\C` for a literal C) are
/// processed inside and outside quotes. The first pass splits the line; the first word is the
/// command, which the second pass splits into argv; the words after it are `USER [[:]GROUP]`.
/// So `script 'sh -c "test -e /x"'` is one command of three words (sh, -c, test -e /x), an
/// unquoted `script /bin/check --fast` runs /bin/check as user `--fast`, and `\t` inside a
/// quoted command separates two words. (Checked against keepalived 2.2.7's own dump of what it
/// will execute: Tests/CLITests/CommandAgreementTests.swift.)
public struct ScriptCommand: Sendable, Hashable {
    /// The words exactly as bytes (what execve gets).
    public var argv: [[UInt8]]
    public var user: String?
    public var group: String?
    /// `USER :GROUP` (or `USER:GROUP`): the group's members' supplementary groups are set too.
    public var supplementaryGroups = false

    public init(argv: [[UInt8]], user: String? = nil, group: String? = nil) {
        self.argv = argv
        self.user = user
        self.group = group
    }

    /// The argv as text, for messages (bytes that are not UTF-8 shown as U+FFFD).
    public var words: [String] { argv.map { String(decoding: $0, as: UTF8.self) } }

    public enum ParseError: Error, Sendable, Equatable {
        /// A quote that is never closed (keepalived: "missing terminating").
        case unterminatedQuote(UInt8)
        /// A backslash as the last byte (keepalived: "Missing escape char at end").
        case backslashAtEnd
        case empty
    }

    /// How many words keepalived's first, quoted-escaped pass makes of the line: the command,
    /// then its user and group.
    public static func wordCount<C: Collection>(_ line: C) -> Int? where C.Element == UInt8 {
        if case .success(let w) = split(Array(line), escapes: true) { return w.count }
        return nil
    }

    public static func parse<C: Collection>(_ line: C) -> Result<ScriptCommand, ParseError> where C.Element == UInt8 {
        let words: [[UInt8]]
        switch split(Array(line), escapes: true) {
        case .failure(let e): return .failure(e)
        case .success(let w): words = w
        }
        guard let first = words.first else { return .failure(.empty) }
        let argv: [[UInt8]]
        switch split(first, escapes: true) {
        case .failure(let e): return .failure(e)
        case .success(let a): argv = a
        }
        guard !argv.isEmpty else { return .failure(.empty) }
        var c = ScriptCommand(argv: argv)
        if words.count > 1 {
            let u = String(decoding: words[1], as: UTF8.self)
            if let colon = u.firstIndex(of: ":") {
                c.user = String(u[..<colon])
                c.group = String(u[u.index(after: colon)...])
                c.supplementaryGroups = true
            } else {
                c.user = u
            }
        }
        if words.count > 2 {
            var g = String(decoding: words[2], as: UTF8.self)
            if g.hasPrefix(":") { g.removeFirst(); c.supplementaryGroups = true }
            c.group = g
        }
        if c.group == "" { c.group = nil }
        return .success(c)
    }

    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// Words separated by blanks; `"…"` and `'…'` quote anywhere in a word and are dropped; with
    /// `escapes`, a backslash escapes inside and outside quotes (both of keepalived's passes do).
    static func split(_ b: [UInt8], escapes: Bool) -> Result<[[UInt8]], ParseError> {
        var words: [[UInt8]] = []
        var i = 0
        while i < b.count {
            while i < b.count, isBlank(b[i]) { i += 1 }
            if i == b.count { break }
            var word: [UInt8] = []
            var quote: UInt8 = 0
            while i < b.count {
                let c = b[i]
                if quote != 0 {
                    if c == quote { quote = 0; i += 1; continue }
                } else {
                    if isBlank(c) { break }
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { quote = c; i += 1; continue }
                }
                if escapes && c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < b.count else { return .failure(.backslashAtEnd) }
                    word.append(escaped(b, &i))
                    continue
                }
                word.append(c)
                i += 1
            }
            if quote != 0 { return .failure(.unterminatedQuote(quote)) }
            words.append(word)
        }
        return .success(words)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The byte an escape stands for; `i` is at the byte after the backslash and is moved past
    /// the escape. As keepalived does: `\x` takes every hex digit that follows (keeping the low
    /// byte), octal takes up to three digits.
    static func escaped(_ b: [UInt8], _ i: inout Int) -> UInt8 {
        let c = b[i]
        if c == UInt8(ascii: "x"), i + 1 < b.count, hexValue(b[i + 1]) != nil {
            var v: UInt8 = 0
            i += 1
            while i < b.count, let h = hexValue(b[i]) { v = v &<< 4 | h; i += 1 }
            return v
        }
        if c == UInt8(ascii: "c"), i + 1 < b.count {
            i += 2
            return b[i - 1] & 0x1F
        }
        if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7") {
            var v = c - UInt8(ascii: "0")
            i += 1
            for _ in 0..<2 where i < b.count && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "7") {
                v = v &<< 3 &+ (b[i] - UInt8(ascii: "0"))
                i += 1
            }
            return v
        }
        i += 1
        switch c {
        case UInt8(ascii: "a"): return 0x07
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "E"): return 0x1B
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "v"): return 0x0B
        default: return c
        }
    }
}
