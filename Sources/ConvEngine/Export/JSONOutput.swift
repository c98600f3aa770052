/// A JSON value with object keys kept in the order written, so the manifests read top-down
/// (path, name, type first) and are byte-stable from run to run.
enum JSONOutput {
    case string(String)
    case int(Int)
    case number(Double)
    case bool(Bool)
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    /// Pretty text: two-space indents, arrays of scalars on one line (`[8, 4, 3, 3]`), a final newline.
    var prettyText: String { render(indent: "") + "\n" }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func render(indent: String) -> String {
        switch self {
        case .string(let text): return Self.quoted(text)
        case .int(let value): return String(value)
        case .number(let value): return value.isFinite ? "\(value)" : "null"
        case .bool(let value): return value ? "true" : "false"
        case .array(let items):
            if items.allSatisfy(\.isScalar) { return "[" + items.map { $0.render(indent: "") }.joined(separator: ", ") + "]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.render(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            let inner = indent + "  "
            return "{\n" + members.map { inner + Self.quoted($0.0) + ": " + $0.1.render(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
