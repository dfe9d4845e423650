import LVSKernel
import LVSModel

/// `lvsc emit keepalived --host NAME`: the keepalived.conf a director should run, generated
/// from its VRRP group's MASTER so the directors cannot drift. The MASTER's file is the
/// template; for another director only what is meant to differ is rewritten — state BACKUP,
/// a priority below the MASTER's and distinct from the other backups', its own router_id,
/// unicast_src_ip and unicast peers — and the result is formatted by `lvsc fmt`.
public struct KeepalivedEmitter {
    public let cluster: Cluster
    public let sources: SourceManager
    public private(set) var notes: [EmitNote] = []
    /// The generator budget of the re-reads that prove formatting kept the model (the fuzzer
    /// lowers it, as it does for its own parse).
    public var maxGeneratedLines: Int?

    public init(cluster: Cluster, sources: SourceManager) {
        self.cluster = cluster
        self.sources = sources
    }

    struct Edit { var offset: Int; var length: Int; var bytes: [UInt8] }

    /// Directors that share a VRRP group (`VRRPGroups`, the cluster rules' definition) with one
    /// of `d`'s instances, `d` included.
    func peers(of d: ClusterDirector) -> [ClusterDirector] {
        guard let index = cluster.directors.firstIndex(where: { $0.name == d.name }) else { return [d] }
        return VRRPGroups(cluster).peers(ofDirector: index).map { cluster.directors[$0] }
    }

    /// The group's template: the director whose instances start as MASTER, else the one with
    /// the highest priority.
    func reference(_ group: [ClusterDirector]) -> ClusterDirector? {
        group.first { $0.config?.instances.contains { $0.effectiveState == .master } ?? false }
            ?? group.max { ($0.config?.instances.first?.effectivePriority ?? 0) < ($1.config?.instances.first?.effectivePriority ?? 0) }
    }

    /// The file's bytes: everything not rewritten is copied byte for byte (a Latin-1
    /// `auth_pass` stays the password it was).
    public mutating func emit(host: String) -> [UInt8]? {
        guard let d = cluster.directors.first(where: { $0.name == host }), let config = d.config else { return nil }
        // One file shared by every director through @id lines cannot drift: it is the output.
        if cluster.directors.filter({ $0.configPath == d.configPath }).count > 1 {
            return header(d, from: d) + formatted(mainBytes(config), path: config.path)
        }
        // A director without VRRP (standalone) has no group: its own file is the template.
        let group = peers(of: d)
        guard let ref = reference(group.isEmpty ? [d] : group), let rc = ref.config else { return nil }
        var edits: [Edit] = []
        let mainFile = fileID(rc)
        let template = mainBytes(rc)
        func replace(_ span: SourceSpan, _ bytes: [UInt8]) {
            guard span.file == mainFile else {
                notes.append(EmitNote("this value is in an included file; lvsc leaves it as the MASTER has it", at: span, rule: .generatedFile))
                return
            }
            edits.append(Edit(offset: Int(span.offset), length: Int(span.length), bytes: bytes))
        }
        func replace(_ span: SourceSpan, _ text: String) { replace(span, Array(text.utf8)) }
        if ref.name != d.name {
            routerID(rc, d, config, template) { replace($0, $1) }
            // Directors on different hardware: each gets its own interface for each LAN.
            let ifaces = interfaceMap(from: ref, to: d)
            if !ifaces.isEmpty {
                for inst in rc.instances {
                    if let i = inst.interface, let mine = ifaces[i.value] { replace(i.span, mine) }
                    for v in inst.virtualIPs + inst.excludedVirtualIPs {
                        if let dev = v.device, let mine = ifaces[dev.value] { replace(dev.span, mine) }
                        if let l = v.label, let colon = l.value.firstIndex(of: ":"), let mine = ifaces[String(l.value[..<colon])] {
                            replace(l.span, mine + l.value[colon...])
                        }
                    }
                    for t in inst.trackInterfaces {
                        if let mine = ifaces[t.name.value] { replace(t.name.span, mine) }
                    }
                }
            }
            let backups = group.filter { $0.name != ref.name }
            for inst in rc.instances {
                let mine = config.instances.first { $0.name.value == inst.name.value }
                let master = inst.effectivePriority
                let priority = backupPriority(for: d, backups: backups, instance: inst.name.value, masterPriority: master)
                var insert: [String] = []
                if let state = inst.state { replace(state.span, "BACKUP") } else { insert.append("state BACKUP") }
                if let p = inst.priority { replace(p.span, String(priority)) } else { insert.append("priority \(priority)") }
                if !insert.isEmpty, let brace = openBrace(after: inst.name.span, in: template) {
                    replace(SourceSpan(file: inst.name.span.file, offset: UInt32(brace + 1), length: 0), "\n" + insert.joined(separator: "\n") + "\n")
                }
                if let src = inst.unicastSourceIP {
                    let own = mine?.unicastSourceIP?.value ?? d.host.address?.value
                    if let own { replace(src.span, own.description) }
                }
                if !inst.unicastPeers.isEmpty {
                    let refSource = inst.unicastSourceIP?.value ?? ref.host.address?.value
                    let own = mine?.unicastSourceIP?.value ?? d.host.address?.value
                    for p in inst.unicastPeers where p.value == own {
                        if let refSource { replace(p.span, refSource.description) }
                    }
                }
            }
        } else {
            routerID(rc, d, config, template) { replace($0, $1) }
        }
        var bytes = template
        for e in edits.sorted(by: { $0.offset > $1.offset }) {
            bytes.replaceSubrange(e.offset..<(e.offset + e.length), with: e.bytes)
        }
        let body = formatted(bytes, path: rc.path)
        if ref.name != d.name { noteLeftovers(body, of: ref, for: d) }
        noteIncludes(body, for: d)
        return header(d, from: ref) + body
    }

