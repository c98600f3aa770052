/// The value a layer field holds, as the preset reader and writer, the edit form and the checks see it.
public enum FieldValue: Hashable, Sendable {
    case int(Int)
    case float(Float)
    case size(Size2)
    case padding(Padding)
    case bool(Bool)
    case choice(String)
    /// Hand-written numbers (weights, statistics); `nil` when they are drawn or absent.
    case floats([Float]?)

    /// The value as an error message quotes it: "0", "1e-05", "3×5", "same", "true".
    public var text: String {
        switch self {
        case .int(let value): return "\(value)"
        case .float(let value): return formatShortest(value)
        case .size(let value): return value.description
        case .padding(.same): return "same"
        case .padding(.explicit(let value)): return value.description
        case .bool(let value): return value ? "true" : "false"
        case .choice(let value): return value
        case .floats(let values): return values.map { "\($0.count) values" } ?? "absent"
        }
    }
}

/// How a field is read and written: its JSON and form syntax, and for sizes and counts the smallest allowed value.
public enum FieldType: Hashable, Sendable {
    /// A whole number of at least `minimum`.
    case int(minimum: Int)
    /// A finite number; its allowed range is the field's check.
    case float
    /// An integer or a `[height, width]` pair, each at least `minimum`.
    case size(minimum: Int)
    /// An integer, a pair, or `"same"`.
    case padding
    case bool
    /// One of a fixed set of words.
    case choice([String])
    /// A list of numbers, flat or nested one row per output.
    case floats

    /// The range a size or count must lie in, `nil` for other types: from the type's minimum (pads from 0) to
    /// `SizeLimits.setting`.
    public var allowedRange: ClosedRange<Int>? {
        switch self {
        case .int(let minimum), .size(let minimum): return minimum...SizeLimits.setting
        case .padding: return 0...SizeLimits.setting
        default: return nil
        }
    }

    /// The sentence a size or count outside its range is told ("at least 1", "0 or more", "at most 16777216"),
    /// `nil` when `number` is allowed. The preset reader, shape inference and the edit form all ask this.
    public func requirement(for number: Int) -> String? {
        guard let range = allowedRange, !range.contains(number) else { return nil }
        if number > range.upperBound { return "at most \(range.upperBound)" }
        return range.lowerBound == 0 ? "0 or more" : "at least \(range.lowerBound)"
    }
}

/// How a field appears in the playground's edit form.
public enum FormPresence: Hashable, Sendable {
    /// Not in the form (hand-written numbers, keys only a file sets).
    case hidden
    /// An editable field with this label.
    case field(String)
    /// Only while the value is set: a choice between keeping it ("explicit") and dropping it ("initialiser").
    case keepOrDrop(String)
}

/// What is wrong with a field's value, said without knowing where the layer sits: the preset reader turns it
/// into a JSON path, shape inference into a node path.
public enum FieldProblem: Hashable, Sendable {
    /// `key` holds `value`, which is not `requirement`.
    case invalid(key: String, value: String, requirement: String)
    /// `key` must be written too; `hint` says what to write.
    case missing(key: String, hint: String)
}

/// One setting of a layer type: its preset key, how it is read and shown, how to get and set it, and what
/// values it accepts.
public struct LayerField<L: LayerKind> {
    /// The JSON key (and the field's identity in forms and errors).
    public let key: String
    public let type: FieldType
    /// The hint said when a required key is missing; `nil` for optional keys (their default is the template's).
    public let requiredHint: String?
    /// False for settings the type word implies (a pool's kind): not written as a key.
    public let inPreset: Bool
    public let form: FormPresence
    let get: (L) -> FieldValue
    let set: (inout L, FieldValue) -> Void
    /// The requirement sentence when the layer's value of this field cannot be used, else `nil`.
    let check: (L) -> FieldProblem?
    /// Hand-written numbers only: the rows they are written in (one per output).
    let rows: ((L) -> Int)?
    /// Hand-written numbers only: true when a nested array must have exactly `rows` rows.
    let checksRows: Bool
    /// A default that depends on other fields (a pool's stride is its kernel); `nil`: the variant's defaults.
    let dependentDefault: ((L) -> FieldValue)?

