/// One logical line on its way through the preprocessor.
///
/// A line read straight from a file is a slice of that file's bytes (`origin == nil`, so an
/// index *is* the file offset and nothing is copied). A line that expansion produced owns its
/// bytes and carries, per byte, the file offset a person would edit to change it.
struct LineText {
    var text: ArraySlice<UInt8>
    var file: UInt32
    var origin: [UInt32]?

    @inline(__always)
    func offset(at i: Int) -> UInt32 {
        if let origin { return origin[i] }
        return UInt32(truncatingIfNeeded: i)
    }

    var isEmpty: Bool { text.isEmpty }

    func slice(_ r: Range<Int>) -> LineText {
        LineText(text: text[r], file: file, origin: origin)
    }

    /// The same text as an owned line (so bytes can be inserted or removed).
    func owned() -> (bytes: [UInt8], origin: [UInt32]) {
        var o: [UInt32] = []
        o.reserveCapacity(text.count)
        for i in text.indices { o.append(offset(at: i)) }
        return (Array(text), o)
    }

    static func make(_ bytes: [UInt8], _ origin: [UInt32], file: UInt32) -> LineText {
        LineText(text: bytes[...], file: file, origin: origin)
    }
}

@inline(__always) func isBlank(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
}

@inline(__always) func isNameStart(_ c: UInt8) -> Bool {
    (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
}

@inline(__always) func isNameChar(_ c: UInt8) -> Bool {
    isNameStart(c) || (c >= 0x30 && c <= 0x39)
}

extension ArraySlice where Element == UInt8 {
    func hasPrefix(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard count >= n else { return false }
        return s.withUTF8Buffer { p in
            var i = startIndex
            for b in p { if self[i] != b { return false }; i += 1 }
            return true
        }
    }

    func trimmed() -> ArraySlice<UInt8> {
        var s = startIndex, e = endIndex
        while s < e, isBlank(self[s]) { s += 1 }
        while e > s, isBlank(self[e - 1]) { e -= 1 }
        return self[s..<e]
    }
}
