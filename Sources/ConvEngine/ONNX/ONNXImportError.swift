/// Why an ONNX model could not be opened as a network. Every case renders one sentence: where (the node, its
/// operator, the tensor), what is wrong, and what would have to change — in the file, or in convplay.
public enum ONNXImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file could not be read (with the operating system's reason).
    case unreadableFile(path: String, FileReadError)
    /// The file is larger than the import reads.
    case tooLarge(bytes: Int, limit: Int)
    /// The bytes are not an ONNX ModelProto (corrupt or truncated protobuf).
    case malformed(reason: String)
    /// The model imports an operator set outside 7…21, or another domain's operators.
    case unsupportedOpset(domain: String, version: Int)
    /// Something about the graph as a whole: its inputs, outputs or shape.
    case graph(problem: String, fix: String)
    /// A node convplay has no layer for (or an option it cannot compute exactly).
    case unsupported(node: String, op: String, reason: String, need: String)
    /// A node reads a value nothing produces.
    case danglingInput(node: String, op: String, input: String)
    /// An initializer or constant whose contents do not fit its declared type and shape.
    case badTensor(name: String, problem: String)
    /// The weights, all together, exceed the import's budget.
    case weightsTooLarge(bytes: Int, limit: Int)
    /// The imported network cannot run (its shapes do not fit together).
    case impossible(ShapeError)

    public var description: String {
        switch self {
        case let .unreadableFile(path, error):
            return "cannot read \(visible(path)): \(error) — \(error.fix)"
        case let .tooLarge(bytes, limit):
            return "the model file has \(bytes) bytes, more than the \(limit) an ONNX protobuf can hold — use external data for its weights"
        case let .malformed(reason):
            return "not a readable ONNX model (\(reason)) — the file is corrupt or truncated; export it again"
        case let .unsupportedOpset(domain, version):
            let name = domain.isEmpty || domain == "ai.onnx" ? "ONNX" : "domain \(quoted(domain))"
            return "the model uses \(name) opset \(version), but convplay reads ONNX opsets 7 to 21 only — "
                + "convert it (onnx.version_converter) or export it again with opset_version between 7 and 21"
        case let .graph(problem, fix):
            return "\(problem) — \(fix)"
        case let .unsupported(node, op, reason, need):
            return "node \(quoted(node)) (\(visible(op))): \(reason) — convplay would need \(need)"
        case let .danglingInput(node, op, input):
            return
                "node \(quoted(node)) (\(visible(op))) reads \(quoted(input)), which no node, input or initializer produces — the graph is incomplete"
        case let .badTensor(name, problem):
            return "tensor \(quoted(name)): \(problem) — the file is damaged or was written wrongly"
        case let .weightsTooLarge(bytes, limit):
            return
                "the weights need \(formatBytes(bytes)), more than the \(formatBytes(limit)) memory cap — raise --memory-cap or use a smaller model"
        case let .impossible(error):
            return "the imported network cannot run: \(error)"
        }
    }
}