    public init(
        _ key: String, _ type: FieldType, form: FormPresence, required: String? = nil, inPreset: Bool = true,
        get: @escaping (L) -> FieldValue, set: @escaping (inout L, FieldValue) -> Void,
        check: @escaping (L) -> FieldProblem? = { _ in nil }, rows: ((L) -> Int)? = nil,
        checksRows: Bool = false, default dependentDefault: ((L) -> FieldValue)? = nil
    ) {
        self.dependentDefault = dependentDefault
        self.checksRows = checksRows
        self.key = key
        self.type = type
        self.requiredHint = required
        self.inPreset = inPreset
        self.form = form
        self.get = get
        self.set = set
        self.check = check
        self.rows = rows
    }

    /// Every problem with this field's value in `layer`: the type's minimum, then the field's own check.
    func problems(in layer: L) -> [FieldProblem] {
        let value = get(layer)
        let numbers: [Int]
        switch value {
        case .int(let number): numbers = [number]
        case .size(let pair), .padding(.explicit(let pair)): numbers = [pair.height, pair.width]
        default: numbers = []
        }
        if let requirement = numbers.lazy.compactMap(type.requirement(for:)).first {
            return [.invalid(key: key, value: value.text, requirement: requirement)]
        }
        // A form can type "inf" or "nan"; a preset cannot hold them (the reader refuses them, the writer has no word).
        if case .float(let number) = value, !number.isFinite {
            return [.invalid(key: key, value: "\(number)", requirement: "a finite number")]
        }
        return check(layer).map { [$0] } ?? []
    }
}

extension LayerField {
    /// A whole-number field stored at `path`.
    public static func int(
        _ key: String, _ path: WritableKeyPath<L, Int>, minimum: Int = 1, form label: String?, required: String? = nil,
        check: @escaping (L) -> FieldProblem? = { _ in nil }
    ) -> LayerField {
        LayerField(
            key, .int(minimum: minimum), form: label.map(FormPresence.field) ?? .hidden, required: required,
            get: { .int($0[keyPath: path]) }, set: { if case .int(let v) = $1 { $0[keyPath: path] = v } }, check: check)
    }

    /// A number field stored at `path`, accepted when `valid` holds (`requirement` says what that is).
    public static func float(
        _ key: String, _ path: WritableKeyPath<L, Float>, form label: String, valid: @escaping (Float) -> Bool = { _ in true },
        requirement: String = ""
    ) -> LayerField {
        LayerField(
            key, .float, form: .field(label), get: { .float($0[keyPath: path]) },
            set: { if case .float(let v) = $1 { $0[keyPath: path] = v } },
            check: { layer in
                let value = layer[keyPath: path]
                return valid(value) ? nil : .invalid(key: key, value: formatShortest(value), requirement: requirement)
            })
    }

    /// A size-pair field stored at `path`.
    public static func size(
        _ key: String, _ path: WritableKeyPath<L, Size2>, minimum: Int = 1, form label: String, required: String? = nil,
        check: @escaping (L) -> FieldProblem? = { _ in nil }
    ) -> LayerField {
        LayerField(
            key, .size(minimum: minimum), form: .field(label), required: required,
            get: { .size($0[keyPath: path]) }, set: { if case .size(let v) = $1 { $0[keyPath: path] = v } }, check: check)
    }

    /// A yes/no field stored at `path`.
    public static func bool(_ key: String, _ path: WritableKeyPath<L, Bool>, form label: String) -> LayerField {
        LayerField(
            key, .bool, form: .field(label), get: { .bool($0[keyPath: path]) },
            set: { if case .bool(let v) = $1 { $0[keyPath: path] = v } })
    }

    /// A field holding one case of a string-backed enum, stored at `path`.
    public static func choice<C: RawRepresentable & CaseIterable>(
        _ key: String, _ path: WritableKeyPath<L, C>, form label: String, inPreset: Bool = true
    ) -> LayerField where C.RawValue == String {
        LayerField(
            key, .choice(C.allCases.map(\.rawValue)), form: .field(label), inPreset: inPreset,
            get: { .choice($0[keyPath: path].rawValue) },
            set: { if case .choice(let v) = $1, let c = C(rawValue: v) { $0[keyPath: path] = c } })
    }

