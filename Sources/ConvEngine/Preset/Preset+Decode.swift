extension Preset {
    /// Layer `type` values, in the order the format documents them: every layer type's words, then the blocks.
    public static var layerTypes: [String] { LayerRegistry.typeNames + ["parallel", "inception"] }

    /// Parses a preset's JSON text into a network. Checks syntax, keys, types and sizes; shapes (does the
    /// kernel fit, do the explicit weights have the right length) are left to `Network.inferShapes()`.
    public static func decode(json: String) throws(PresetError) -> Network {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw .malformedJSON(line: error.line, column: error.column, problem: error.problem)
        }
        var decoder = PresetDecoder(writtenNames: PresetDecoder.layerNames(in: root["layers"]))
        return try decoder.network(JSONField(root, path: ""))
    }
}

/// A JSON value and the path that leads to it, with typed readers that throw `PresetError`s naming the path.
struct JSONField {
    let value: JSONValue
    let path: String
    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    func wrongType(_ expected: String) -> PresetError {
        .wrongType(path: path, expected: expected, found: value.kindDescription)
    }

    func string() throws(PresetError) -> String {
        guard case .string(let text) = value else { throw wrongType("a string") }
        return text
    }

    func bool() throws(PresetError) -> Bool {
        guard case .bool(let flag) = value else { throw wrongType("true or false") }
        return flag
    }

    /// An integer literal (`3`, also `3.0`), within Int's range.
    func int(expected: String = "an integer") throws(PresetError) -> Int {
        guard case .number(let text) = value else { throw wrongType(expected) }
        if let exact = Int(text) { return exact }
        guard let double = Double(text), double.rounded() == double, abs(double) < 9e15 else {
            throw wrongType(expected)
        }
        return Int(double)
    }

    /// A whole number within `type`'s range (a channel count, a size, a pad).
    func int(in type: FieldType) throws(PresetError) -> Int {
        let number = try int(expected: type.allowedRange!.lowerBound > 0 ? "a positive integer" : "an integer")
        if let requirement = type.requirement(for: number) {
            throw PresetError.invalidValue(path: path, value: "\(number)", requirement: requirement)
        }
        return number
    }

    /// A count or size of at least 1 (an input side, an Inception branch's channels).
    func positiveInt() throws(PresetError) -> Int { try int(in: .int(minimum: 1)) }

    func seed() throws(PresetError) -> UInt64 {
        guard case .number(let text) = value, let seed = UInt64(text) else {
            throw wrongType("a whole number from 0 to 18446744073709551615")
        }
        return seed
    }

    /// A finite number, parsed straight from its text so a written `Float` reads back bit-identical.
    func float() throws(PresetError) -> Float {
        guard case .number(let text) = value, let number = Float(text) else { throw wrongType("a number") }
        guard number.isFinite else {
            throw PresetError.invalidValue(path: path, value: text, requirement: "a finite number within Float range")
        }
        return number
    }

    /// A number array, flat or nested to any depth, flattened in order (row-major).
    func floats() throws(PresetError) -> [Float] {
        guard case .array = value else { throw wrongType("an array of numbers") }
        var result: [Float] = []
        func collect(_ field: JSONField) throws(PresetError) {
            if case .array(let elements) = field.value {
                for (i, element) in elements.enumerated() { try collect(JSONField(element, path: "\(field.path)[\(i)]")) }
            } else {
                guard case .number = field.value else { throw field.wrongType("a number") }
                result.append(try field.float())
            }
        }
        try collect(self)
        return result
    }

    /// The number of top-level rows when the array is nested (`[[…], […]]`), `nil` for a flat array.
    var nestedRowCount: Int? {
        guard case .array(let elements) = value, let first = elements.first, case .array = first else { return nil }
        return elements.count
    }

