/// What names that reach scripts and files may look like. lvsc writes inventory and
/// configuration values into root's boot scripts and into file names; each is checked against
/// what it may be before any emitter sees it (the emitters quote them as well).
public enum ValueSyntax {
    /// An interface name as the kernel's dev_valid_name allows it: 1–15 bytes, not `.` or `..`,
    /// no `/`, `:` or blank. Of the other bytes the kernel would take, lvsc accepts only those
    /// real interfaces use (letters, digits, `.`, `_`, `-`, `@`, `+`, `%`, `=`) and no leading
    /// `-` (which `ip` would read as an option): a `;` or `$` in a name is far more likely an
    /// attempt to put a command into a boot script than a NIC.
    public static func interfaceProblem(_ name: String) -> String? {
        let b = Array(name.utf8)
        if b.isEmpty { return "an interface name cannot be empty" }
        if b.count > 15 { return "an interface name has at most 15 bytes (the kernel's IFNAMSIZ); '\(shown(b))' has \(b.count)" }
        if name == "." || name == ".." { return "'\(name)' is not a valid interface name" }
        if let bad = b.first(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 0x20 || $0 == 0x7F }) {
            return "'\(shown(b))' is not a valid interface name: the kernel refuses \(describe(bad)) in one"
        }
        let extra: [UInt8] = Array("._-@+%=".utf8)
        if let bad = b.first(where: { !isAlnum($0) && !extra.contains($0) }) {
            return "'\(shown(b))' has \(describe(bad)); lvsc accepts interface names of letters, digits and . _ - @ + % ="
        }
        if b.first == UInt8(ascii: "-") { return "'\(shown(b))' starts with '-', which ip(8) reads as an option" }
        return nil
    }

    /// A host name in cluster.txt: it names files (`--all --out`), markers and router ids, so
    /// letters, digits, `.`, `_` and `-`, starting with a letter or digit (as DNS labels do).
    public static func hostNameProblem(_ name: String) -> String? {
        let b = Array(name.utf8)
        if b.isEmpty || b.count > 253 { return "a host name has 1 to 253 characters" }
        guard let first = b.first, isAlnum(first) else {
            return "host name '\(shown(b))' must start with a letter or digit"
        }
        if let bad = b.first(where: { !isAlnum($0) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }) {
            return "host name '\(shown(b))' has \(describe(bad)); use letters, digits, '.', '_' and '-'"
        }
        return nil
    }

    /// A cluster's name (markers of rc.final blocks): the same shape as a host name.
    public static func clusterNameProblem(_ name: String) -> String? {
        hostNameProblem(name).map { $0.replacingAll("host name", with: "cluster name") }
    }

    /// A config id (keepalived's `-i`, `@id` lines): a word of letters, digits, `.`, `_`, `-`.
    public static func configIDProblem(_ id: String) -> String? {
        let b = Array(id.utf8)
        if b.isEmpty || b.count > 64 { return "a config id has 1 to 64 characters" }
        if let bad = b.first(where: { !isAlnum($0) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }) {
            return "config id '\(shown(b))' has \(describe(bad)); use letters, digits, '.', '_' and '-'"
        }
        if b.first == UInt8(ascii: "-") { return "config id '\(shown(b))' starts with '-', which keepalived reads as an option" }
        return nil
    }

    /// An IPVS persistence engine name: the kernel keeps 15 bytes (IP_VS_PENAME_MAXLEN) and
    /// knows engines by module name.
    public static func persistenceEngineProblem(_ name: String) -> String? {
        let b = Array(name.utf8)
        if b.isEmpty || b.count > 15 { return "a persistence engine name has 1 to 15 characters (the kernel's limit)" }
        if let bad = b.first(where: { !isAlnum($0) && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") }) {
            return "'\(shown(b))' is not a persistence engine name: it has \(describe(bad))"
        }
        return nil
    }

    /// An IPVS scheduler name as the kernel keeps it (IP_VS_SCHEDNAME_MAXLEN 16): a module
    /// suffix of lower-case letters, digits and `_`.
    public static func schedulerNameProblem(_ name: String) -> String? {
        let b = Array(name.utf8)
        if b.isEmpty || b.count > 15 { return "a scheduler name has 1 to 15 characters" }
        if let bad = b.first(where: { !isAlnum($0) && $0 != UInt8(ascii: "_") }) {
            return "'\(shown(b))' is not a scheduler name: it has \(describe(bad))"
        }
        return nil
    }

    /// Free text that ends up in a comment line or a message: no control bytes.
    public static func hasControlBytes(_ s: String) -> Bool {
        s.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    static func describe(_ c: UInt8) -> String {
        switch c {
        case 0x20: return "a space"
        case 0x09: return "a tab"
        case 0..<0x20, 0x7F...: return "the byte \\x" + hex(c)
        default: return "'\(Character(Unicode.Scalar(c)))'"
        }
    }

    static func hex(_ c: UInt8) -> String {
        let h = String(c, radix: 16, uppercase: true)
        return h.count == 1 ? "0" + h : h
    }

    /// Text for a terminal: control characters as `\xNN` (no terminal escapes from a file).
    public static func escaped(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || ($0.value >= 0x80 && $0.value < 0xA0) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F || (u.value >= 0x80 && u.value < 0xA0) {
                let h = String(u.value, radix: 16, uppercase: true)
                out += "\\x" + (h.count == 1 ? "0" + h : h)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Bytes for a message: control and non-ASCII bytes as `\xNN`.
    public static func shown<C: Collection>(_ b: C) -> String where C.Element == UInt8 {
        var s = ""
        for c in b.prefix(80) {
            if c >= 0x20 && c < 0x7F { s.unicodeScalars.append(Unicode.Scalar(c)) } else { s += "\\x" + hex(c) }
        }
        return b.count > 80 ? s + "…" : s
    }
}
