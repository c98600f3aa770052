import Testing

@testable import ConvEngine

@Suite struct PresetEncodeTests {
    /// The exact text for a small network, written by hand: key order, defaults left out, rows per output channel.
    @Test func writesReadableStableText() {
        let network = Network(
            name: "tiny", summary: "a test",
            input: InputSpec(shape: Shape(channels: 2, height: 1, width: 8), source: .synthetic(.noise, seed: 3)),
            initialization: Initialization(scheme: .he, seed: 42),
            nodes: [
                Node(
                    "conv",
                    Layer(
                        Conv(
                            outChannels: 2, kernel: Size2(1, 2),
                            parameters: ExplicitParameters(
                                weights: [1, -1, 0.5, 0.5, 0, 0.25, -0.125, 2], biases: [0, -0.5])))),
                Node("relu", Layer(ReLU())),
                Node("pool", Layer(Pool(kind: .average, kernel: Size2(1, 2), rounding: .ceil))),
                Node("drop", Layer(Dropout(rate: 0.4))),
            ])
        let expected = """
            {
              "format": 1,
              "name": "tiny",
              "description": "a test",
              "input": {"shape": [2, 1, 8], "source": {"synthetic": "noise", "seed": 3}},
              "init": {"scheme": "he", "seed": 42},
              "layers": [
                {
                  "type": "conv", "name": "conv", "out": 2, "kernel": [1, 2],
                  "weights": [
                    1, -1, 0.5, 0.5,
                    0, 0.25, -0.125, 2
                  ],
                  "biases": [0, -0.5]
                },
                {"type": "relu", "name": "relu"},
                {"type": "avgpool", "name": "pool", "kernel": [1, 2], "round": "ceil"},
                {"type": "dropout", "name": "drop", "rate": 0.4}
              ]
            }

            """
        #expect(Preset.encode(network) == expected)
    }

    @Test func writesAnInceptionBlockAsItsShorthand() throws {
        let block = InceptionShorthand(conv1x1: 64, reduce3x3: 96, conv3x3: 128, reduce5x5: 16, conv5x5: 32, poolProjection: 32)
        let network = Network(
            name: "i", input: InputSpec(shape: Shape(channels: 192, height: 28, width: 28)),
            nodes: [block.expand(name: "inception_3a")])
        let text = Preset.encode(network)
        #expect(
            text.contains(
                #"{"type": "inception", "name": "inception_3a", "1x1": 64, "3x3_reduce": 96, "3x3": 128, "#
                    + #""5x5_reduce": 16, "5x5": 32, "pool_proj": 32}"#))
        #expect(try Preset.decode(json: text) == network)
    }

    struct FloatCase: Sendable, CustomTestStringConvertible {
        var value: Float, text: String
        var testDescription: String { text }
    }

    @Test(arguments: [
        FloatCase(value: 1, text: "1"), FloatCase(value: -3, text: "-3"), FloatCase(value: 0.1, text: "0.1"),
        FloatCase(value: 1e-5, text: "1e-05"), FloatCase(value: 0.0625, text: "0.0625"),
        FloatCase(value: 1e20, text: "1e+20"), FloatCase(value: 1.0 / 3.0, text: "0.33333334"),
    ])
    func numbersUseTheShortestExactText(_ testCase: FloatCase) throws {
        #expect(formatShortest(testCase.value) == testCase.text)
        #expect(try JSONField(.number(testCase.text), path: "x").float() == testCase.value)
    }

    /// Values that stress the text round trip: awkward decimals, subnormals, extremes of Float.
    @Test func everyFloatSurvivesEncodeAndDecode() throws {
        var values: [Float] = [.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -0.0, 16_777_218, 9_999_999]
        var state: UInt32 = 12345
        for _ in 0..<500 {
            state = state &* 1_664_525 &+ 1_013_904_223
            values.append(Float(bitPattern: state % 0x7F80_0000) * (state & 1 == 0 ? 1 : -1))  // every finite Float
        }
        let network = Network(
            name: "f", input: InputSpec(shape: Shape(channels: 1, height: 1, width: 1)),
            nodes: [
                Node(
                    "d",
                    Layer(
                        Dense(
                            outFeatures: values.count, hasBias: false,
                            parameters: ExplicitParameters(weights: values))))
            ])
        let decoded = try Preset.decode(json: Preset.encode(network))
        guard let dense = decoded.nodes[0].layer?.as(Dense.self), let back = dense.parameters?.weights else {
            Issue.record("dense layer lost")
            return
        }
        let mismatches = zip(values, back).filter { $0.bitPattern != $1.bitPattern && !($0 == 0 && $1 == 0) }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(3))")
    }
}