    /// Hand-written numbers read and written through `get` and `set` (`nil`: none written).
    public static func floats(
        _ key: String, form: FormPresence = .hidden, get: @escaping (L) -> [Float]?, set: @escaping (inout L, [Float]?) -> Void,
        rows: ((L) -> Int)? = nil, checksRows: Bool = false, check: @escaping (L) -> FieldProblem? = { _ in nil }
    ) -> LayerField {
        LayerField(
            key, .floats, form: form, get: { .floats(get($0)) }, set: { if case .floats(let v) = $1 { set(&$0, v) } },
            check: check, rows: rows, checksRows: checksRows)
    }
}

/// One preset type word of a layer type: most types have one; a pool has `maxpool` and `avgpool`.
public struct LayerVariant<L: LayerKind> {
    public let typeName: String
    /// The layer with every default: what a key left out takes (required keys hold placeholders here).
    public let defaults: L
    /// True for the layers this type word writes.
    let matches: (L) -> Bool
    public init(_ typeName: String, defaults: L, matches: @escaping (L) -> Bool = { _ in true }) {
        self.typeName = typeName
        self.defaults = defaults
        self.matches = matches
    }
}

/// An entry of the playground's add list: a label, one line saying what it is, the prefix of new names, and
/// the layer it starts from given the input's channel count.
public struct LayerTemplate<L: LayerKind> {
    public let label: String
    public let summary: String
    public let namePrefix: String
    let make: (Int) -> L
    public init(_ label: String, _ summary: String, namePrefix: String, make: @escaping (Int) -> L) {
        self.label = label
        self.summary = summary
        self.namePrefix = namePrefix
        self.make = make
    }
}

/// Everything a layer type says about itself for presets, forms and text.
public struct LayerSchema<L: LayerKind> {
    public let variants: [LayerVariant<L>]
    public let fields: [LayerField<L>]
    public let templates: [LayerTemplate<L>]
    /// The compact spec: "conv 5×5/1 p2 → 192".
    let spec: (L) -> String
    /// Every setting spelled out for the inspector; the compact spec when `nil`.
    let details: ((L) -> String)?

    public init(
        _ variants: [LayerVariant<L>], fields: [LayerField<L>] = [], templates: [LayerTemplate<L>],
        spec: @escaping (L) -> String, details: ((L) -> String)? = nil
    ) {
        self.variants = variants
        self.fields = fields
        self.templates = templates
        self.spec = spec
        self.details = details
    }

    /// A type with one type word whose defaults are `defaults`.
    public init(
        _ typeName: String, defaults: L, fields: [LayerField<L>] = [], templates: [LayerTemplate<L>],
        spec: ((L) -> String)? = nil, details: ((L) -> String)? = nil
    ) {
        self.init(
            [LayerVariant(typeName, defaults: defaults)], fields: fields, templates: templates, spec: spec ?? { _ in typeName },
            details: details)
    }
}

/// A field as the edit form shows it: key, label, syntax and current value.
public struct FormFieldSpec: Hashable, Sendable {
    public var key: String
    public var label: String
    public var type: FieldType
    public var value: FieldValue
    /// True for a keep-or-drop choice over hand-written numbers.
    public var isKeepOrDrop: Bool
}

/// A request from the generic preset reader to the JSON reader: read `key` as `type`.
public struct FieldRequest: Sendable {
    public var key: String
    public var type: FieldType
    /// The hint for a required key that is missing; `nil` when the key may be left out.
    public var requiredHint: String?
    /// For nested number arrays, the rows they must have.
    public var rows: Int?
}

/// What an add-list entry of any layer type offers, its type erased.
public struct AnyLayerTemplate: Sendable {
    public let label: String
    public let summary: String
    public let namePrefix: String
    private let make: @Sendable (Int) -> Layer

    init<L: LayerKind>(_ template: LayerTemplate<L>, index: Int) {
        label = template.label
        summary = template.summary
        namePrefix = template.namePrefix
        make = { channels in Layer(L.schema.templates[index].make(channels)) }
    }

    /// The layer this entry adds after a node with `channels` output channels.
    public func makeLayer(channels: Int) -> Layer { make(channels) }
}

extension LayerKind {
    private var variant: LayerVariant<Self> { Self.schema.variants.first { $0.matches(self) } ?? Self.schema.variants[0] }

    /// The preset's type word for this layer.
    public var typeName: String { variant.typeName }
    /// The compact spec line.
    public var spec: String { Self.schema.spec(self) }
    /// Every setting spelled out, for the inspector.
    public var details: String { Self.schema.details?(self) ?? spec }