    /// The template director's interface name → this director's, for every LAN cluster.txt
    /// lists for both under different names.
    func interfaceMap(from ref: ClusterDirector, to d: ClusterDirector) -> [String: String] {
        var map: [String: String] = [:]
        for lan in ref.host.lans {
            guard let theirs = lan.interface?.value, let key = lan.key,
                  let mine = d.host.lans.first(where: { $0.key == key })?.interface?.value, mine != theirs else { continue }
            map[theirs] = mine
        }
        return map
    }

    /// Lines of a backup's generated file that still name the MASTER (its host name or
    /// address: a notification_email_from, a comment), so nothing says "lvs01" on lvs02
    /// without lvsc saying so.
    mutating func noteLeftovers(_ body: [UInt8], of master: ClusterDirector, for d: ClusterDirector) {
        var needles = [Array(master.name.utf8)]
        if let a = master.host.address?.value { needles.append(Array(a.description.utf8)) }
        // One pass over the bytes per needle (a 10,000-service file is 7 MB), then line numbers.
        var hits: [Int] = []
        for needle in needles where !needle.isEmpty {
            let first = needle[0], n = needle.count
            body.withUnsafeBufferPointer { b in
                var i = 0
                while i + n <= b.count {
                    if b[i] == first, b[i..<(i + n)].elementsEqual(needle) { hits.append(i); i += n } else { i += 1 }
                }
            }
        }
        var found: [Int] = []
        if !hits.isEmpty {
            hits.sort()
            var line = 2, k = 0   // + the header line
            for (i, c) in body.enumerated() {
                while k < hits.count, hits[k] == i { if found.last != line { found.append(line) }; k += 1 }
                if k == hits.count { break }
                if c == 0x0A { line += 1 }
            }
        }
        guard !found.isEmpty else { return }
        let shown = found.prefix(8).map(String.init).joined(separator: ", ") + (found.count > 8 ? ", …" : "")
        notes.append(EmitNote("\(d.name)'s generated file still names \(master.name) (the MASTER it was generated from) on line\(found.count == 1 ? "" : "s") \(shown): check that each is meant for \(d.name) too", at: nil, rule: .generatedFile))
    }

    /// A generated file that includes others: those files must reach the director as well.
    mutating func noteIncludes(_ body: [UInt8], for d: ClusterDirector) {
        for line in body.split(separator: 0x0A) {
            let words = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
            guard let first = words.first, ["include", "includer", "includem", "includew", "includeb", "includea"].contains(String(decoding: first, as: UTF8.self)) else { continue }
            let pattern = words.dropFirst().map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
            notes.append(EmitNote("\(d.name)'s generated file includes \(pattern): copy the included files to \(d.name) as well", at: nil, rule: .generatedFile))
        }
    }