    /// An integer or a `[height, width]` pair, each within `type`'s range.
    func size2(_ type: FieldType) throws(PresetError) -> Size2 {
        let expected = "an integer or a [height, width] pair"
        func checked(_ field: JSONField) throws(PresetError) -> Int {
            let number = try field.int(expected: field.path == path ? expected : "an integer")
            if let requirement = type.requirement(for: number) {
                throw PresetError.invalidValue(path: field.path, value: "\(number)", requirement: requirement)
            }
            return number
        }
        switch value {
        case .number:
            let n = try checked(self)
            return Size2(n)
        case .array(let pair):
            guard pair.count == 2 else {
                throw PresetError.invalidValue(
                    path: path, value: "an array of \(pair.count)", requirement: "a [height, width] pair of 2 integers")
            }
            return Size2(try checked(JSONField(pair[0], path: path + "[0]")), try checked(JSONField(pair[1], path: path + "[1]")))
        default: throw wrongType(expected)
        }
    }

    /// One of a fixed set of strings, mapped to its enum case.
    func choice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) throws(PresetError) -> Choice
    where Choice.RawValue == String {
        let text = try string()
        guard let choice = Choice(rawValue: text) else {
            throw PresetError.unknownChoice(path: path, found: text, validChoices: Choice.allCases.map(\.rawValue))
        }
        return choice
    }

    /// This value as an object whose keys are all in `allowed`; `owner` names it in errors ("a conv layer").
    /// `listed` are the keys an unknown-key error offers (default: all of `allowed`).
    func object(
        allowed: [String], owner: String, expected: String = "an object",
        listed: [String]? = nil
    ) throws(PresetError) -> JSONObject {
        guard case .object(let members) = value else { throw wrongType(expected) }
        let object = JSONObject(members: members, path: path)
        for member in members where !allowed.contains(member.key) {
            let validKeys = allowed.filter { key in !members.contains { $0.key == key } }
            throw PresetError.unknownKey(
                path: object.childPath(member.key), key: member.key, owner: owner,
                suggestion: nearest(member.key, in: validKeys), validKeys: listed ?? allowed)
        }
        return object
    }

    /// This value as an array of fields with indexed paths.
    func array(expected: String) throws(PresetError) -> [JSONField] {
        guard case .array(let elements) = value else { throw wrongType(expected) }
        return elements.enumerated().map { JSONField($0.element, path: "\(path)[\($0.offset)]") }
    }
}

/// An object's members with its path; `required` and `optional` hand out fields with extended paths.
struct JSONObject {
    let members: [JSONMember]
    let path: String

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func optional(_ key: String) -> JSONField? {
        members.first { $0.key == key }.map { JSONField($0.value, path: childPath(key)) }
    }

    func required(_ key: String, hint: String) throws(PresetError) -> JSONField {
        guard let field = optional(key) else { throw PresetError.missingKey(path: path, key: key, hint: hint) }
        return field
    }

    func has(_ key: String) -> Bool { members.contains { $0.key == key } }
}

/// Walks a parsed preset, numbering unnamed nodes per type ("conv1", "relu3") in document order.
struct PresetDecoder {
    private var counters: [String: Int] = [:]
    /// Names written in the file; a default name skips them so "conv1" is never given twice.
    let writtenNames: Set<String>

    init(writtenNames: Set<String>) { self.writtenNames = writtenNames }

    /// Every `name` string of every layer object under `layers`, branches included.
    static func layerNames(in layers: JSONValue?) -> Set<String> {
        var names = Set<String>()
        func walk(_ value: JSONValue) {
            switch value {
            case .array(let elements): elements.forEach(walk)
            case .object(let members):
                if case .string(let name)? = value["name"] { names.insert(name) }
                members.filter { $0.key == "branches" }.forEach { walk($0.value) }
            default: break
            }
        }
        layers.map(walk)
        return names
    }

    /// "<type><n>" with the next n whose name the file does not already use.
    private mutating func defaultName(for type: String) -> String {
        while true {
            counters[type, default: 0] += 1
            let name = "\(type)\(counters[type]!)"
            if !writtenNames.contains(name) { return name }
        }
    }