    /// Every field value that breaks a rule, in field order.
    public func fieldProblems() -> [FieldProblem] { Self.schema.fields.flatMap { $0.problems(in: self) } }

    /// The preset keys to write: required keys always, others where they differ from the type word's defaults.
    /// Each with its value and, for hand-written numbers, the rows to lay them out in.
    public func presetSettings() -> [(key: String, value: FieldValue, rows: Int?)] {
        let defaults = variant.defaults
        return Self.schema.fields.compactMap { field in
            guard field.inPreset else { return nil }
            let value = field.get(self)
            let defaultValue = field.dependentDefault?(self) ?? field.get(defaults)
            guard field.requiredHint != nil || value != defaultValue else { return nil }
            return (field.key, value, field.rows?(self))
        }
    }

    /// The fields the edit form shows, with their current values.
    public func formFields() -> [FormFieldSpec] {
        Self.schema.fields.compactMap { field in
            let value = field.get(self)
            switch field.form {
            case .hidden: return nil
            case .field(let label):
                return FormFieldSpec(key: field.key, label: label, type: field.type, value: value, isKeepOrDrop: false)
            case .keepOrDrop(let label):
                guard case .floats(let values) = value, values != nil else { return nil }
                return FormFieldSpec(key: field.key, label: label, type: field.type, value: value, isKeepOrDrop: true)
            }
        }
    }

    /// This layer with the given fields set (keys it does not have are ignored).
    public func setting(_ values: [String: FieldValue]) -> Layer {
        var layer = self
        for field in Self.schema.fields { if let value = values[field.key] { field.set(&layer, value) } }
        return Layer(layer)
    }

    /// The JSON keys type word `variant` accepts besides `type` and `name`.
    static func presetKeys() -> [String] { schema.fields.filter(\.inPreset).map(\.key) }

    /// Builds the layer of type word `variant` from values the reader supplies: every preset key in field order,
    /// `nil` for a key left out (then the default stays). Checks nothing; call `fieldProblems` after.
    static func reading<Failure: Error>(
        variant index: Int, _ read: (FieldRequest) throws(Failure) -> FieldValue?
    ) throws(Failure) -> Layer {
        var layer = schema.variants[index].defaults
        for field in schema.fields where field.inPreset {
            let request = FieldRequest(
                key: field.key, type: field.type, requiredHint: field.requiredHint, rows: field.checksRows ? field.rows?(layer) : nil)
            if let value = try read(request) ?? field.dependentDefault?(layer) { field.set(&layer, value) }
        }
        return Layer(layer)
    }

    /// The add-list entries of this type.
    static func anyTemplates() -> [AnyLayerTemplate] { schema.templates.indices.map { AnyLayerTemplate(schema.templates[$0], index: $0) } }
}

/// The layer types the engine knows, in the order the preset format documents them. Adding a type adds it here.
public enum LayerRegistry {
    public static let kinds: [any LayerKind.Type] = [
        Conv.self, Pool.self, GlobalAveragePool.self, ReLU.self, LeakyReLU.self, Sigmoid.self, Tanh.self, Clip.self, HardSwish.self,
        Softmax.self, Flatten.self, BatchNorm.self, LocalResponseNorm.self, Dropout.self, Dense.self,
        Lateral.self,
    ]

    /// Every layer type word, in registry order.
    public static var typeNames: [String] { kinds.flatMap { kind in kind.typeNames() } }

    /// The kind and variant index that type word `typeName` names.
    static func lookup(_ typeName: String) -> (kind: any LayerKind.Type, variant: Int)? {
        for kind in kinds {
            if let index = kind.typeNames().firstIndex(of: typeName) { return (kind, index) }
        }
        return nil
    }

    /// Every add-list entry of every layer type, in registry order.
    public static var templates: [AnyLayerTemplate] { kinds.flatMap { $0.anyTemplates() } }
}

extension LayerKind {
    static func typeNames() -> [String] { schema.variants.map(\.typeName) }
}

/// The shortest text that reads back as the same `Float`: integers without a decimal point, others as
/// Swift's shortest round-trip form (`0.0625`, `1e-05`).
public func formatShortest(_ value: Float) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e7 {
        return value.sign == .minus && value == 0 ? "-0" : "\(Int(value))"
    }
    return value.isFinite ? "\(value)" : "null"
}
