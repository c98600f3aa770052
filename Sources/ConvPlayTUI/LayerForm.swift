import ConvEngine
import Foundation

/// An entry of the add/insert list: every layer type's templates (from the engine's registry), then the two
/// parallel blocks.
public struct NodeTemplate: Sendable {
    public let label: String
    /// One line for the type list.
    public let summary: String
    /// The prefix new names start from.
    let namePrefix: String
    private let make: @Sendable (_ name: String, _ channels: Int) -> Node

    /// Every entry, in the order the list shows them.
    public static let all: [NodeTemplate] =
        LayerRegistry.templates.map { template in
            NodeTemplate(label: template.label, summary: template.summary, namePrefix: template.namePrefix) { name, channels in
                Node(name, template.makeLayer(channels: channels))
            }
        } + [
            NodeTemplate(label: "parallel (concat)", summary: "branches concatenated on channels", namePrefix: "inception") { name, _ in
                Node(
                    name,
                    parallel: ParallelBlock(
                        branches: [
                            [Node("\(name)_1x1", Conv(outChannels: 16, kernel: Size2(1)))],
                            [Node("\(name)_3x3", Conv(outChannels: 16, kernel: Size2(3), padding: .explicit(Size2(1))))],
                        ], merge: .concat))
            },
            NodeTemplate(label: "parallel (add)", summary: "branches summed (identity skip)", namePrefix: "residual") { name, channels in
                Node(
                    name,
                    parallel: ParallelBlock(
                        branches: [
                            [Node("\(name)_conv", Conv(outChannels: channels, kernel: Size2(3), padding: .explicit(Size2(1))))], [],
                        ], merge: .add))
            },
        ]

    /// The node this template adds, before the user edits its form; `channels` is the input's channel count.
    func makeNode(name: String, channels: Int) -> Node { make(name, channels) }
}

/// One field of a layer form: a label, the text being edited, and for fixed sets the allowed values
/// (cycled with ←/→). `type` says how the text reads back (`nil`: the node's name or a block's merge).
public struct FormField: Hashable, Sendable {
    public var key: String
    public var label: String
    public var text: String
    public var choices: [String]?
    public var type: FieldType?
    public init(_ key: String, _ label: String, _ text: String, choices: [String]? = nil, type: FieldType? = nil) {
        self.key = key
        self.label = label
        self.text = text
        self.choices = choices
        self.type = type
    }

    /// The field as the engine describes it, its value written as the form shows values.
    init(_ spec: FormFieldSpec) {
        let text: String
        var choices: [String]?
        switch spec.value {
        case .int(let value): text = "\(value)"
        case .float(let value): text = Format.number(value)
        case .size(let value): text = Format.pair(value)
        case .padding(.same): text = "same"
        case .padding(.explicit(let value)): text = Format.pair(value)
        case .bool(let value): text = value ? "yes" : "no"
        case .choice(let value): text = value
        case .floats: text = "explicit"
        }
        switch spec.type {
        case .bool: choices = ["yes", "no"]
        case .choice(let words): choices = words
        case .floats: choices = ["explicit", "initialiser"]
        default: break
        }
        self.init(spec.key, spec.label, text, choices: choices, type: spec.type)
    }

    /// The value the text spells, `nil` for a keep-or-drop field left on "explicit" (nothing changes).
    func value() throws(FormError) -> FieldValue? {
        let t = text.trimmingCharacters(in: .whitespaces)
        func failure(_ expected: String) -> FormError { FormError(field: label, text: t, expected: expected) }
        switch type {
        case nil: return nil
        case .int:
            guard let v = Int(t) else {
                let digits = t.drop { $0 == "-" }
                throw failure(
                    !digits.isEmpty && digits.allSatisfy(\.isNumber)
                        ? "a whole number this size can hold (it is too large)" : "a whole number")
            }
            return .int(v)
        case .float:
            guard let v = Float(t.replacingOccurrences(of: "−", with: "-")) else { throw failure("a number") }
            return .float(v)
        case .size:
            guard let v = Self.pair(t) else { throw failure("a size like 3 or 3×5") }
            return .size(v)
        case .padding:
            if t == "same" { return .padding(.same) }
            guard let v = Self.pair(t) else { throw failure("a size like 3 or 3×5") }
            return .padding(.explicit(v))
        case .bool: return .bool(t == "yes")
        case .choice: return .choice(t)
        case .floats: return t == "initialiser" ? .floats(nil) : nil
        }
    }

    /// "3", "3×5", "3x5" or "3,5".
    private static func pair(_ text: String) -> Size2? {
        let parts = text.split(whereSeparator: { $0 == "×" || $0 == "x" || $0 == "X" || $0 == "," }).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        switch parts.count {
        case 1: return parts[0].map { Size2($0) }
        case 2: if let h = parts[0], let w = parts[1] { return Size2(h, w) }
        default: break
        }
        return nil
    }
}

/// Why a form's text cannot become a layer.
public struct FormError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var text: String
    public var expected: String
    public var description: String { "\(field): “\(text)” is not \(expected) — fix the field and press Enter" }
}

/// The add/edit form for one node: its fields, which one has the cursor, and where the result goes.
public struct LayerForm: Hashable, Sendable {
    public enum Target: Hashable, Sendable {
        /// Replace the node at this path.
        case edit(NodePath)
        /// Insert into the sequence holding `path` at `index` (`path` nil: the top level).
        case insert(sequenceOf: NodePath?, index: Int)
    }

    public var title: String
    public var target: Target
    /// The node the form started from; fields the form does not show are kept from it.
    public var original: Node
    public var fields: [FormField]
    public var focus = 0

    /// A form showing every editable field of `node`, defaults filled in.
    public init(title: String, target: Target, node: Node) {
        self.title = title
        self.target = target
        self.original = node
        var fields = [FormField("name", "name", node.name)]
        switch node.kind {
        case .parallel(let block):
            fields.append(FormField("merge", "merge", block.merge.rawValue, choices: Merge.allCases.map(\.rawValue)))
        case .layer(let layer):
            fields += layer.kind.formFields().map(FormField.init)
        }
        self.fields = fields
    }

    func text(_ key: String) -> String { fields.first { $0.key == key }?.text ?? "" }

    /// The node the fields describe, or the first field that cannot be read.
    public func makeNode() throws(FormError) -> Node {
        let name = text("name").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw FormError(field: "name", text: "", expected: "a name") }
        var node = original
        node.name = name
        switch original.kind {
        case .parallel(var block):
            block.merge = Merge(rawValue: text("merge")) ?? block.merge
            node.kind = .parallel(block)
        case .layer(let layer):
            var values: [String: FieldValue] = [:]
            for field in fields { if let value = try field.value() { values[field.key] = value } }
            node.kind = .layer(layer.kind.setting(values))
        }
        return node
    }
}
