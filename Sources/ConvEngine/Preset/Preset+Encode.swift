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

    private static func encodeLayer(_ layer: Layer) -> (String, [(String, PresetOutput)]) {
        func size(_ pair: Size2) -> PresetOutput {
            pair.isSquare ? .scalar("\(pair.height)") : .array([.scalar("\(pair.height)"), .scalar("\(pair.width)")])
        }
        func number(_ value: Float) -> PresetOutput { .scalar(formatNumber(value)) }
        func values(_ values: [Float], rows: Int) -> PresetOutput {
            let rows = max(rows, 1)
            let perRow = values.count % rows == 0 ? max(values.count / rows, 1) : max(values.count, 1)
            return .numbers(
                stride(from: 0, to: values.count, by: perRow).map {
                    values[$0..<min($0 + perRow, values.count)].map(formatNumber)
                })
        }
        switch layer {
        case .conv(let conv):
            var members: [(String, PresetOutput)] = [("out", .scalar("\(conv.outChannels)")), ("kernel", size(conv.kernel))]
            if conv.stride != Size2(1) { members.append(("stride", size(conv.stride))) }
            switch conv.padding {
            case .same: members.append(("pad", .string("same")))
            case .explicit(let pad): if pad != Size2(0) { members.append(("pad", size(pad))) }
            }
            if conv.dilation != Size2(1) { members.append(("dilation", size(conv.dilation))) }
            if conv.groups != 1 { members.append(("groups", .scalar("\(conv.groups)"))) }
            if !conv.hasBias { members.append(("bias", .scalar("false"))) }
            if let explicit = conv.parameters {
                members.append(("weights", values(explicit.weights, rows: conv.outChannels)))
                if let biases = explicit.biases { members.append(("biases", values(biases, rows: 1))) }
            }
            return ("conv", members)
        case .pool(let pool):
            var members: [(String, PresetOutput)] = [("kernel", size(pool.kernel))]
            if pool.stride != pool.kernel { members.append(("stride", size(pool.stride))) }
            if pool.padding != Size2(0) { members.append(("pad", size(pool.padding))) }
            if pool.rounding != .floor { members.append(("round", .string(pool.rounding.rawValue))) }
            return (pool.kind == .max ? "maxpool" : "avgpool", members)
        case .globalAveragePool: return ("global_avgpool", [])
        case .activation(.relu): return ("relu", [])
        case .activation(.leakyRelu(let slope)): return ("leaky_relu", slope == 0.01 ? [] : [("slope", number(slope))])
        case .activation(.sigmoid): return ("sigmoid", [])
        case .activation(.tanh): return ("tanh", [])
        case .softmax: return ("softmax", [])
        case .flatten: return ("flatten", [])
        case .batchNorm(let norm):
            var members: [(String, PresetOutput)] = norm.epsilon == 1e-5 ? [] : [("eps", number(norm.epsilon))]
            if let stats = norm.statistics {
                members += [
                    ("mean", values(stats.mean, rows: 1)), ("var", values(stats.variance, rows: 1)),
                    ("scale", values(stats.scale, rows: 1)), ("shift", values(stats.shift, rows: 1)),
                ]
            }
            return ("batchnorm", members)
        case .localResponseNorm(let lrn):
            var members: [(String, PresetOutput)] = []
            if lrn.size != 5 { members.append(("size", .scalar("\(lrn.size)"))) }
            if lrn.alpha != 1e-4 { members.append(("alpha", number(lrn.alpha))) }
            if lrn.beta != 0.75 { members.append(("beta", number(lrn.beta))) }
            if lrn.k != 1 { members.append(("k", number(lrn.k))) }
            return ("lrn", members)
        case .dropout(let rate): return ("dropout", [("rate", number(rate))])
        case .dense(let dense):
            var members: [(String, PresetOutput)] = [("out", .scalar("\(dense.outFeatures)"))]
            if !dense.hasBias { members.append(("bias", .scalar("false"))) }
            if let explicit = dense.parameters {
                members.append(("weights", values(explicit.weights, rows: dense.outFeatures)))
                if let biases = explicit.biases { members.append(("biases", values(biases, rows: 1))) }
            }
            return ("dense", members)
        case .lateral(let lateral):
            guard let explicit = lateral.parameters else { return ("lateral", []) }
            let n = Int(Double(explicit.weights.count).squareRoot().rounded())
            return ("lateral", [("weights", values(explicit.weights, rows: n * n == explicit.weights.count ? n : 1))])
        }
    }

    /// The shortest text that reads back as the same `Float`: integers without a decimal point, others as
    /// Swift's shortest round-trip form (`0.0625`, `1e-05`).
    static func formatNumber(_ value: Float) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e7 { return value.sign == .minus && value == 0 ? "-0" : "\(Int(value))" }
        return value.isFinite ? "\(value)" : "null"
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
