import Foundation
import XCTest

/// The packaged hook (.pre-commit-hooks.yaml) run by the real pre-commit from PyPI on a
/// throw-away repository holding the seed cluster: red on a drifted backup, green once fixed.
final class PreCommitTests: XCTestCase {
    func testHookFailsOnDriftAndPassesWhenFixed() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-precommit-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let env = ["PRE_COMMIT_HOME": work.appendingPathComponent("cache").path, "NO_COLOR": "1",
                   "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"]
        func check(_ r: LVSCRun, _ what: String) throws {
            if r.status != 0 { throw TestStepFailed(message: "\(what) failed (\(r.status)):\n\(r.stdout)\n\(r.stderr)") }
        }

        // The real pre-commit, from PyPI, in its own virtualenv.
        try check(sh("python3 -m venv venv && venv/bin/pip install -q 'pre-commit>=3.7,<5'", in: work, env: env), "installing pre-commit")

        // The hook repository: a snapshot of this working tree (committed or not) as one commit.
        let hookRepo = work.appendingPathComponent("hook-repo")
        try FileManager.default.createDirectory(at: hookRepo, withIntermediateDirectories: true)
        try check(sh("git ls-files -z --cached --others --exclude-standard | xargs -0 tar --ignore-failed-read -cf - | tar -xf - -C '\(hookRepo.path)'",
                     in: repositoryRoot, env: env), "copying the working tree")
        try check(sh("git init -q && git add -A && git commit -qm snapshot", in: hookRepo, env: env), "committing the snapshot")
        let rev = try sh("git rev-parse HEAD", in: hookRepo).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // The user's repository: the example cluster's admin tree with a drifted backup.
        let user = work.appendingPathComponent("admin")
        try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
        for f in ["cluster.txt", "lvs01.conf", "lvs02.conf"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Fixtures/archive/\(f)"), to: user.appendingPathComponent(f))
        }
        // An nginx site in the same repository: the hook's *.conf pattern passes it to lvsc,
        // which skips it (no cluster names it, no keepalived keyword) instead of refusing it.
        try FileManager.default.createDirectory(at: user.appendingPathComponent("nginx"), withIntermediateDirectories: true)
        try "server {\n    listen 80;\n    location / {\n        root /var/www;\n    }\n}\n"
            .write(to: user.appendingPathComponent("nginx/site.conf"), atomically: true, encoding: .utf8)
        let lvs02 = user.appendingPathComponent("lvs02.conf")
        let fixed = try String(contentsOf: lvs02, encoding: .utf8)
        try fixed.replacingOccurrences(of: "advert_int 1", with: "advert_int 3").write(to: lvs02, atomically: true, encoding: .utf8)
        try """
            repos:
              - repo: \(hookRepo.path)
                rev: \(rev)
                hooks:
                  - id: lvsc-lint
            """.write(to: user.appendingPathComponent(".pre-commit-config.yaml"), atomically: true, encoding: .utf8)
        try check(sh("git init -q && git add -A", in: user, env: env), "creating the user repository")

        let red = try sh("../venv/bin/pre-commit run --all-files", in: user, env: env, timeout: 1200)
        XCTAssertEqual(red.status, 1, red.stdout + red.stderr)
        XCTAssertTrue(red.stdout.contains("lvs02.conf:27:16: error: advert_int is 3 on lvs02's vrrp_instance VI_Z but 1 on lvs01's"), red.stdout + red.stderr)
        XCTAssertTrue(red.stdout.contains("[peer-config-drift]"), red.stdout)

        try fixed.write(to: lvs02, atomically: true, encoding: .utf8)
        try check(sh("git add -A", in: user, env: env), "staging the fix")
        let green = try sh("../venv/bin/pre-commit run --all-files", in: user, env: env)
        XCTAssertEqual(green.status, 0, green.stdout + green.stderr)
        XCTAssertTrue(green.stdout.contains("lvsc lint") && green.stdout.contains("Passed"), green.stdout)
        XCTAssertFalse(green.stdout.contains("not-keepalived"), "the nginx site is not linted: " + green.stdout)

        // The same through the hook that uses an installed lvsc (the release binary on PATH).
        if let release = ProcessInfo.processInfo.environment["LVSC_RELEASE_BIN"] {
            try """
                repos:
                  - repo: \(hookRepo.path)
                    rev: \(rev)
                    hooks:
                      - id: lvsc-lint-system
                """.write(to: user.appendingPathComponent(".pre-commit-config.yaml"), atomically: true, encoding: .utf8)
            var sysEnv = env
            sysEnv["PATH"] = URL(fileURLWithPath: release).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            try fixed.replacingOccurrences(of: "lb_algo rr", with: "lb_algo wlc").write(to: lvs02, atomically: true, encoding: .utf8)
            try check(sh("git add -A", in: user, env: sysEnv), "staging")
            let sysRed = try sh("../venv/bin/pre-commit run --all-files", in: user, env: sysEnv)
            XCTAssertEqual(sysRed.status, 1, sysRed.stdout + sysRed.stderr)
            XCTAssertTrue(sysRed.stdout.contains("lb_algo is wlc on lvs02 but rr on lvs01"), sysRed.stdout)
        } else {
            try requirePrecondition(false, "PreCommitTests: lvsc-lint-system not exercised: LVSC_RELEASE_BIN is unset (scripts/test.sh sets it)")
        }
    }
}
