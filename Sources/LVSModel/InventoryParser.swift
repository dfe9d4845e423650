/// Reads cluster.txt (Grammar/cluster-txt.md) byte by byte into an `Inventory`.
///
/// Only the shape of each line is judged here (columns, MAC, address, `extra` pairs);
/// duplicates across lines and everything relating hosts to configs are rules in LVSCheck.
public struct InventoryParser {
    public static let columnNames = ["name", "mac", "class", "label", "service", "ip", "extra"]

    public static func parse(_ file: SourceFile) -> Inventory {
        var inv = Inventory(path: file.path, file: file)
        let bytes = file.bytes
        let fileID = UInt32(file.id)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            parseLine(bytes, lineStart, lineEnd, fileID, &inv)
            lineStart = lineEnd + 1
        }
        // Not one host line: this is not a cluster.txt (a key, /etc/shadow named by mistake or
        // on purpose). One finding, and none of its lines quoted back.
        if inv.hosts.isEmpty, !inv.diagnostics.items.isEmpty {
            let n = inv.diagnostics.count(.error) + inv.diagnostics.count(.warning)
            var bag = DiagnosticBag()
            bag.add(.inventorySyntax, .error,
                    "\(file.path) does not look like a cluster.txt: not one line is a host line (\(n) finding\(n == 1 ? "" : "s") about it not shown, so its contents are not repeated)",
                    at: SourceSpan(file: fileID, offset: 0, length: 0), hint: "check the path given to --inventory")
            inv.diagnostics = bag
            inv.unquotable = true
        }
        return inv
    }

    /// A field: where it starts and ends in the file.
    struct Field { var start: Int; var end: Int }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

    static func parseLine(_ b: [UInt8], _ start: Int, _ end: Int, _ fileID: UInt32, _ inv: inout Inventory) {
        var fields: [Field] = []
        var i = start
        // `# lvsc: KEY=VALUE` comment lines carry lvsc's own settings; other tools reading
        // cluster.txt (monitoring) skip them as comments.
        parseDirective(b, start, end, fileID, &inv)
        while i < end {
            while i < end && isSpace(b[i]) { i += 1 }
            if i >= end || b[i] == UInt8(ascii: "#") { break }
            let s = i
            while i < end && !isSpace(b[i]) { i += 1 }
            fields.append(Field(start: s, end: i))
        }
        if fields.isEmpty { return }
        func span(_ f: Field) -> SourceSpan { SourceSpan(file: fileID, offset: UInt32(f.start), length: UInt32(f.end - f.start)) }
        func text(_ f: Field) -> String { String(decoding: b[f.start..<f.end], as: UTF8.self) }
        let lineSpan = SourceSpan(file: fileID, offset: UInt32(fields[0].start), length: UInt32(fields[fields.count - 1].end - fields[0].start))

        guard fields.count == 7 else {
            let message = fields.count < 7
                ? "a host line has 7 columns (name mac class label service ip extra); this one has \(fields.count), \(columnNames[fields.count]) is missing"
                : "a host line has 7 columns (name mac class label service ip extra); this one has \(fields.count)"
            inv.diagnostics.add(.inventorySyntax, .error, message,
                                at: fields.count < 7 ? lineSpan : span(fields[7]),
                                hint: fields.count < 7 ? "write - for an empty extra column" : "start a comment with #, or join the parameters with commas: key=value,key=value")
            return
        }
        let macField = fields[1], ipField = fields[5]
        var host = InventoryHost(name: Located(text(fields[0]), span(fields[0])), mac: nil,
                                 hostClass: Located(text(fields[2]), span(fields[2])),
                                 label: Located(text(fields[3]), span(fields[3])),
                                 service: Located(text(fields[4]), span(fields[4])),
                                 address: nil, span: lineSpan)
        if let mac = MACAddress.parse(b[macField.start..<macField.end]) {
            host.mac = Located(mac, span(macField))
        } else {
            inv.diagnostics.add(.inventoryBadMac, .error, "'\(text(macField))' is not a MAC address",
                                at: span(macField), hint: "six pairs of hex digits joined by colons, e.g. 00:16:3e:00:00:01")
        }
        if let ip = IPAddress.parse(b[ipField.start..<ipField.end]) {
            host.address = Located(ip, span(ipField))
        } else {
            inv.diagnostics.add(.inventoryBadAddress, .error, "'\(text(ipField))' is not an IPv4 or IPv6 address",
                                at: span(ipField))
        }
        if let problem = ValueSyntax.hostNameProblem(host.name.value) {
            inv.diagnostics.add(.inventoryBadValue, .error, problem, at: host.name.span,
                                hint: "the name becomes file names, rc.final markers and router ids")
        }
        parseExtra(b, fields[6], fileID, &host, &inv)
        inv.hosts.append(host)
    }

    static let directivePrefix = Array("# lvsc:".utf8)

    static func parseDirective(_ b: [UInt8], _ start: Int, _ end: Int, _ fileID: UInt32, _ inv: inout Inventory) {
        var i = start
        while i < end && isSpace(b[i]) { i += 1 }
        guard end - i >= directivePrefix.count, b[i..<(i + directivePrefix.count)].elementsEqual(directivePrefix) else { return }
        i += directivePrefix.count
        while i < end && isSpace(b[i]) { i += 1 }
        var e = end
        while e > i && isSpace(b[e - 1]) { e -= 1 }
        let text = String(decoding: b[i..<e], as: UTF8.self)
        let span = SourceSpan(file: fileID, offset: UInt32(i), length: UInt32(max(e - i, 1)))
        guard let eq = text.firstIndex(of: "="), text[..<eq] == "cluster" else {
            inv.diagnostics.add(.inventorySyntax, .error, "unknown lvsc directive '\(ValueSyntax.shown(b[i..<e]))'", at: span,
                                hint: "the one directive is '# lvsc: cluster=NAME'; write other comments without 'lvsc:'")
            return
        }
        let name = String(text[text.index(after: eq)...])
        let valueSpan = SourceSpan(file: fileID, offset: UInt32(i + 8), length: UInt32(max(e - i - 8, 1)))
        if let problem = ValueSyntax.clusterNameProblem(name) {
            inv.diagnostics.add(.inventoryBadValue, .error, "cluster=: \(problem)", at: valueSpan)
        } else if let first = inv.clusterName {
            inv.diagnostics.add(.inventorySyntax, .error, "the cluster is named twice", at: span,
                                related: [RelatedLocation(span: first.span, message: "first named here")])
        } else {
            inv.clusterName = Located(name, valueSpan)
        }
    }

    /// `-`, or `key=value` pairs joined by commas.
    static func parseExtra(_ b: [UInt8], _ f: Field, _ fileID: UInt32, _ host: inout InventoryHost, _ inv: inout Inventory) {
        if f.end - f.start == 1 && b[f.start] == UInt8(ascii: "-") { return }
        func span(_ s: Int, _ e: Int) -> SourceSpan { SourceSpan(file: fileID, offset: UInt32(s), length: UInt32(max(e - s, 1))) }
        var i = f.start
        while i <= f.end {
            let s = i
            while i < f.end && b[i] != UInt8(ascii: ",") { i += 1 }
            let e = i
            i += 1
            var eq: Int?
            for j in s..<e where b[j] == UInt8(ascii: "=") { eq = j; break }
            guard let eq, eq > s, eq + 1 < e else {
                inv.diagnostics.add(.inventorySyntax, .error,
                                    "'\(String(decoding: b[s..<e], as: UTF8.self))' is not a key=value parameter",
                                    at: span(s, e), hint: "the extra column is - or key=value pairs joined by commas, e.g. conf=lvs01.conf,iface=eth0,net=192.0.2.0/24")
                continue
            }
            let keyText = String(decoding: b[s..<eq], as: UTF8.self)
            let value = String(decoding: b[(eq + 1)..<e], as: UTF8.self)
            guard let key = InventoryKey(rawValue: keyText) else {
                let near = InventoryKey.allCases.map(\.rawValue).min { editDistance(Array(keyText.utf8), Array($0.utf8)) < editDistance(Array(keyText.utf8), Array($1.utf8)) }
                let close = near.map { editDistance(Array(keyText.utf8), Array($0.utf8)) <= 2 } ?? false
                inv.diagnostics.add(.inventoryUnknownKey, .error, "unknown parameter '\(keyText)'; lvsc ignores it",
                                    at: span(s, eq),
                                    hint: close ? "did you mean '\(near!)'?" : "known parameters: \(InventoryKey.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            // iface= and net= repeat for a director on several LANs (iface=eth0,net=…,iface=eth1,net=…):
            // each net= belongs to the iface= before it. Anything else is given once.
            let repeated = host.parameters.contains { $0.key == key }
            if repeated, key != .iface && key != .net {
                inv.diagnostics.add(.inventorySyntax, .error, "parameter '\(keyText)' given twice; the first one is used",
                                    at: span(s, e))
                continue
            }
            if key == .net, host.parameters.last(where: { $0.key == .iface || $0.key == .net })?.key == .net {
                inv.diagnostics.add(.inventorySyntax, .error, "net= follows another net= without an iface= between them; each LAN is iface=NAME,net=PREFIX",
                                    at: span(s, e))
                continue
            }
            if key == .iface, let dup = host.parameters.first(where: { $0.key == .iface && $0.value == value }) {
                inv.diagnostics.add(.inventorySyntax, .error, "iface=\(ValueSyntax.shown(Array(value.utf8))) is listed twice for this host",
                                    at: span(s, e), related: [RelatedLocation(span: dup.keySpan, message: "first listed here")])
                continue
            }
            let param = InventoryParameter(key: key, value: value, keySpan: span(s, eq), valueSpan: span(eq + 1, e))
            switch key {
            case .iface:
                if let problem = ValueSyntax.interfaceProblem(value) {
                    inv.diagnostics.add(.inventoryBadValue, .error, "iface=: \(problem)", at: param.valueSpan,
                                        hint: "the interface name goes into the host's rc.final block; write it as `ip link` shows it")
                }
            case .id:
                if let problem = ValueSyntax.configIDProblem(value) {
                    inv.diagnostics.add(.inventoryBadValue, .error, "id=: \(problem)", at: param.valueSpan,
                                        hint: "the id goes into the command that starts keepalived (-i ID)")
                }
            case .conf, .lan:
                if ValueSyntax.hasControlBytes(value) {
                    inv.diagnostics.add(.inventoryBadValue, .error, "\(keyText)= holds control bytes: '\(ValueSyntax.shown(Array(value.utf8)))'",
                                        at: param.valueSpan)
                }
            case .net: break
            }
            if key == .net, case .failure(let err) = IPPrefix.parse(Array(value.utf8)) {
                inv.diagnostics.add(.inventoryBadAddress, .error, "net=\(value) is not a subnet: \(describe(err))",
                                    at: param.valueSpan, hint: "write the LAN's network and prefix length, e.g. net=192.0.2.0/24")
            }
            host.parameters.append(param)
        }
    }

    static func describe(_ e: IPPrefix.ParseError) -> String {
        switch e {
        case .badAddress(let a): return "'\(a)' is not an address"
        case .badLength(let l): return "'\(l)' is not a prefix length"
        case .lengthTooLong(let n, let fam): return "/\(n) is longer than \(fam == .inet ? "IPv4's 32" : "IPv6's 128") bits"
        }
    }
}
