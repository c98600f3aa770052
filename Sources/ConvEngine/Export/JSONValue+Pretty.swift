/// Writing the manifest: JSONValue (the preset codec's ordered JSON tree) rendered as pretty text.
extension JSONValue {
    /// An integer number.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }
    /// A Float as its shortest decimal that reads back as the same Float (`0.001`, `1e-05`).
    public static func float(_ value: Float) -> JSONValue { value.isFinite ? .number("\(value)") : .null }
    /// A `[height, width]` pair.
    public static func pair(_ size: Size2) -> JSONValue { .array([.integer(size.height), .integer(size.width)]) }
    /// An object from ordered key–value pairs.
    public static func members(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(pairs.map { JSONMember($0.0, $0.1) }) }

    /// Pretty text with keys in the order written: two-space indents, arrays of scalars on one line
    /// (`[8, 4, 3, 3]`), and a final newline. Byte-stable from run to run.
    var prettyText: String { render(indent: "") + "\n" }

    /// The value of an integer number, nil otherwise.
    var integerValue: Int? { if case .number(let text) = self { Int(text) } else { nil } }

    /// The value on one line (`{"step": 3, "loss": 0.25}`), keys in the order written: a JSON-lines record or a
    /// safetensors header.
    public var compactText: String {
        switch self {
        case .array(let items): return "[" + items.map(\.compactText).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { Self.quoted($0.key) + ": " + $0.value.compactText }.joined(separator: ", ") + "}"
        default: return render(indent: "")
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        case .null, .bool, .number, .string: return true
        }
    }

    private func render(indent: String) -> String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return Self.quoted(text)
        case .array(let items):
            if items.allSatisfy(\.isScalar) { return "[" + items.map { $0.render(indent: "") }.joined(separator: ", ") + "]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.render(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            let inner = indent + "  "
            return "{\n"
                + members.map { inner + Self.quoted($0.key) + ": " + $0.value.render(indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        }
    }
}
