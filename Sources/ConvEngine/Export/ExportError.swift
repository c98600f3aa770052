import Foundation

/// Why a network could not be exported or its export could not be written; says where and what to change.
public enum ExportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The network itself cannot run (shape inference failed).
    case shape(ShapeError)
    /// A node the target format cannot express exactly.
    case unsupported(path: NodePath, name: String, reason: String, fix: String)
    /// A file or folder could not be written.
    case writeFailed(path: String, reason: String)
    /// A dump would replace a folder that holds something other than an earlier dump.
    case notADumpFolder(path: String)
    /// Something other than a folder where a folder is to be written: a file, a FIFO, a device.
    case notAFolder(path: String, kind: String)

    /// One sentence: where, what went wrong, and what to change.
    public var description: String {
        switch self {
        case .shape(let error):
            return error.description
        case let .unsupported(path, name, reason, fix):
            return ShapeError.place(path, name) + "\(reason) — \(fix)"
        case let .writeFailed(path, reason):
            return "cannot write \(visible(path)): \(reason) — check that the folder exists and is writable"
        case let .notADumpFolder(path):
            return "\(visible(path)) holds files that are not convplay's — choose a new or empty folder, or one convplay wrote"
        case let .notAFolder(path, kind):
            return "\(visible(path)) is \(kind), not a folder — choose a new or empty folder, or one convplay wrote"
        }
    }
}
