#if canImport(Glibc)
import Glibc
#endif

/// Runs another program (git, tar, Graphviz's dot) with posix_spawn: no shell, the arguments as
/// given, standard input empty, its output and errors into files of a private temporary folder
/// that is removed afterwards.
enum Tool {
    struct Failure: Error { var message: String }

    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// The program's path on PATH, or nil.
    static func find(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// A fresh private folder under /tmp (0700).
    static func temporaryFolder(_ prefix: String) -> Swift.Result<String, Failure> {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return .failure(Failure(message: "cannot make a temporary folder: \(String(cString: strerror(errno)))")) }
        return .success(String(cString: made))
    }

    /// Removes a folder this process made, with everything in it (not following links).
    static func removeTree(_ path: String) {
        guard let rm = find("rm") else { return }
        _ = try? run([rm, "-rf", "--", path]).get()
    }

    static func run(_ argv: [String]) -> Swift.Result<Result, Failure> {
        guard let tool = argv.first else { return .failure(Failure(message: "no program")) }
        let folder: String
        switch temporaryFolder("lvsc-tool") {
        case .failure(let e): return .failure(e)
        case .success(let f): folder = f
        }
        let outPath = folder + "/out", errPath = folder + "/err"
        defer { unlink(outPath); unlink(errPath); rmdir(folder) }
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, &cargs, environ)
        guard spawned == 0 else { return .failure(Failure(message: "cannot run \(tool): \(String(cString: strerror(spawned)))")) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return .success(Result(status: exited, stdout: readAll(outPath), stderr: String(decoding: readAll(errPath), as: UTF8.self)))
    }

    static func readAll(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}
