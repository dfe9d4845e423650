import Foundation
import XCTest

/// What one run of a command printed and how it exited.
struct LVSCRun { var stdout: String; var stderr: String; var status: Int32 }

private final class BundleLocator {}

/// The debug `lvsc` that `swift test` built beside the test bundle.
var lvscBinary: URL {
    var dir = Bundle(for: BundleLocator.self).bundleURL
    if dir.pathExtension == "xctest" { dir.deleteLastPathComponent() }
    return dir.appendingPathComponent("lvsc")
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a program from the repository root. Output goes to files, not pipes, so a large output
/// cannot fill a pipe and stall the child.
func runLVSC(_ args: [String], stdin: Data? = nil, env: [String: String?] = [:], binary: URL = lvscBinary) throws -> LVSCRun {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    p.currentDirectoryURL = repositoryRoot
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    let paths = ["in", "out", "err"].map { tmp.appendingPathComponent($0) }
    try (stdin ?? Data()).write(to: paths[0])
    _ = FileManager.default.createFile(atPath: paths[1].path, contents: nil)
    _ = FileManager.default.createFile(atPath: paths[2].path, contents: nil)
    p.standardInput = try FileHandle(forReadingFrom: paths[0])
    p.standardOutput = try FileHandle(forWritingTo: paths[1])
    p.standardError = try FileHandle(forWritingTo: paths[2])
    try p.run()
    p.waitUntilExit()
    return LVSCRun(stdout: String(decoding: try Data(contentsOf: paths[1]), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: paths[2]), as: UTF8.self), status: p.terminationStatus)
}

/// Runs a shell script in a folder, killed after `timeout` seconds so a stuck tool cannot hang
/// the suite; output goes to files as in `runLVSC`.
func sh(_ script: String, in dir: URL, env: [String: String] = [:], timeout: TimeInterval = 900) throws -> LVSCRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", script]
    p.currentDirectoryURL = dir
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lvsc-sh-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    let out = tmp.appendingPathComponent("out"), err = tmp.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(100_000) }
    if p.isRunning {
        kill(-p.processIdentifier, SIGKILL)
        p.terminate()
        p.waitUntilExit()
        XCTFail("timed out after \(Int(timeout)) s: \(script)")
    }
    p.waitUntilExit()
    return LVSCRun(stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self), status: p.terminationStatus)
}
