import Testing

@testable import ConvEngine

/// The layer schemas: every type word reads, writes and checks through one description.
struct LayerSchemaTests {
    /// A network of one layer written as `layer` (a JSON object's members) on a 4×6×6 input.
    static func network(_ layer: String, input: String = "[4, 6, 6]") -> String {
        """
        {"format": 1, "name": "n", "input": {"shape": \(input)}, "layers": [{\(layer)}]}
        """
    }

    /// One layer of every type word with every preset key set away from its default.
    static let everyKeyAway: [String: String] = [
        "conv": #""type": "conv", "out": 6, "kernel": [3, 1], "stride": 2, "pad": [1, 0], "dilation": [1, 2], "groups": 2, "bias": false"#,
        "maxpool": #""type": "maxpool", "kernel": 3, "stride": 1, "pad": 1, "round": "ceil""#,
        "avgpool": #""type": "avgpool", "kernel": [2, 3], "stride": [2, 1], "pad": [1, 0], "round": "ceil""#,
        "global_avgpool": #""type": "global_avgpool""#,
        "relu": #""type": "relu""#,
        "leaky_relu": #""type": "leaky_relu", "slope": 0.2"#,
        "sigmoid": #""type": "sigmoid""#,
        "tanh": #""type": "tanh""#,
        "clip": #""type": "clip", "min": -1, "max": 1.5"#,
        "hardswish": #""type": "hardswish""#,
        "softmax": #""type": "softmax""#,
        "flatten": #""type": "flatten""#,
        "batchnorm":
            #""type": "batchnorm", "eps": 0.001, "mean": [0, 1, 2, 3], "var": [1, 1, 2, 2], "scale": [1, 2, 3, 4], "shift": [0, 0, 1, 1]"#,
        "lrn": #""type": "lrn", "size": 3, "alpha": 0.001, "beta": 0.5, "k": 2"#,
        "dropout": #""type": "dropout", "rate": 0.25"#,
        "dense": #""type": "dense", "out": 3, "bias": false"#,
        "lateral": #""type": "lateral", "weights": [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0.5]]"#,
    ]

    @Test func everyTypeWordHasACase() {
        #expect(Set(Self.everyKeyAway.keys) == Set(LayerRegistry.typeNames))
        #expect(LayerRegistry.typeNames.count == Set(LayerRegistry.typeNames).count, "type words are unique")
        #expect(Preset.layerTypes.suffix(2) == ["parallel", "inception"])
    }

    @Test(arguments: LayerRegistry.typeNames)
    func everyKeyReadsBackAndIsWrittenBecauseItDiffersFromTheDefault(type: String) throws {
        let json = Self.network(Self.everyKeyAway[type]!)
        let network = try Preset.decode(json: json)
        let layer = try #require(network.nodes.first?.layer)
        #expect(layer.typeName == type)
        _ = try network.inferShapes()
        let written = Set(layer.kind.presetSettings().map(\.key))
        let given = Set(
            Self.everyKeyAway[type]!.split(separator: ",").compactMap { part -> String? in
                let key = part.split(separator: ":")[0].trimmingCharacters(in: .whitespaces)
                return key.hasPrefix("\"") && key.count > 2 ? String(key.dropFirst().dropLast()) : nil
            }
        ).subtracting(["type"])
        #expect(written == given)
        #expect(try Preset.decode(json: Preset.encode(network)) == network)
    }

    @Test(arguments: LayerRegistry.typeNames)
    func leftOutKeysTakeTheInitialisersDefaults(type: String) throws {
        // The minimal object: the type and the required keys only.
        let required: [String: String] = [
            "conv": #", "out": 2, "kernel": 1"#, "maxpool": #", "kernel": 2"#, "avgpool": #", "kernel": 2"#, "dense": #", "out": 2"#,
        ]
        let layer = try #require(Preset.decode(json: Self.network("\"type\": \"\(type)\"" + (required[type] ?? ""))).nodes.first?.layer)
        let expected: [String: Layer] = [
            "conv": Layer(Conv(outChannels: 2, kernel: Size2(1))), "maxpool": Layer(Pool(kind: .max, kernel: Size2(2))),
            "avgpool": Layer(Pool(kind: .average, kernel: Size2(2))), "dense": Layer(Dense(outFeatures: 2)),
            "leaky_relu": Layer(LeakyReLU()), "batchnorm": Layer(BatchNorm()), "lrn": Layer(LocalResponseNorm()),
            "dropout": Layer(Dropout()), "lateral": Layer(Lateral()), "clip": Layer(Clip(minimum: 0, maximum: 6)),
        ]
        if let expected = expected[type] { #expect(layer == expected) }
        #expect(layer.kind.presetSettings().allSatisfy { ["out", "kernel"].contains($0.key) })
    }

    struct RangeCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// The layer's JSON members.
        let json: String
        /// The same layer built in code (what the playground's form produces).
        let layer: Layer
        let presetMessage: String
        let shapeMessage: String
        var testDescription: String { name }
    }

