import ArgumentParser
import LVSDiff
#if canImport(Glibc)
import Glibc
#endif

extension DiffCommand.Format: ExpressibleByArgument {}

/// `lvsc diff`
public struct Diff: OutputCommand {
    public static let configuration = CommandConfiguration(
        abstract: "What a change does to each director: VRRP (and which VIPs move), IPVS operations and their effect, generated files.",
        discussion: """
            OLD and NEW are cluster folders (or their cluster.txt) or git revisions of the repository around the \
            current folder: 'lvsc diff HEAD~1' compares that revision with the working tree, 'lvsc diff main..feature' \
            two revisions. For a revision the cluster is --inventory's path (default ./cluster.txt) inside it.
            """)

    @Argument(help: ArgumentHelp("The old side: a folder, a cluster.txt, a revision, or OLD..NEW", valueName: "old"))
    public var old: String

    @Argument(help: ArgumentHelp("The new side (default: the working tree)", valueName: "new"))
    public var new: String?

    @Option(help: ArgumentHelp("cluster.txt, for revisions and the working tree (default: ./cluster.txt)", valueName: "cluster.txt"))
    public var inventory: String?

    @Option(help: ArgumentHelp("text, markdown or json", valueName: "format"))
    public var format: DiffCommand.Format = .text

    @Flag(help: "Exit 1 when there are differences, 0 when there are none (as git diff --exit-code)")
    public var exitCode = false

    public init() {}

    public func validate() throws {
        if new != nil && old.contains("..") && !isFolderLike(old) { throw ValidationError("give OLD..NEW or OLD NEW, not both") }
    }

    func isFolderLike(_ s: String) -> Bool { access(s, F_OK) == 0 }

    public func execute() -> CommandOutput { DiffCommand.run(self) }
}

public enum DiffCommand {
    public enum Format: String, CaseIterable { case text, markdown, json }

    /// One side, read: the cluster and the temporary folder to remove afterwards.
    struct Loaded {
        var side: DiffSide
        var cleanup: String?
    }

    static func run(_ o: Diff) -> CommandOutput {
        var out = CommandOutput()
        var oldSpec = o.old, newSpec = o.new
        if newSpec == nil, access(oldSpec, F_OK) != 0, let r = oldSpec.firstRange(of: "..") {
            newSpec = String(oldSpec[r.upperBound...])
            oldSpec = String(oldSpec[..<r.lowerBound])
            if newSpec?.hasPrefix(".") == true { out.stderr += "lvsc diff: give OLD..NEW (symmetric '...' is git log's, not a diff of two trees)\n"; out.exitCode = .usage; return out }
            if oldSpec.isEmpty { oldSpec = "HEAD" }
            if newSpec?.isEmpty == true { newSpec = "HEAD" }
        }
        var cleanups: [String] = []
        defer { for c in cleanups { Tool.removeTree(c) } }
        func load(_ spec: String?) -> Loaded? {
            let r = side(spec, inventory: o.inventory)
            switch r {
            case .failure(let e):
                out.stderr += "lvsc diff: \(e.message)\n"
                out.exitCode = .usage
                return nil
            case .success(let l):
                if let c = l.cleanup { cleanups.append(c) }
                return l
            }
        }
        guard let a = load(oldSpec), let b = load(newSpec) else { return out }
        let diff = ClusterDiff(old: a.side, new: b.side)
        switch o.format {
        case .text: out.stdout += DiffReport.text(diff)
        case .markdown: out.stdout += DiffReport.markdown(diff)
        case .json: out.stdout += DiffReport.json(diff).rendered() + "\n"
        }
        if o.exitCode && !diff.isEmpty { out.exitCode = .findings }
        return out
    }

    /// A side from its spec: nil is the working tree's inventory; an existing folder or file is
    /// a cluster on disk; anything else a git revision.
    static func side(_ spec: String?, inventory: String?) -> Result<Loaded, Tool.Failure> {
        guard let spec else {
            let path = inventory ?? "cluster.txt"
            return read(path, label: "working tree (\(path))", root: nil).map { Loaded(side: $0, cleanup: nil) }
        }
        var st = stat()
        if stat(spec, &st) == 0 {
            let path = (st.st_mode & S_IFMT) == S_IFDIR ? (spec.hasSuffix("/") ? spec : spec + "/") + "cluster.txt" : spec
            return read(path, label: spec, root: nil).map { Loaded(side: $0, cleanup: nil) }
        }
        return revision(spec, inventory: inventory ?? "cluster.txt")
    }

