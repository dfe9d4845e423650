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