    /// One value rule each; the preset reader and shape inference word it alike because both ask the schema.
    static let rangeCases: [RangeCase] = [
        RangeCase(
            name: "dropout rate of 1", json: #""type": "dropout", "rate": 1"#, layer: Layer(Dropout(rate: 1)),
            presetMessage: "layers[0].rate is 1, but it must be at least 0 and below 1",
            shapeMessage: "layers[0] (l): rate is 1 but must be at least 0 and below 1 — change rate"),
        RangeCase(
            name: "batch norm epsilon 0", json: #""type": "batchnorm", "eps": 0"#, layer: Layer(BatchNorm(epsilon: 0)),
            presetMessage: "layers[0].eps is 0, but it must be above 0",
            shapeMessage: "layers[0] (l): eps is 0 but must be above 0 — change eps"),
        RangeCase(
            name: "even LRN size", json: #""type": "lrn", "size": 4"#, layer: Layer(LocalResponseNorm(size: 4)),
            presetMessage: "layers[0].size is 4, but it must be an odd number of at least 1",
            shapeMessage: "layers[0] (l): size is 4 but must be an odd number of at least 1 — change size"),
        RangeCase(
            name: "LRN k of 0", json: #""type": "lrn", "k": 0"#, layer: Layer(LocalResponseNorm(k: 0)),
            presetMessage: "layers[0].k is 0, but it must be above 0",
            shapeMessage: "layers[0] (l): k is 0 but must be above 0 — change k"),
        RangeCase(
            name: "pool pad as large as the kernel", json: #""type": "maxpool", "kernel": 2, "pad": 2"#,
            layer: Layer(Pool(kind: .max, kernel: Size2(2), padding: Size2(2))),
            presetMessage: "layers[0].pad is 2, but it must be smaller than the kernel",
            shapeMessage: "layers[0] (l): pad is 2 but must be smaller than the kernel — change pad"),
        RangeCase(
            name: "biases without a bias",
            json: #""type": "conv", "out": 1, "kernel": 1, "bias": false, "weights": [1, 1, 1, 1], "biases": [0]"#,
            layer: Layer(
                Conv(outChannels: 1, kernel: Size2(1), hasBias: false, parameters: ExplicitParameters(weights: [1, 1, 1, 1], biases: [0]))),
            presetMessage: "layers[0].biases is given, but it must be absent when \"bias\" is false",
            shapeMessage: "layers[0] (l): biases is given but must be absent when \"bias\" is false — change biases"),
        RangeCase(
            name: "biases without weights", json: #""type": "dense", "out": 1, "biases": [0]"#,
            layer: Layer(Dense(outFeatures: 1, parameters: ExplicitParameters(weights: [], biases: [0]))),
            presetMessage:
                "layers[0] is missing the required key \"weights\" — add \"weights\" as well: biases can only be written together with weights",
            shapeMessage: "layers[0] (l): weights is missing — add \"weights\" as well: biases can only be written together with weights"),
        RangeCase(
            name: "batch norm statistics in part", json: #""type": "batchnorm", "mean": [0, 0, 0, 0]"#,
            layer: Layer(BatchNorm(statistics: .init(mean: [0, 0, 0, 0], variance: [], scale: [], shift: []))),
            presetMessage:
                "layers[0] is missing the required key \"var\" — add \"var\": one value per channel (mean, var, scale and shift come together or not at all)",
            shapeMessage:
                "layers[0] (l): var is missing — add \"var\": one value per channel (mean, var, scale and shift come together or not at all)"
        ),
        RangeCase(
            name: "clip bounds the wrong way round", json: #""type": "clip", "min": 2, "max": 1"#,
            layer: Layer(Clip(minimum: 2, maximum: 1)),
            presetMessage: "layers[0].max is 1, but it must be at least min (2)",
            shapeMessage: "layers[0] (l): max is 1 but must be at least min (2) — change max"),
    ]

