import Diagnostics

/// Where a token's text lives: a source file's bytes, or the scratch buffer that holds
/// text produced by `$NAME` expansion and `~SEQ`/`~LST`.
public struct TextRef: Sendable, Hashable {
    public var buffer: UInt32
    public var offset: UInt32
    public var length: UInt32
}

/// A word of a logical line. Kept to 20 bytes: a word read straight from a file is its own
/// source span; only words produced by expansion point into `BlockTree.spans`.
public struct Token: Sendable {
    public var text: TextRef
    /// -1 when the span is `text` itself; otherwise an index into `BlockTree.spans`.
    var spanIndex: Int32
    /// Written in double quotes (so `{`, `#` and blanks inside are literal).
    public var quoted: Bool
}

/// A statement: a keyword, its arguments, and optionally a `{ … }` block of child statements.
public struct Node: Sendable {
    public var firstToken: Int32
    public var tokenCount: Int32
    public var firstChild: Int32 = -1
    public var lastChild: Int32 = -1
    public var nextSibling: Int32 = -1
    /// Index in `BlockTree.spans` of the `{` that opened the block; -1 when there is none.
    var openBraceIndex: Int32 = -1
    /// Index in `BlockTree.spans` of the `}` that closed the block; -1 when never closed.
    var closeBraceIndex: Int32 = -1
    /// The keyword as the parser already looked it up (so the lowering thread need not):
    /// the index in `KeywordTable.specs`, -1 when unknown, and the context it was looked up in
    /// (0xFF when the parser could not tell the context, e.g. inside a value block).
    public internal(set) var specIndex: Int32 = -1
    public internal(set) var lookedUpIn: UInt8 = 0xFF
    /// The context of this statement's children, when its keyword opens a keyword block.
    var childContext: UInt8 = 0xFF
    /// How keepalived's reading of braces moved this statement (see `Misread`).
    public internal(set) var misread: Misread = .none

    public var hasBlock: Bool { openBraceIndex >= 0 }
    public var argCount: Int { Int(tokenCount) - 1 }
}

/// keepalived opens a block only after a keyword that has one: any other `{` is ignored, so
/// the `}` meant for it closes the enclosing block and what follows is read one level up.
/// The parser builds the tree keepalived reads, and marks the statements this moved.
public enum Misread: UInt8, Sendable {
    case none
    /// This statement's `{` was ignored (an unknown keyword, or one that takes no block).
    /// `closeBraceIndex` then holds the `}` keepalived matched with the enclosing block instead
    /// (-1 when there was none).
    case braceIgnored
    /// Read at a level its author did not mean, after an ignored `{` above it.
    case displaced
}

/// The whole parsed configuration as flat arrays (no recursion, so deep nesting is harmless).
public struct BlockTree: Sendable {
    public internal(set) var tokens: [Token] = []
    public internal(set) var nodes: [Node] = []
    /// Top-level statements, in order.
    public internal(set) var roots: [Int32] = []
    /// Source bytes of every file and the scratch buffer (index `scratchBuffer`).
    public internal(set) var buffers: [[UInt8]] = []
    public internal(set) var scratch: [UInt8] = []
    /// Spans of braces and of words that expansion produced.
    public internal(set) var spans: [SourceSpan] = []
    public static let scratchBuffer: UInt32 = .max

    public init() {}

    @inline(__always)
    public func bytes(_ ref: TextRef) -> ArraySlice<UInt8> {
        let start = Int(ref.offset), end = start + Int(ref.length)
        if ref.buffer == BlockTree.scratchBuffer { return scratch[start..<end] }
        return buffers[Int(ref.buffer)][start..<end]
    }

    @inline(__always)
    public func bytes(_ t: Token) -> ArraySlice<UInt8> { bytes(t.text) }

    public func string(_ t: Token) -> String { String(decoding: bytes(t.text), as: UTF8.self) }

    @inline(__always)
    public func span(_ t: Token) -> SourceSpan {
        if t.spanIndex >= 0 { return spans[Int(t.spanIndex)] }
        return SourceSpan(file: t.text.buffer, offset: t.text.offset, length: t.text.length)
    }

    public func openBrace(_ n: Node) -> SourceSpan? { n.openBraceIndex >= 0 ? spans[Int(n.openBraceIndex)] : nil }
    public func closeBrace(_ n: Node) -> SourceSpan? { n.closeBraceIndex >= 0 ? spans[Int(n.closeBraceIndex)] : nil }

    public func keyword(_ n: Node) -> Token { tokens[Int(n.firstToken)] }

    /// Argument `i` (0-based, after the keyword).
    public func arg(_ n: Node, _ i: Int) -> Token { tokens[Int(n.firstToken) + 1 + i] }

    public func args(_ n: Node) -> ArraySlice<Token> {
        tokens[Int(n.firstToken) + 1 ..< Int(n.firstToken + n.tokenCount)]
    }

    /// The span from the keyword to the last argument.
    public func lineSpan(_ n: Node) -> SourceSpan {
        let first = span(tokens[Int(n.firstToken)])
        return first.union(span(tokens[Int(n.firstToken + n.tokenCount) - 1]))
    }

    public func children(_ n: Node) -> ChildSequence { ChildSequence(nodes: nodes, cursor: n.firstChild) }

    /// Holds only the node array: copying the whole tree into every iterator would retain and
    /// release six arrays per block.
    public struct ChildSequence: Sequence, IteratorProtocol {
        let nodes: [Node]
        var cursor: Int32
        public mutating func next() -> Node? {
            guard cursor >= 0 else { return nil }
            let n = nodes[Int(cursor)]
            cursor = n.nextSibling
            return n
        }
    }
}