    mutating func network(_ root: JSONField) throws(PresetError) -> Network {
        let object = try root.object(
            allowed: ["format", "name", "description", "input", "init", "layers", "labels", "data"],
            owner: "the preset", expected: "an object with format, name, input and layers")
        let formatField = try object.required("format", hint: "\"format\": \(PresetError.currentFormat) as the first line")
        guard case .number(let formatText) = formatField.value else {
            throw formatField.wrongType("the integer \(PresetError.currentFormat)")
        }
        guard Int(formatText) == PresetError.currentFormat else { throw PresetError.unsupportedFormat(found: formatText) }

        let name = try object.required("name", hint: "\"name\": a short title such as \"NIN CIFAR-10\"").string()
        let summary = try object.optional("description")?.string() ?? ""
        let input = try inputSpec(try object.required("input", hint: "\"input\": {\"shape\": [channels, height, width]}"))
        let initialization =
            try object.optional("init").map { field throws(PresetError) in try self.initialization(field) }
            ?? Initialization()
        let layers = try object.required("layers", hint: "\"layers\": [ … ] with at least one layer")
        let nodes = try sequence(layers, expected: "an array of layers")
        let labels = try object.optional("labels")?.labels() ?? []
        let data = try object.optional("data")?.dataSource()
        return Network(
            name: name, summary: summary, input: input, initialization: initialization, nodes: nodes, labels: labels, trainingData: data)
    }

    private func inputSpec(_ field: JSONField) throws(PresetError) -> InputSpec {
        let object = try field.object(allowed: ["shape", "source"], owner: "input")
        let shapeField = try object.required("shape", hint: "\"shape\": [channels, height, width]")
        let dimensions = try shapeField.array(expected: "a [channels, height, width] array")
        guard dimensions.count == 3 else {
            throw PresetError.invalidValue(
                path: shapeField.path, value: "an array of \(dimensions.count)",
                requirement: "[channels, height, width] (a 1-D signal is [channels, 1, width])")
        }
        let sizes = try dimensions.map { dimension throws(PresetError) in try dimension.positiveInt() }
        let shape = Shape(channels: sizes[0], height: sizes[1], width: sizes[2])
        guard let sourceField = object.optional("source") else { return InputSpec(shape: shape) }
        let source = try sourceField.object(allowed: ["synthetic", "seed", "image"], owner: "input.source")
        if let image = source.optional("image") {
            if let other = source.optional("synthetic") ?? source.optional("seed") {
                throw PresetError.invalidValue(
                    path: other.path, value: "given together with \"image\"",
                    requirement: "absent when the input is an image file")
            }
            return InputSpec(shape: shape, source: .image(path: try image.string()))
        }
        let pattern = try source.required("synthetic", hint: "\"synthetic\": \"shapes\" or \"image\": \"picture.ppm\"")
            .choice(SyntheticPattern.self)
        let seed = try source.optional("seed")?.seed() ?? 0
        return InputSpec(shape: shape, source: .synthetic(pattern, seed: seed))
    }

    private func initialization(_ field: JSONField) throws(PresetError) -> Initialization {
        let object = try field.object(allowed: ["scheme", "seed", "weights"], owner: "init")
        return Initialization(
            scheme: try object.optional("scheme")?.choice(InitScheme.self) ?? .he,
            seed: try object.optional("seed")?.seed() ?? 0,
            weightsDirectory: try object.optional("weights")?.string())
    }

    private mutating func sequence(_ field: JSONField, expected: String) throws(PresetError) -> [Node] {
        var nodes: [Node] = []
        for element in try field.array(expected: expected) { nodes.append(try node(element)) }
        return nodes
    }

    private mutating func node(_ field: JSONField) throws(PresetError) -> Node {
        guard case .object(let members) = field.value else { throw field.wrongType("a layer object like {\"type\": \"relu\"}") }
        let probe = JSONObject(members: members, path: field.path)
        let typeField = try probe.required("type", hint: "\"type\": one of " + Preset.layerTypes.joined(separator: ", "))
        let type = try typeField.string()
        if let (kind, variant) = LayerRegistry.lookup(type) {
            let keys = kind.presetKeys()
            let object = try field.object(allowed: ["type", "name"] + keys, owner: "a \(type) layer", listed: keys)
            let name = try object.optional("name")?.string() ?? defaultName(for: type)
            let layer = try kind.reading(variant: variant) { request throws(PresetError) in try Self.value(request, in: object) }
            switch layer.kind.fieldProblems().first {
            case .invalid(let key, let value, let requirement)?:
                throw PresetError.invalidValue(path: object.childPath(key), value: value, requirement: requirement)
            case .missing(let key, let hint)?:
                throw PresetError.missingKey(path: object.path, key: key, hint: hint)
            case nil:
                return Node(name, layer)
            }
        }
        switch type {
        case "parallel": return try parallel(field)
        case "inception": return try inception(field)
        default:
            throw PresetError.unknownLayerType(
                path: typeField.path, found: type,
                suggestion: nearest(type, in: Preset.layerTypes), validTypes: Preset.layerTypes)
        }
    }

