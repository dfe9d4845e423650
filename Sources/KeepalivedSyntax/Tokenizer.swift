import Diagnostics

/// Splits a final logical line into words and braces and builds the block tree as it goes.
extension ConfigParser {
    func tokenize(_ l: LineText) {
        let t = l.text
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            if isBlank(c) { i += 1; continue }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "}") {
                let s = spanOf(l, i, i + 1)
                if c == UInt8(ascii: "{") {
                    let text: TextRef
                    if l.origin == nil {
                        text = TextRef(buffer: l.file, offset: UInt32(i), length: 1)
                    } else {
                        text = TextRef(buffer: BlockTree.scratchBuffer, offset: UInt32(tree.scratch.count), length: 1)
                        tree.scratch.append(UInt8(ascii: "{"))
                    }
                    openBrace(s, text)
                } else {
                    closeBrace(s)
                }
                i += 1
                continue
            }
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while j < t.endIndex, t[j] != UInt8(ascii: "\"") { j += 1 }
                if j == t.endIndex {
                    diags.add(.syntax, .error, "unterminated quote", at: spanOf(l, i, j),
                              hint: "close the string with a '\"' on the same line")
                    addToken(l, i + 1, j, spanFrom: i, spanTo: j, quoted: true)
                    i = j
                } else {
                    addToken(l, i + 1, j, spanFrom: i, spanTo: j + 1, quoted: true)
                    i = j + 1
                }
                continue
            }
            var j = i
            while j < t.endIndex {
                let d = t[j]
                if isBlank(d) || d == UInt8(ascii: "\"") || d == UInt8(ascii: "{") || d == UInt8(ascii: "}") { break }
                j += 1
            }
            addToken(l, i, j, spanFrom: i, spanTo: j, quoted: false)
            i = j
        }
        endStatement()
    }

    @inline(__always)
    func addToken(_ l: LineText, _ from: Int, _ to: Int, spanFrom: Int, spanTo: Int, quoted: Bool) {
        if l.origin == nil {
            let text = TextRef(buffer: l.file, offset: UInt32(from), length: UInt32(to - from))
            var spanIndex: Int32 = -1
            if quoted || to == from {
                spanIndex = Int32(tree.spans.count)
                tree.spans.append(spanOf(l, spanFrom, max(spanTo, spanFrom + 1)))
            }
            tree.tokens.append(Token(text: text, spanIndex: spanIndex, quoted: quoted))
            return
        }
        let off = tree.scratch.count
        tree.scratch.append(contentsOf: l.text[from..<to])
        let text = TextRef(buffer: BlockTree.scratchBuffer, offset: UInt32(off), length: UInt32(to - from))
        tree.spans.append(spanOf(l, spanFrom, max(spanTo, spanFrom + 1)))
        tree.tokens.append(Token(text: text, spanIndex: Int32(tree.spans.count - 1), quoted: quoted))
    }

    func attach(_ index: Int32) {
        if let parent = stack.last {
            let p = Int(parent)
            if tree.nodes[p].lastChild >= 0 {
                tree.nodes[Int(tree.nodes[p].lastChild)].nextSibling = index
            } else {
                tree.nodes[p].firstChild = index
            }
            tree.nodes[p].lastChild = index
        } else {
            tree.roots.append(index)
        }
    }

    func endStatement() {
        let count = tree.tokens.count - statementStart
        guard count > 0 else { return }
        let index = Int32(tree.nodes.count)
        var node = Node(firstToken: Int32(statementStart), tokenCount: Int32(count))
        if misreadDepth > 0 { node.misread = .displaced }
        // Look the keyword up here, on the parser's thread, while its bytes are in cache.
        let parentContext = stack.last.map { tree.nodes[Int($0)].childContext } ?? ContextID.root.rawValue
        if parentContext != 0xFF, let context = ContextID(rawValue: parentContext) {
            let kw = tree.tokens[statementStart].text
            let found: Int32
            if let cur = current, kw.buffer == cur.file {
                found = keywords.lookupIndex(context, UnsafeBufferPointer(rebasing: cur.bytes[Int(kw.offset)..<Int(kw.offset + kw.length)]))
            } else if kw.buffer == BlockTree.scratchBuffer {
                found = tree.scratch.withUnsafeBufferPointer { keywords.lookupIndex(context, UnsafeBufferPointer(rebasing: $0[Int(kw.offset)..<Int(kw.offset + kw.length)])) }
            } else {
                found = tree.buffers[Int(kw.buffer)].withUnsafeBufferPointer { keywords.lookupIndex(context, UnsafeBufferPointer(rebasing: $0[Int(kw.offset)..<Int(kw.offset + kw.length)])) }
            }
            node.specIndex = found
            node.lookedUpIn = parentContext
            if found >= 0, case .block(let child) = keywords.spec(at: found).kind { node.childContext = child.rawValue }
        }
        tree.nodes.append(node)
        attach(index)
        candidate = index
        statementStart = tree.tokens.count
    }

    /// The context a statement at the current level is looked up in (0xFF: lvsc cannot tell,
    /// e.g. inside a value block, where keepalived has no keywords either).
    var currentContext: UInt8 {
        stack.last.map { tree.nodes[Int($0)].childContext } ?? ContextID.root.rawValue
    }

    func openBrace(_ s: SourceSpan, _ text: TextRef) {
        endStatement()
        braceBalance += 1
        let context = currentContext
        if candidate >= 0 {
            let n = tree.nodes[Int(candidate)]
            if n.lookedUpIn == 0xFF || opensBlock(n.specIndex) {
                // A top-level block that opens as written (vrrp_instance, virtual_server …) is
                // where the author's reading and keepalived's agree again, even if a '}' meant
                // for an ignored '{' never came.
                if stack.isEmpty, misreadDepth > 0 {
                    misreadDepth = 0
                    ignoredBraces.removeAll()
                    tree.nodes[Int(candidate)].misread = .none
                }
                tree.spans.append(s)
                tree.nodes[Int(candidate)].openBraceIndex = Int32(tree.spans.count - 1)
                stack.append(candidate)
                candidate = -1
                checkNesting(s)
                return
            }
            // keepalived ignores a `{` after a keyword without a block (Lowering reports it;
            // one already read at the wrong level stays a consequence of the first).
            if n.misread != .displaced { tree.nodes[Int(candidate)].misread = .braceIgnored }
            lastIgnoredBrace = s
            ignoredBraces.append((candidate, stack.count))
            misreadDepth += 1
            candidate = -1
            return
        }
        if context != 0xFF {
            let closes = stack.last.map { "so the next '}' closes the enclosing '\(keywordText(tree.nodes[Int($0)]))' block" }
                ?? "so the lines after it are read as top-level keywords"
            diags.add(.syntax, .error, "unexpected '{' with no keyword before it: keepalived ignores it, \(closes)", at: s,
                      hint: "remove the '{', or put it on the line of the keyword whose block it opens")
            ignoredBraces.append((-1, stack.count))
            misreadDepth += 1
            lastIgnoredBrace = s
            return
        }
        strayOpenBrace(s, text)
    }

    func keywordText(_ n: Node) -> String {
        String(decoding: tree.bytes(tree.keyword(n)).prefix(64), as: UTF8.self)
    }

    /// A `{` where lvsc cannot tell keepalived's reading (inside a value block): kept as an
    /// anonymous block, so what follows stays at its level.
    func strayOpenBrace(_ s: SourceSpan, _ text: TextRef) {
        diags.add(.syntax, .error, "unexpected '{' with no keyword before it", at: s)
        tree.spans.append(s)
        tree.tokens.append(Token(text: text, spanIndex: Int32(tree.spans.count - 1), quoted: false))
        let index = Int32(tree.nodes.count)
        tree.nodes.append(Node(firstToken: Int32(statementStart), tokenCount: 1, openBraceIndex: Int32(tree.spans.count - 1)))
        statementStart = tree.tokens.count
        attach(index)
        stack.append(index)
        candidate = -1
        checkNesting(s)
    }

    /// Whether the keyword at `specIndex` is one keepalived opens a block for.
    func opensBlock(_ specIndex: Int32) -> Bool {
        guard specIndex >= 0 else { return false }
        switch keywords.spec(at: specIndex).kind {
        case .block, .list: return true
        case .value, .flag: return false
        }
    }

    /// keepalived's deepest blocks are four levels down (a checker in a real server in a
    /// virtual server); hundreds of levels are hostile input, and every later stage (the
    /// formatter's indentation, renderers) would pay for each level on each line.
    func checkNesting(_ s: SourceSpan) {
        if stack.count == ConfigParser.maxNesting + 1 {
            diags.add(.syntax, .error, "blocks nest more than \(ConfigParser.maxNesting) levels deep here; keepalived's own blocks nest at most 4 levels",
                      at: s, hint: "a '}' is probably missing above")
        }
    }

    func closeBrace(_ s: SourceSpan) {
        endStatement()
        braceBalance -= 1
        candidate = -1
        let depth = stack.count
        if !ignoredBraces.isEmpty, ignoredBraces.last!.depth == depth {
            // The `}` its author wrote for an ignored `{`: keepalived matches it with the
            // enclosing block (or, at the top, calls it an unknown keyword).
            tree.spans.append(s)
            while let last = ignoredBraces.last, last.depth == depth {
                if last.node >= 0 { tree.nodes[Int(last.node)].closeBraceIndex = Int32(tree.spans.count - 1) }
                ignoredBraces.removeLast()
            }
        }
        guard let top = stack.popLast() else {
            if misreadDepth > 0 {
                misreadDepth -= 1
                // Consequences, not causes: a few say where the misreading ends, not thousands.
                misreadNotes += 1
                if misreadNotes <= ConfigParser.maxMisreadNotes {
                    diags.add(.syntax, .note, "keepalived reads this '}' as an unknown keyword: the block it was meant to close had already ended at an earlier '}', because keepalived ignored a '{' above", at: s)
                } else if misreadNotes == ConfigParser.maxMisreadNotes + 1 {
                    diags.add(.syntax, .note, "more '}' follow that keepalived reads as unknown keywords; they are not listed", at: s)
                }
            } else {
                diags.add(.syntax, .error, "extra '}' with no open block", at: s)
            }
            return
        }
        tree.spans.append(s)
        tree.nodes[Int(top)].closeBraceIndex = Int32(tree.spans.count - 1)
        // A closed top-level block cannot grow any more: a safe point to hand roots over.
        if stack.isEmpty, consumer != nil, tree.nodes.count >= 2048 { flush() }
    }

    func closeUnclosedBlocks() {
        if stack.isEmpty, braceBalance > 0, let at = lastIgnoredBrace {
            // keepalived's own count of braces: every block it read was closed, but the file
            // has more '{' than '}' (one of them was meant to close an ignored '{').
            diags.add(.syntax, .error, "the file has \(braceBalance) more '{' than '}': keepalived reports it (\"missing '}'s or extra '{'s\")",
                      at: at, hint: "a '}' is missing for a block; this is the last '{' keepalived ignored")
        }
        guard !stack.isEmpty else { return }
        let outer = tree.nodes[Int(stack[0])]
        let name = String(decoding: tree.bytes(tree.keyword(outer)), as: UTF8.self)
        let more = stack.count > 1 ? " (and \(stack.count - 1) more inside it)" : ""
        diags.add(.syntax, .error, "block '\(name)' is never closed\(more): \(stack.count) missing '}'",
                  at: tree.openBrace(outer) ?? tree.span(tree.keyword(outer)),
                  hint: "add the missing '}' where the block should end")
        stack.removeAll()
    }

    /// True when the node is a placeholder for a stray '{'.
    @inline(__always)
    public static func isAnonymous(_ n: Node, in tree: BlockTree) -> Bool {
        guard n.tokenCount == 1, n.openBraceIndex >= 0 else { return false }
        let k = tree.keyword(n)
        return k.text.length == 1 && !k.quoted && tree.bytes(k).first == UInt8(ascii: "{")
    }
}
