/// Writing values into the shell scripts lvsc emits (rc.final blocks, `--style commands`):
/// every value that came from a file or the command line goes through `word`, so no value can
/// add a command to a script that runs as root at boot, whatever lint let through (`--force`).
public enum Shell {
    /// Bytes that never need quoting in a POSIX shell word.
    static func isPlain(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"),
             UInt8(ascii: "/"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "="):
            // Not `[`: `[2001:db8::1]:80` is a glob that a file named `2:80` would match.
            return true
        default:
            return false
        }
    }

    /// One shell word meaning exactly `s`: unchanged when it is plain, else single-quoted.
    public static func word(_ s: String) -> String {
        let bytes = Array(s.utf8)
        if !bytes.isEmpty, bytes.allSatisfy(isPlain), bytes.first != UInt8(ascii: "=") {
            return s
        }
        var out = "'"
        for c in s.unicodeScalars {
            if c == "'" { out += "'\\''" } else { out.unicodeScalars.append(c) }
        }
        return out + "'"
    }

    /// Text for a `#` comment line: control characters (a newline in a path would end the
    /// comment and start a command) become `\xNN`.
    public static func comment(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7F || (c.value >= 0x80 && c.value < 0xA0) {
                let h = String(c.value, radix: 16, uppercase: true)
                out += "\\x" + (h.count == 1 ? "0" + h : h)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Whether a line of an emitted script is made only of what lvsc writes: a comment, or
    /// words that are plain or single-quoted (`'\''` for a quote), and the few operators of its
    /// own commands (`>/dev/null 2>&1 &&`, and the background start of `lvsc run`:
    /// `</dev/null >>/var/log/lvsc-run.log 2>&1 &`). A line that is not cannot have come from quoting
    /// every value, so the emitters refuse to write it (and the fuzzer checks that none is made).
    public static func isPlainScriptLine(_ line: String) -> Bool {
        let b = Array(line.utf8)
        if b.isEmpty || b.first == UInt8(ascii: "#") { return !b.contains(0x0A) }
        let operators: [[UInt8]] = [">/dev/null", "2>&1", "&&", "</dev/null", ">>/var/log/lvsc-run.log", "&"].map { Array($0.utf8) }
        var i = 0
        while i < b.count {
            // One word: plain bytes, '…' sections and \' between them, up to a blank.
            if let op = operators.first(where: { b[i...].starts(with: $0) && (i + $0.count == b.count || b[i + $0.count] == 0x20) }) {
                i += op.count
            } else {
                let start = i
                while i < b.count, b[i] != 0x20 {
                    if b[i] == UInt8(ascii: "'") {
                        guard let close = b[(i + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return false }
                        if b[(i + 1)..<close].contains(0x0A) { return false }
                        i = close + 1
                    } else if b[i] == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "'") {
                        i += 2
                    } else if isPlain(b[i]) {
                        i += 1
                    } else {
                        return false
                    }
                }
                if i == start { return false }
            }
            // Exactly one blank between words.
            if i < b.count {
                guard b[i] == 0x20, i + 1 < b.count, b[i + 1] != 0x20 else { return false }
                i += 1
            }
        }
        return true
    }

    /// The lines of a script that `isPlainScriptLine` refuses.
    public static func unsafeLines(_ script: String) -> [String] {
        script.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !isPlainScriptLine($0) }
    }

    /// A sysctl key under net.ipv4.conf / net.ipv6.conf for an interface: sysctl(8) splits keys
    /// at dots, so an interface with a dot in its name (a VLAN, `eth0.100`) is written with
    /// slashes, which sysctl also accepts.
    public static func interfaceSysctl(_ prefix: String, _ iface: String, _ leaf: String) -> String {
        if iface.contains(".") {
            return prefix.replacingDots() + "/" + iface + "/" + leaf
        }
        return prefix + "." + iface + "." + leaf
    }
}

extension String {
    func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