    static func read(_ inventoryPath: String, label: String, root: String?) -> Result<DiffSide, Tool.Failure> {
        let sources = SourceManager()
        switch ClusterLoader.load(inventoryPath: inventoryPath, sources: sources) {
        case .failure(let e): return .failure(Tool.Failure(message: "cannot read \(Shown.path(inventoryPath)) (\(Shown.text(label))): \(e.message)"))
        case .success(let c):
            let folder = c.inventory.folder
            return .success(DiffSide(cluster: c, sources: sources, label: label, root: root ?? (folder == "." ? "" : folder)))
        }
    }

    /// A revision of the repository around the current folder, its cluster folder extracted
    /// (git archive | tar) into a private temporary folder.
    static func revision(_ rev: String, inventory: String) -> Result<Loaded, Tool.Failure> {
        guard !rev.hasPrefix("-"), !rev.contains("\0") else {
            return .failure(Tool.Failure(message: "\(Shown.text(rev)) is neither a folder nor a revision"))
        }
        guard let git = Tool.find("git"), let tar = Tool.find("tar") else {
            return .failure(Tool.Failure(message: "\(Shown.text(rev)) is not a folder, and git (or tar) is not installed to read it as a revision"))
        }
        func gitOut(_ args: [String]) -> String? {
            guard case .success(let r) = Tool.run([git] + args), r.status == 0 else { return nil }
            var s = String(decoding: r.stdout, as: UTF8.self)
            while s.hasSuffix("\n") { s.removeLast() }
            return s
        }
        guard let top = gitOut(["rev-parse", "--show-toplevel"]) else {
            return .failure(Tool.Failure(message: "\(Shown.text(rev)) is not a folder, and this is not a git repository to read it as a revision"))
        }
        guard let commit = gitOut(["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"]) else {
            return .failure(Tool.Failure(message: "\(Shown.text(rev)) is neither a folder nor a revision of \(Shown.path(top))"))
        }
        // The inventory's path inside the repository.
        var cwd = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&cwd, cwd.count) != nil else { return .failure(Tool.Failure(message: "cannot read the current folder")) }
        let here = String(cString: cwd)
        let absolute = inventory.hasPrefix("/") ? inventory : here + "/" + inventory
        let parts = normalized(absolute)
        let topParts = normalized(top)
        guard parts.count > topParts.count, Array(parts.prefix(topParts.count)) == topParts else {
            return .failure(Tool.Failure(message: "\(Shown.path(inventory)) is not inside the repository \(Shown.path(top))"))
        }
        let inRepo = parts.dropFirst(topParts.count).joined(separator: "/")
        let folderInRepo = parts.dropFirst(topParts.count).dropLast().joined(separator: "/")
        let tmp: String
        switch Tool.temporaryFolder("lvsc-diff") {
        case .failure(let e): return .failure(e)
        case .success(let f): tmp = f
        }
        let tarball = tmp + "/tree.tar", tree = tmp + "/tree"
        func fail(_ m: String) -> Result<Loaded, Tool.Failure> { Tool.removeTree(tmp); return .failure(Tool.Failure(message: m)) }
        guard mkdir(tree, 0o700) == 0 else { return fail("cannot make \(tree)") }
        var archive = [git, "-C", top, "archive", "--format=tar", "-o", tarball, commit]
        if !folderInRepo.isEmpty { archive += ["--", folderInRepo] }
        guard case .success(let r) = Tool.run(archive), r.status == 0 else {
            return fail("\(Shown.text(rev)) has no \(Shown.path(folderInRepo.isEmpty ? "cluster.txt" : folderInRepo)) (git archive failed)")
        }
        guard case .success(let x) = Tool.run([tar, "-x", "--no-same-owner", "-f", tarball, "-C", tree]), x.status == 0 else {
            return fail("cannot unpack \(Shown.text(rev))")
        }
        let short = String(commit.prefix(12))
        return read(tree + "/" + inRepo, label: "\(rev) (\(short))", root: nil).map { Loaded(side: $0, cleanup: tmp) }
            .mapError { e in Tool.removeTree(tmp); return e }
    }

    /// A path's components with `.` and `..` resolved (links are not followed: the revision's
    /// tree is not on disk).
    static func normalized(_ path: String) -> [String] {
        var out: [String] = []
        for p in path.split(separator: "/") {
            if p == "." || p.isEmpty { continue }
            if p == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(String(p))
        }
        return out
    }
}