    /// The formatted file, or the file as it is when formatting would change what keepalived
    /// reads (the formatter refuses such a file).
    mutating func formatted(_ bytes: [UInt8], path: String) -> [UInt8] {
        switch KeepalivedFormatter.formatPreservingModel(bytes, path: path, maxGeneratedLines: maxGeneratedLines) {
        case .success(let f): return f
        case .failure(let refusal):
            notes.append(EmitNote("not reformatted: \(refusal.message)", at: nil, rule: .generatedFile))
            return bytes
        }
    }

    func header(_ d: ClusterDirector, from ref: ClusterDirector) -> [UInt8] {
        Array("# keepalived.conf for \(Shell.comment(d.name)), generated by lvsc from \(Shell.comment(ref.configPath)) (\(Shell.comment(ref.name))'s file); edit that file, not this one\n".utf8)
    }

    /// A value's bytes as written in its file.
    func sourceBytes(_ span: SourceSpan) -> [UInt8] {
        guard Int(span.file) < sources.files.count else { return [] }
        let b = sources[Int(span.file)].bytes
        let start = Int(span.offset), end = start + Int(span.length)
        return end <= b.count ? Array(b[start..<end]) : []
    }

    func fileID(_ c: KeepalivedConfig) -> UInt32 {
        UInt32(sources.files.first { $0.path == c.path }?.id ?? -1)
    }

    func mainBytes(_ c: KeepalivedConfig) -> [UInt8] {
        sources.files.first { $0.path == c.path }?.bytes ?? []
    }

    /// router_id: the director's own when it has a distinct one, else its host name. The 1.x
    /// keyword lvs_id, which keepalived 2.x ignores (router_id stays the host name), becomes
    /// the router_id 2.x uses, in 2.x's spelling.
    func routerID(_ rc: KeepalivedConfig, _ d: ClusterDirector, _ config: KeepalivedConfig, _ template: [UInt8], _ replace: (SourceSpan, [UInt8]) -> Void) {
        if rc.globalDefs.routerID == nil, let legacy = rc.globalDefs.legacyLVSID,
           let kw = legacyKeywordSpan(before: legacy.span, in: template) {
            replace(kw, Array("router_id".utf8))
            replace(legacy.span, Array((config.globalDefs.routerID?.value ?? d.name).utf8))
            return
        }
        guard let rid = rc.globalDefs.routerID else { return }
        let current = sourceBytes(rid.span)
        var value = current
        if d.config?.path != rc.path {
            if let own = config.globalDefs.routerID, own.value != rid.value {
                // Its bytes as written, unless they came from a $NAME expansion.
                let written = sourceBytes(own.span)
                let text = String(decoding: written, as: UTF8.self)
                value = text == own.value || text == "\"" + own.value + "\"" ? written : Array(own.value.utf8)
            } else {
                value = Array(d.name.utf8)
            }
        }
        if value != current { replace(rid.span, value) }
    }

    /// The `{` that opens a block whose name ends at `span`.
    func openBrace(after span: SourceSpan, in bytes: [UInt8]) -> Int? {
        var i = Int(span.offset + span.length)
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{") { return i }
            i += 1
        }
        return nil
    }

    /// The `lvs_id` word on the line of its value.
    func legacyKeywordSpan(before value: SourceSpan, in bytes: [UInt8]) -> SourceSpan? {
        var start = Int(value.offset)
        while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
        let word = Array("lvs_id".utf8)
        var i = start
        while i + word.count <= Int(value.offset) {
            if Array(bytes[i..<(i + word.count)]) == word {
                return SourceSpan(file: value.file, offset: UInt32(i), length: UInt32(word.count))
            }
            i += 1
        }
        return nil
    }

    /// Backups keep their own priority when it is below the MASTER's and not shared; the rest
    /// get MASTER − 10, − 20, … in inventory order, skipping values already taken.
    func backupPriority(for d: ClusterDirector, backups: [ClusterDirector], instance: String, masterPriority: Int) -> Int {
        var taken = Set([masterPriority])
        var result: [String: Int] = [:]
        var pending: [ClusterDirector] = []
        for b in backups {
            let p = b.config?.instances.first { $0.name.value == instance }?.priority?.value
            if let p, p < masterPriority, !taken.contains(p) { taken.insert(p); result[b.name] = p } else { pending.append(b) }
        }
        var next = masterPriority - 10
        for b in pending {
            while taken.contains(next) && next > 1 { next -= 1 }
            result[b.name] = max(1, next)
            taken.insert(max(1, next))
            next -= 10
        }
        return result[d.name] ?? max(1, masterPriority - 10)
    }
}
