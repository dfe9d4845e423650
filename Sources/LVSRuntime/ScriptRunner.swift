import Dispatch
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// How one run of a script ended.
public enum ScriptOutcome: Sendable, Equatable {
    case exited(Int32)
    case signalled(Int32)
    /// Still running at its timeout: its session was killed.
    case timedOut
    case failedToStart(String)

    /// keepalived counts exit status 0 as success, anything else (and a timeout) as failure.
    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let c): return "exit status \(c)"
        case .signalled(let s): return "killed by signal \(s)"
        case .timedOut: return "timed out"
        case .failedToStart(let why): return "could not start: \(why)"
        }
    }
}

/// Scripts of one daemon that are running now, so shutdown can end the checks it started.
public final class RunningScripts: Sendable {
    private let sessions = NIOLockedValueBox<Set<pid_t>>([])
    public init() {}
    func add(_ pid: pid_t) { sessions.withLockedValue { _ = $0.insert(pid) } }
    func remove(_ pid: pid_t) { sessions.withLockedValue { _ = $0.remove(pid) } }
    /// Kills every running script's session (its leader is not reaped before `remove`, so the
    /// id still names that session).
    public func killAll() { sessions.withLockedValue { for pid in $0 { kill(-pid, SIGKILL) } } }
}

/// Runs keepalived's scripts (vrrp_script checks, notify scripts) with posix_spawn: no fork of
/// this multi-threaded process, so nothing in the child can deadlock on a lock another thread
/// held. The child starts a session of its own (a timeout kills the script and everything it
/// started), has every signal at its default (lvsc ignores SIGTERM itself), stdin, stdout and
/// stderr on /dev/null and a fixed PATH, as keepalived gives its scripts. A script for another
/// user is started through setpriv(1) (util-linux, essential on Debian), which sets the groups,
/// the group and the user in the new process before it executes the script.
///
/// swift-subprocess was tried first and dropped: 1.0.2 forks with a raw clone, and glibc's
/// setgroups() in that child waits for threads that exist only in the parent (the child hung,
/// and then exit() hung joining the package's worker thread).
public enum ScriptRunner {
    static let setpriv = "/usr/bin/setpriv"
    static let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    /// glibc's POSIX_SPAWN_SETSID (2.26 and later), which Swift's Glibc module leaves out with
    /// the other _GNU_SOURCE declarations.
    static let setsid: Int32 = 0x80
    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34 and later), looked up for the same
    /// reason; without it the descriptors' close-on-exec flags are all there is.
    nonisolated(unsafe) static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(f, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()

    public static func run(_ script: ResolvedScript, extraArguments: [String] = [], timeout: Duration?,
                           running: RunningScripts? = nil) async -> ScriptOutcome {
        await withCheckedContinuation { continuation in
            start(script, extraArguments: extraArguments, timeout: timeout, running: running) { continuation.resume(returning: $0) }
        }
    }

    /// The argv that is executed: the script's, or setpriv's followed by the script's.
    static func argv(_ script: ResolvedScript, extraArguments: [String]) -> [[UInt8]] {
        var words = script.argv + extraArguments.map { Array($0.utf8) }
        if script.uid != 0 || script.gid != 0 {
            let groups = script.groups.isEmpty ? "--clear-groups" : "--groups=" + script.groups.map(String.init).joined(separator: ",")
            words = [setpriv, "--reuid=\(script.uid)", "--regid=\(script.gid)", groups, "--"].map { Array($0.utf8) } + words
        }
        return words
    }

    static func start(_ script: ResolvedScript, extraArguments: [String], timeout: Duration?, running: RunningScripts?,
                      done: @escaping @Sendable (ScriptOutcome) -> Void) {
        let words = argv(script, extraArguments: extraArguments)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        // Sockets and netlink handles stay in lvsc, whether or not their library set CLOEXEC.
        if let closeFrom = closeFrom { _ = closeFrom(&actions, 3) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var spawned: pid_t = 0
        let status = withCStrings(words) { argv in
            withCStrings(environment.map { Array($0.utf8) }) { envp in
                posix_spawn(&spawned, argv[0]!, &actions, &attributes, argv, envp)
            }
        }
        let pid = spawned
        guard status == 0 else {
            done(.failedToStart(String(cString: strerror(status))))
            return
        }
        running?.add(pid)
        let finished = NIOLockedValueBox((exited: false, killed: false))
        if let timeout {
            let (s, a) = timeout.components
            let nanos = Int(s) * 1_000_000_000 + Int(a / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanos)) {
                finished.withLockedValue { f in
                    // Until the leader is reaped its id names this session only.
                    guard !f.exited else { return }
                    f.killed = true
                    kill(-pid, SIGKILL)
                }
            }
        }
        DispatchQueue.global().async {
            // Wait for the exit without reaping, mark it, then reap: the timeout's kill never
            // reaches a session id that a reaped script has given back.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
            let killed = finished.withLockedValue { f -> Bool in f.exited = true; return f.killed }
            running?.remove(pid)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            if killed { return done(.timedOut) }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
            let signal = raw & 0x7F
            done(signal == 0 ? .exited((raw >> 8) & 0xFF) : .signalled(signal))
        }
    }

    /// NUL-terminated copies of `words` as a C argv / envp (ending in a null pointer).
    static func withCStrings<T>(_ words: [[UInt8]], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        let pointers: [UnsafeMutablePointer<CChar>?] = words.map { w in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: w.count + 1)
            for (i, b) in w.enumerated() { p[i] = CChar(bitPattern: b) }
            p[w.count] = 0
            return p
        } + [nil]
        defer { for p in pointers { p?.deallocate() } }
        return body(pointers)
    }
}
