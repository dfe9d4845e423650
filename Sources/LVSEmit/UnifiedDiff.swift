/// `lvsc fmt --check --diff`: what the formatter would change, as a unified diff (bytes in,
/// bytes out, so a file's own encoding passes through unchanged).
public enum UnifiedDiff {
    /// Lines as byte arrays, each with its newline (the last may have none).
    static func lines(_ b: [UInt8]) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        var start = 0
        for i in b.indices where b[i] == 0x0A { out.append(b[start...i]); start = i + 1 }
        if start < b.count { out.append(b[start...]) }
        return out
    }

    /// The diff with three lines of context. A longest common subsequence finds the kept lines
    /// for files up to a few thousand lines; beyond that (where the table would be large) the
    /// common head and tail are kept and the middle shown as replaced.
    public static func render(_ old: [UInt8], _ new: [UInt8], path: String, context: Int = 3) -> [UInt8] {
        render(old, new, from: path, to: "\(path) (lvsc fmt)", context: context)
    }

    /// The same, with the two sides' names for the `---` and `+++` lines (`lvsc diff`).
    public static func render(_ old: [UInt8], _ new: [UInt8], from: String, to: String, context: Int = 3) -> [UInt8] {
        let a = lines(old), b = lines(new)
        // Edit script: (kind, index in a, index in b); kind 0 keep, 1 delete, 2 insert.
        var ops: [(UInt8, Int, Int)] = []
        var pre = 0
        while pre < a.count, pre < b.count, a[pre] == b[pre] { pre += 1 }
        var suf = 0
        while suf < a.count - pre, suf < b.count - pre, a[a.count - 1 - suf] == b[b.count - 1 - suf] { suf += 1 }
        for i in 0..<pre { ops.append((0, i, i)) }
        let am = Array(a[pre..<(a.count - suf)]), bm = Array(b[pre..<(b.count - suf)])
        if am.count * bm.count <= 4_000_000 {
            // LCS lengths from the end, then walk forward.
            let n = am.count, m = bm.count
            var t = [Int32](repeating: 0, count: (n + 1) * (m + 1))
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    t[i * (m + 1) + j] = am[i] == bm[j] ? t[(i + 1) * (m + 1) + j + 1] + 1 : max(t[(i + 1) * (m + 1) + j], t[i * (m + 1) + j + 1])
                }
            }
            var i = 0, j = 0
            while i < n || j < m {
                // Deletions before insertions, as diff(1) writes them.
                if i < n, j < m, am[i] == bm[j] { ops.append((0, pre + i, pre + j)); i += 1; j += 1 }
                else if i < n, j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] { ops.append((1, pre + i, pre + j)); i += 1 }
                else { ops.append((2, pre + i, pre + j)); j += 1 }
            }
        } else {
            for i in 0..<am.count { ops.append((1, pre + i, pre)) }
            for j in 0..<bm.count { ops.append((2, pre + am.count, pre + j)) }
        }
        for k in 0..<suf { ops.append((0, a.count - suf + k, b.count - suf + k)) }

        var out: [UInt8] = Array("--- \(from)\n+++ \(to)\n".utf8)
        var k = 0
        while k < ops.count {
            guard ops[k].0 != 0 else { k += 1; continue }
            // One hunk: from `context` kept lines before this change to `context` after the last
            // change that is at most 2 × context kept lines further on.
            let start = max(0, k - context)
            var end = k
            var keptRun = 0
            var e = k
            while e < ops.count {
                if ops[e].0 == 0 { keptRun += 1; if keptRun > 2 * context { break } } else { keptRun = 0; end = e }
                e += 1
            }
            let stop = min(ops.count, end + 1 + context)
            let hunk = ops[start..<stop]
            let aStart = hunk.first!.1, bStart = hunk.first!.2
            let aLen = hunk.filter { $0.0 != 2 }.count, bLen = hunk.filter { $0.0 != 1 }.count
            out += Array("@@ -\(aLen == 0 ? aStart : aStart + 1),\(aLen) +\(bLen == 0 ? bStart : bStart + 1),\(bLen) @@\n".utf8)
            for op in hunk {
                let line = op.0 == 2 ? b[op.2] : a[op.1]
                out.append(op.0 == 0 ? 0x20 : (op.0 == 1 ? UInt8(ascii: "-") : UInt8(ascii: "+")))
                out += line
                if line.last != 0x0A { out += Array("\n\\ No newline at end of file\n".utf8) }
            }
            k = stop
        }
        return out
    }
}