    @Test(arguments: rangeCases)
    func valueRulesSpeakAlikeInPresetsAndShapes(_ c: RangeCase) throws {
        #expect(throws: PresetError.self) { try Preset.decode(json: Self.network(c.json)) }
        do {
            _ = try Preset.decode(json: Self.network(c.json))
        } catch {
            #expect(error.description == c.presetMessage)
        }
        let network = Network(name: "n", input: InputSpec(shape: Shape(channels: 4, height: 6, width: 6)), nodes: [Node("l", c.layer)])
        do {
            _ = try network.inferShapes()
            Issue.record("shape inference accepted \(c.name)")
        } catch {
            #expect(error.description == c.shapeMessage)
        }
    }

    @Test func poolStrideLeftOutIsTheKernelAndIsNotWritten() throws {
        let network = try Preset.decode(json: Self.network(#""type": "maxpool", "kernel": 3"#))
        let pool = try #require(network.nodes[0].layer?.as(Pool.self))
        #expect(pool.stride == Size2(3))
        #expect(!Preset.encode(network).contains("stride"))
        var strided = pool
        strided.stride = Size2(1)
        #expect(Layer(strided).kind.presetSettings().map(\.key) == ["kernel", "stride"])
    }

    @Test func settingFieldsByKeyBuildsTheSameLayerAsTheInitialiser() {
        let edited = Conv(outChannels: 1, kernel: Size2(1)).setting([
            "out": .int(8), "kernel": .size(Size2(3)), "pad": .padding(.same), "bias": .bool(false), "unknown": .int(3),
        ])
        #expect(edited == Layer(Conv(outChannels: 8, kernel: Size2(3), padding: .same, hasBias: false)))
    }

    @Test func formFieldsListTheEditableSettingsInOrder() {
        let conv = Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, 2, 3, 4]))
        #expect(conv.formFields().map(\.key) == ["out", "kernel", "stride", "pad", "dilation", "groups", "bias", "weights"])
        #expect(Conv(outChannels: 2, kernel: Size2(1)).formFields().map(\.key).last == "bias", "no weights field without written weights")
        #expect(
            Pool(kind: .average, kernel: Size2(2)).formFields().map(\.key) == [
                "kind", "kernel", "stride", "pad", "round", "count_include_pad",
            ])
    }

    @Test func everyTemplateBuildsALayerThatRunsOnItsSuggestedInput() throws {
        for template in LayerRegistry.templates {
            let layer = template.makeLayer(channels: 8)
            let network = Network(name: "t", input: InputSpec(shape: Shape(channels: 8, height: 6, width: 6)), nodes: [Node("l", layer)])
            #expect(throws: Never.self, "\(template.label)") { _ = try network.inferShapes() }
        }
    }

    /// Clip and hard swish as layers: their kernels agree with their scalar definitions, which are checked here
    /// against values worked out by hand.
    @Test func clipAndHardSwishComputeTheirDefinitions() throws {
        let values: [Float] = [-7, -3, -1.5, -0.25, 0, 0.5, 2.9, 3, 6, 6.5, 100]
        let input = Tensor(shape: Shape(channels: 1, height: 1, width: values.count), data: values)
        let relu6 = Network(name: "n", input: InputSpec(shape: input.shape), nodes: [Node("c", Clip())])
        #expect(try relu6.forward(input).data == [0, 0, 0, 0, 0, 0.5, 2.9, 3, 6, 6, 6])
        let hardswish = Network(name: "n", input: InputSpec(shape: input.shape), nodes: [Node("h", HardSwish())])
        let expected: [Float] = [0, 0, -0.375, -0.114_583_33, 0, 0.291_666_66, 2.851_666_7, 3, 6, 6.5, 100]
        let got = try hardswish.forward(input).data
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(got)")
        #expect(got == values.map(HardSwish().activate), "the kernel and the scalar definition agree bit for bit")
        #expect(Layer(Clip()).specText == "relu6" && Layer(Clip(minimum: -1, maximum: 1)).specText == "clip -1…1")
    }
}