    /// One layer field's value as the request's type asks, `nil` when the key is left out.
    private static func value(_ request: FieldRequest, in object: JSONObject) throws(PresetError) -> FieldValue? {
        guard let field = object.optional(request.key) else {
            if let hint = request.requiredHint { throw PresetError.missingKey(path: object.path, key: request.key, hint: hint) }
            return nil
        }
        switch request.type {
        case .int: return .int(try field.int(in: request.type))
        case .float: return .float(try field.float())
        case .size: return .size(try field.size2(request.type))
        case .padding: return .padding(try padding(field))
        case .bool: return .bool(try field.bool())
        case .choice(let choices):
            let text = try field.string()
            guard choices.contains(text) else { throw PresetError.unknownChoice(path: field.path, found: text, validChoices: choices) }
            return .choice(text)
        case .floats:
            if let rows = request.rows, let nested = field.nestedRowCount, nested != rows {
                throw PresetError.invalidValue(
                    path: field.path, value: nested == 1 ? "1 row" : "\(nested) rows", requirement: "\(rows) rows, one per output channel")
            }
            return .floats(try field.floats())
        }
    }

    private mutating func parallel(_ field: JSONField) throws(PresetError) -> Node {
        let keys = ["merge", "branches"]
        let object = try field.object(allowed: ["type", "name"] + keys, owner: "a parallel layer", listed: keys)
        let name = try object.optional("name")?.string() ?? defaultName(for: "parallel")
        let merge = try object.optional("merge")?.choice(Merge.self) ?? .concat
        let branchesField = try object.required("branches", hint: "\"branches\": [[layers…], [layers…]]")
        let branchFields = try branchesField.array(expected: "an array of branches, each an array of layers")
        guard !branchFields.isEmpty else {
            throw PresetError.invalidValue(
                path: branchesField.path, value: "empty", requirement: "at least one branch ([] is an identity branch)")
        }
        var branches: [[Node]] = []
        for branch in branchFields {
            branches.append(try sequence(branch, expected: "an array of layers (an empty [] is the identity)"))
        }
        return Node(name, parallel: ParallelBlock(branches: branches, merge: merge))
    }

    private mutating func inception(_ field: JSONField) throws(PresetError) -> Node {
        let keys = InceptionShorthand.keys + ["relu"]
        let object = try field.object(allowed: ["type", "name"] + keys, owner: "an inception block", listed: keys)
        let name = try object.optional("name")?.string() ?? defaultName(for: "inception")
        var counts: [Int] = []
        for key in InceptionShorthand.keys {
            counts.append(try object.required(key, hint: "\"\(key)\": its number of output channels").positiveInt())
        }
        let shorthand = InceptionShorthand(
            conv1x1: counts[0], reduce3x3: counts[1], conv3x3: counts[2],
            reduce5x5: counts[3], conv5x5: counts[4], poolProjection: counts[5],
            relu: try object.optional("relu")?.bool() ?? true)
        return shorthand.expand(name: name)
    }

    /// Conv padding: an integer, a `[height, width]` pair, or `"same"`.
    private static func padding(_ field: JSONField) throws(PresetError) -> Padding {
        if case .string(let text) = field.value {
            guard text == "same" else { throw PresetError.unknownChoice(path: field.path, found: text, validChoices: ["same"]) }
            return .same
        }
        if case .number = field.value { return .explicit(try field.size2(.padding)) }
        if case .array = field.value { return .explicit(try field.size2(.padding)) }
        throw field.wrongType("an integer, a [height, width] pair or \"same\"")
    }
}
