extension Preset {
    /// Writes a network as preset JSON (format 1): stable key order, defaults left out, short layers on one
    /// line, hand-written weights one row per output channel. `decode(json: encode(n)) == n` for every network.
    public static func encode(_ network: Network) -> String {
        var members: [(String, PresetOutput)] = [
            ("format", .scalar("\(PresetError.currentFormat)")),
            ("name", .string(network.name)),
        ]
        if !network.summary.isEmpty { members.append(("description", .string(network.summary))) }
        let shape = network.input.shape
        var source: [(String, PresetOutput)]
        switch network.input.source {
        case .synthetic(let pattern, let seed):
            source = [("synthetic", .string(pattern.rawValue))]
            if seed != 0 { source.append(("seed", .scalar("\(seed)"))) }
        case .image(let path):
            source = [("image", .string(path))]
        }
        members.append(
            (
                "input",
                .object([
                    ("shape", .array(shape.dimensions.map { .scalar("\($0)") })), ("source", .object(source)),
                ])
            ))
        let initialization = network.initialization
        var initMembers: [(String, PresetOutput)] = [
            ("scheme", .string(initialization.scheme.rawValue)), ("seed", .scalar("\(initialization.seed)")),
        ]
        if let weights = initialization.weightsDirectory { initMembers.append(("weights", .string(weights))) }
        members.append(("init", .object(initMembers)))
        members.append(("layers", .array(network.nodes.map(encodeNode))))
        if !network.labels.isEmpty { members.append(("labels", .array(network.labels.map(PresetOutput.string)))) }
        return PresetOutput.object(members).render(indent: 0, forceBreak: true) + "\n"
    }

    private static func encodeNode(_ node: Node) -> PresetOutput {
        switch node.kind {
        case .parallel(let block):
            if let shorthand = InceptionShorthand(matching: node) {
                var members: [(String, PresetOutput)] = [("type", .string("inception")), ("name", .string(node.name))]
                for (key, count) in zip(InceptionShorthand.keys, shorthand.counts) { members.append((key, .scalar("\(count)"))) }
                if !shorthand.relu { members.append(("relu", .scalar("false"))) }
                return .object(members)
            }
            return .object([
                ("type", .string("parallel")), ("name", .string(node.name)), ("merge", .string(block.merge.rawValue)),
                ("branches", .array(block.branches.map { .array($0.map(encodeNode)) })),
            ])
        case .layer(let layer):
            let (type, settings) = encodeLayer(layer)
            return .object([("type", .string(type)), ("name", .string(node.name))] + settings)
        }
    }

    /// A layer's type word and settings: required keys, and the others where they differ from the defaults.
    private static func encodeLayer(_ layer: Layer) -> (String, [(String, PresetOutput)]) {
        let members = layer.kind.presetSettings().map { setting -> (String, PresetOutput) in
            let output: PresetOutput
            switch setting.value {
            case .int(let value): output = .scalar("\(value)")
            case .float(let value): output = .scalar(formatShortest(value))
            case .size(let pair): output = size(pair)
            case .padding(.same): output = .string("same")
            case .padding(.explicit(let pair)): output = size(pair)
            case .bool(let flag): output = .scalar(flag ? "true" : "false")
            case .choice(let word): output = .string(word)
            case .floats(let values): output = numbers(values ?? [], rows: setting.rows ?? 1)
            }
            return (setting.key, output)
        }
        return (layer.typeName, members)
    }

    private static func size(_ pair: Size2) -> PresetOutput {
        pair.isSquare ? .scalar("\(pair.height)") : .array([.scalar("\(pair.height)"), .scalar("\(pair.width)")])
    }

    /// Numbers laid out in `rows` rows (one per output channel) when they divide evenly, else in one row.
    private static func numbers(_ values: [Float], rows: Int) -> PresetOutput {
        let rows = max(rows, 1)
        let perRow = values.count % rows == 0 ? max(values.count / rows, 1) : max(values.count, 1)
        return .numbers(
            stride(from: 0, to: values.count, by: perRow).map {
                values[$0..<min($0 + perRow, values.count)].map(formatShortest)
            })
    }
}

/// The encoder's layout tree: like JSON, plus number rows that print one row per line.
enum PresetOutput {
    case scalar(String)
    case object([(String, PresetOutput)])
    case array([PresetOutput])
    /// Rows of number literals; a single short row prints inline, several rows one per line.
    case numbers([[String]])

    static func string(_ text: String) -> PresetOutput { .scalar(JSONValue.quoted(text)) }

    static let lineWidth = 140
    static let numbersPerLine = 16

    /// The value on one line, or `nil` when it must break (several number rows) or is longer than `limit`.
    func inline(limit: Int) -> String? {
        let text: String
        switch self {
        case .scalar(let value): text = value
        case .numbers(let rows):
            guard rows.count <= 1, (rows.first?.count ?? 0) <= Self.numbersPerLine else { return nil }
            text = "[" + (rows.first ?? []).joined(separator: ", ") + "]"
        case .array(let elements):
            var parts: [String] = []
            for element in elements {
                guard let part = element.inline(limit: limit) else { return nil }
                parts.append(part)
            }
            text = "[" + parts.joined(separator: ", ") + "]"
        case .object(let members):
            var parts: [String] = []
            for (key, value) in members {
                guard let part = value.inline(limit: limit) else { return nil }
                parts.append("\(JSONValue.quoted(key)): \(part)")
            }
            text = "{" + parts.joined(separator: ", ") + "}"
        }
        return text.count <= limit ? text : nil
    }

    /// The value laid out at `indent` spaces: inline when it fits, otherwise one member or element per line.
    func render(indent: Int, forceBreak: Bool = false) -> String {
        if !forceBreak, let text = inline(limit: Self.lineWidth - indent) { return text }
        let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
        switch self {
        case .scalar(let value): return value
        case .numbers(let rows):
            var lines: [String] = []
            for row in rows {
                stride(from: 0, to: row.count, by: Self.numbersPerLine).forEach {
                    lines.append(pad + row[$0..<min($0 + Self.numbersPerLine, row.count)].joined(separator: ", "))
                }
            }
            return "[\n" + lines.joined(separator: ",\n") + "\n" + close + "]"
        case .array(let elements):
            if elements.isEmpty { return "[]" }
            return "[\n" + elements.map { pad + $0.render(indent: indent + 2) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            // Nested objects (layers) pack their short settings onto shared lines; the top level keeps one key a line.
            var lines: [String] = []
            var packed: [String] = []
            func flush() {
                if !packed.isEmpty {
                    lines.append(pad + packed.joined(separator: ", "))
                    packed = []
                }
            }
            for (key, value) in members {
                let keyText = "\(JSONValue.quoted(key)): "
                if let fitted = value.inline(limit: Self.lineWidth - indent - 2 - keyText.count) {
                    let member = keyText + fitted
                    if forceBreak {
                        lines.append(pad + member)
                        continue
                    }
                    let width = indent + 2 + packed.reduce(0) { $0 + $1.count + 2 } + member.count
                    if width > Self.lineWidth { flush() }
                    packed.append(member)
                } else {
                    flush()
                    lines.append(pad + keyText + value.render(indent: indent + 2, forceBreak: true))
                }
            }
            flush()
            return "{\n" + lines.joined(separator: ",\n") + "\n" + close + "}"
        }
    }
}
