import Foundation
import Synchronization
import Testing

/// Runs the real `convplay` binary: the one `make test` built (CONVPLAY_BIN), else this package's debug build.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the run was ended for passing its time limit.
        var timedOut = false
    }

    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["CONVPLAY_BIN"], !path.isEmpty { return path }
        for config in ["release", "debug"] {
            let path = packageRoot.appendingPathComponent(".build/\(config)/convplay").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return packageRoot.appendingPathComponent(".build/debug/convplay").path
    }

    /// Runs `convplay args…` in `directory` with no terminal and returns its exit status and output. With a
    /// `timeout` (seconds) a run still going then is ended (SIGKILL to that process) and reported as timed out;
    /// with `memoryLimit` (bytes) it runs under that address-space limit (prlimit --as).
    static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], timeout: Double? = nil,
        memoryLimit: Int? = nil
    ) throws -> Result {
        try run(executable: binaryPath, arguments, in: directory, environment: environment, timeout: timeout, memoryLimit: memoryLimit)
    }

    /// Runs any program (the test venv's torchrun, say) the same way.
    static func run(
        executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        timeout: Double? = nil, memoryLimit: Int? = nil
    ) throws -> Result {
        // timeout(1) and prlimit(1) wrap the binary, so the time limit kills only the process it started.
        var command = [executable] + arguments
        if let memoryLimit { command = ["/usr/bin/prlimit", "--as=\(memoryLimit)", "--"] + command }
        if let timeout { command = ["/usr/bin/timeout", "--signal=KILL", "\(timeout)"] + command }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "interactive=no"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes fully before waiting, so a large output cannot block the child: stderr on another
        // thread, which hands its bytes back through a mutex.
        let errData = Mutex(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self), timedOut: timeout != nil && process.terminationStatus == 137)
    }

    /// Runs `body` with a fresh folder `convplay-test-XXXXXX` (mkdtemp) in the system's temporary directory (`$TMPDIR`, else
    /// /tmp) and removes the folder and everything in it when `body` returns or throws, so a test leaves nothing
    /// behind whether it passes or fails. `make test` checks this: it runs the tests with TMPDIR in .build/test-tmp
    /// and fails on anything left there.
    @discardableResult
    static func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
        let path = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// A fresh folder like `withTemporaryDirectory`'s that the caller removes (`TmuxSession` does when it is killed).
    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "convplay-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } }
        guard let made else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return made
    }
}
