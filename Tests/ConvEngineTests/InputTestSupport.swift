import Foundation

@testable import ConvEngine

/// The largest absolute difference between two equally long float arrays (infinity when lengths differ),
/// so float tests can report it.
func inputMaxDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Writes `bytes` to `folder/name` and returns the full path.
@discardableResult
func writeInputTestFile(_ bytes: [UInt8], named name: String, in folder: String) -> String {
    let path = folder + "/" + name
    try! Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The repository's root folder, found from this source file's location.
let inputTestRepositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
