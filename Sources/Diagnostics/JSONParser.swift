/// A small strict JSON reader (RFC 8259) for lvsc's own files (state, plans); keys keep their
/// order. Errors name the byte offset.
public struct JSONParser {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "byte \(offset): \(message)" }
    }

    let b: [UInt8]
    var i = 0
    var depth = 0

    public static func parse(_ bytes: [UInt8]) -> Result<JSON, ParseError> {
        var p = JSONParser(b: bytes)
        do {
            p.skip()
            let v = try p.value()
            p.skip()
            guard p.i == bytes.count else { throw ParseError(offset: p.i, message: "unexpected data after the value") }
            return .success(v)
        } catch let e as ParseError {
            return .failure(e)
        } catch {
            return .failure(ParseError(offset: p.i, message: "\(error)"))
        }
    }

    init(b: [UInt8]) { self.b = b }

    mutating func skip() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    func fail(_ m: String) -> ParseError { ParseError(offset: i, message: m) }

    mutating func literal(_ word: String, _ v: JSON) throws -> JSON {
        let w = Array(word.utf8)
        guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw fail("expected \(word)") }
        i += w.count
        return v
    }

    mutating func value() throws -> JSON {
        guard i < b.count else { throw fail("unexpected end") }
        switch b[i] {
        case UInt8(ascii: "{"):
            depth += 1
            guard depth < 200 else { throw fail("nested too deeply") }
            defer { depth -= 1 }
            i += 1; skip()
            var fields: [(String, JSON)] = []
            var keys = Set<String>()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
            while true {
                skip()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let k = try string()
                // Which of two values counts is a guess readers make differently: refuse it.
                guard keys.insert(k).inserted else { throw fail("key \"\(terminalSafe(k))\" appears twice in one object") }
                skip()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1; skip()
                fields.append((k, try value()))
                skip()
                guard i < b.count else { throw fail("unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(fields) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            depth += 1
            guard depth < 200 else { throw fail("nested too deeply") }
            defer { depth -= 1 }
            i += 1; skip()
            var items: [JSON] = []
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skip()
                items.append(try value())
                skip()
                guard i < b.count else { throw fail("unexpected end") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws -> JSON {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        var isInt = true
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                isInt = false; i += 1; continue
            }
            break
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if isInt, let v = Int(text) { return .int(v) }
        guard let d = Double(text), text.count > 0 else { throw ParseError(offset: start, message: "bad number '\(text)'") }
        return .double(d)
    }

    mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { throw fail("control character in a string") }
            if c == UInt8(ascii: "\\") {
                guard i + 1 < b.count else { break }
                let e = b[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
                    i += 4
                    out += Array(String(Unicode.Scalar(v) ?? "\u{FFFD}").utf8)
                default: throw fail("bad escape")
                }
                continue
            }
            out.append(c)
            i += 1
        }
        throw fail("unterminated string")
    }
}

extension JSON {
    public subscript(key: String) -> JSON? {
        if case .object(let fields) = self { return fields.first { $0.0 == key }?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? { if case .int(let v) = self { return v }; return nil }
    public var boolValue: Bool? { if case .bool(let v) = self { return v }; return nil }
    public var arrayValue: [JSON]? { if case .array(let v) = self { return v }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
}
