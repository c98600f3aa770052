import Foundation
import Synchronization

/// Runs `body` with a fresh folder `convplay-<label>-XXXXXX` (mkdtemp) in the system's temporary directory (`$TMPDIR`, else
/// /tmp) and removes the folder and everything in it when `body` returns or throws, so a test leaves nothing behind
/// whether it passes or fails. `make test` checks this: it runs the tests with TMPDIR in .build/test-tmp and fails
/// on anything left there. With `keep` the folder stays, for a look by hand (`CONVPLAY_KEEP_DUMPS`).
@discardableResult
func withTemporaryFolder<Result>(_ label: String, keep: Bool = false, _ body: (String) throws -> Result) throws -> Result {
    let path = try makeTemporaryFolder(label)
    defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
    return try body(path)
}

/// A fresh folder like `withTemporaryFolder`'s for a fixture that a whole suite shares (made once, in a `static let`):
/// no one test's end may remove it, so it is removed when the test process exits.
func sharedTemporaryFolder(_ label: String) throws -> String {
    let path = try makeTemporaryFolder(label)
    SharedTemporaryFolders.paths.withLock { paths in
        if paths.isEmpty { atexit { SharedTemporaryFolders.removeAll() } }
        paths.append(path)
    }
    return path
}

/// Makes the folder with mkdtemp: a short unique name keeps the paths that messages quote under the 120 characters
/// `visible` cuts them at, even with a long $TMPDIR.
private func makeTemporaryFolder(_ label: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "convplay-\(label)-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } }
    guard let made else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return made
}

/// The shared fixtures' folders, removed by an `atexit` handler (registered with the first).
private enum SharedTemporaryFolders {
    static let paths = Mutex<[String]>([])

    static func removeAll() {
        for path in paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}
