import GrammarGen
#if canImport(Glibc)
import Glibc
#endif

// Regenerates Sources/KeepalivedSyntax/Generated/GeneratedKeywords.swift from Grammar/keywords.md.
// Run from the package root: `swift run lvsc-grammar` (`--check` only compares).
func readFile(_ path: String) -> String? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

let input = "Grammar/keywords.md"
let output = "Sources/KeepalivedSyntax/Generated/GeneratedKeywords.swift"
let checkOnly = CommandLine.arguments.contains("--check")
guard let text = readFile(input) else {
    fputs("lvsc-grammar: cannot read \(input) (run from the package root)\n", stderr)
    exit(2)
}
do {
    let swift = try GrammarGen.render(try GrammarGen.parse(text))
    if checkOnly {
        if readFile(output) == swift { print("\(output) is up to date"); exit(0) }
        fputs("\(output) differs from \(input): run `swift run lvsc-grammar`\n", stderr)
        exit(1)
    }
    guard let f = fopen(output, "wb") else { fputs("lvsc-grammar: cannot write \(output)\n", stderr); exit(2) }
    fputs(swift, f)
    fclose(f)
    print("wrote \(output)")
} catch {
    fputs("lvsc-grammar: \(error)\n", stderr)
    exit(1)
}
