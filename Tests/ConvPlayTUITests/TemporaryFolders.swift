import Foundation

/// Runs `body` with a fresh folder `convplay-<label>-XXXXXX` (mkdtemp) in the system's temporary directory (`$TMPDIR`, else
/// /tmp) and removes the folder and everything in it when `body` returns or throws, so a test leaves nothing behind
/// whether it passes or fails. `make test` checks this: it runs the tests with TMPDIR in .build/test-tmp and fails
/// on anything left there.
@discardableResult
func withTemporaryFolder<Result>(_ label: String, _ body: (String) throws -> Result) throws -> Result {
    var template = Array((NSTemporaryDirectory() + "convplay-\(label)-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } }
    guard let path = made else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
