import Testing

@testable import ConvEngine

@Suite struct PresetDecodeTests {
    @Test func decodesEveryFieldIntoTheCoreTypes() throws {
        let network = try Preset.decode(
            json: """
                {
                  "format": 1, "name": "all", "description": "every key",
                  "input": {"shape": [2, 9, 7], "source": {"synthetic": "noise", "seed": 18446744073709551615}},
                  "init": {"scheme": "xavier", "seed": 5, "weights": "trained"},
                  "layers": [
                    {"type": "conv", "name": "c", "out": 4, "kernel": [3, 1], "stride": [2, 1], "pad": "same",
                     "dilation": 2, "groups": 2, "bias": false},
                    {"type": "maxpool", "kernel": 3, "stride": 2, "pad": 1, "round": "ceil"},
                    {"type": "avgpool", "kernel": 2},
                    {"type": "leaky_relu", "slope": 0.2}, {"type": "leaky_relu"}, {"type": "sigmoid"}, {"type": "tanh"},
                    {"type": "batchnorm", "eps": 0.001, "mean": [0, 1, 2, 3], "var": [1, 1, 1, 1], "scale": [1, 2, 3, 4], "shift": [0, 0, 0, 1]},
                    {"type": "lrn", "size": 3, "alpha": 0.5, "beta": 1, "k": 2},
                    {"type": "dropout"},
                    {"type": "lateral"},
                    {"type": "parallel", "merge": "add", "branches": [[], [{"type": "relu"}]]},
                    {"type": "global_avgpool"}, {"type": "flatten"},
                    {"type": "dense", "out": 2, "weights": [[1, 2, 3, 4], [5, 6, 7, 8]], "biases": [0.5, -0.5]},
                    {"type": "softmax"}
                  ]
                }
                """)
        #expect(network.name == "all")
        #expect(network.summary == "every key")
        #expect(network.input == InputSpec(shape: Shape(channels: 2, height: 9, width: 7), source: .synthetic(.noise, seed: .max)))
        #expect(network.initialization == Initialization(scheme: .xavier, seed: 5, weightsDirectory: "trained"))
        let expected: [Node] = [
            Node(
                "c",
                Layer(
                    Conv(
                        outChannels: 4, kernel: Size2(3, 1), stride: Size2(2, 1), padding: .same,
                        dilation: Size2(2), groups: 2, hasBias: false))),
            Node("maxpool1", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceil))),
            Node("avgpool1", Layer(Pool(kind: .average, kernel: Size2(2)))),
            Node("leaky_relu1", Layer(LeakyReLU(slope: 0.2))),
            Node("leaky_relu2", Layer(LeakyReLU(slope: 0.01))),
            Node("sigmoid1", Layer(Sigmoid())),
            Node("tanh1", Layer(Tanh())),
            Node(
                "batchnorm1",
                Layer(
                    BatchNorm(
                        epsilon: 0.001,
                        statistics: .init(
                            mean: [0, 1, 2, 3], variance: [1, 1, 1, 1], scale: [1, 2, 3, 4], shift: [0, 0, 0, 1])))),
            Node("lrn1", Layer(LocalResponseNorm(size: 3, alpha: 0.5, beta: 1, k: 2))),
            Node("dropout1", Layer(Dropout(rate: 0.5))),
            Node("lateral1", Layer(Lateral())),
            Node("parallel1", parallel: ParallelBlock(branches: [[], [Node("relu1", Layer(ReLU()))]], merge: .add)),
            Node("global_avgpool1", Layer(GlobalAveragePool())),
            Node("flatten1", Layer(Flatten())),
            Node(
                "dense1",
                Layer(
                    Dense(
                        outFeatures: 2,
                        parameters: ExplicitParameters(
                            weights: [1, 2, 3, 4, 5, 6, 7, 8], biases: [0.5, -0.5])))),
            Node("softmax1", Layer(Softmax())),
        ]
        #expect(network.nodes.count == expected.count)
        for (got, want) in zip(network.nodes, expected) { #expect(got == want) }
    }

    @Test func defaultsFillOmittedKeys() throws {
        let network = try Preset.decode(
            json: """
                {"format": 1, "name": "d", "input": {"shape": [1, 4, 4]},
                 "layers": [{"type": "conv", "out": 1, "kernel": 3}, {"type": "maxpool", "kernel": 2}]}
                """)
        #expect(network.summary == "")
        #expect(network.input.source == .synthetic(.gradient, seed: 0))
        #expect(network.initialization == Initialization(scheme: .he, seed: 0))
        #expect(network.nodes[0] == Node("conv1", Layer(Conv(outChannels: 1, kernel: Size2(3)))))
        #expect(network.nodes[1].layer == Layer(Pool(kind: .max, kernel: Size2(2), stride: Size2(2))))
    }

    @Test func defaultNamesSkipNamesWrittenInTheFile() throws {
        let network = try Preset.decode(
            json: """
                {"format": 1, "name": "n", "input": {"shape": [1, 4, 4]},
                 "layers": [{"type": "relu"}, {"type": "parallel", "branches": [[{"type": "relu", "name": "relu2"}]]}, {"type": "relu"}]}
                """)
        #expect(network.displayOrder.compactMap { network.node(at: $0)?.name } == ["relu1", "parallel1", "relu2", "relu3"])
    }

    @Test func nestedWeightsFlattenInPyTorchOrder() throws {
        // K=2, C=1, KH=2, KW=2: nested [K][C][KH][KW] reads row-major.
        let network = try Preset.decode(
            json: """
                {"format": 1, "name": "n", "input": {"shape": [1, 2, 2], "source": {"image": "cat.ppm"}},
                 "layers": [{"type": "conv", "out": 2, "kernel": 2,
                             "weights": [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]], "biases": [[9], [10]]},
                            {"type": "lateral", "weights": [[0, 1], [1, 0]]}]}
                """)
        #expect(network.input.source == .image(path: "cat.ppm"))
        #expect(
            network.nodes[0].layer
                == Layer(
                    Conv(
                        outChannels: 2, kernel: Size2(2),
                        parameters: ExplicitParameters(
                            weights: [1, 2, 3, 4, 5, 6, 7, 8], biases: [9, 10]))))
        #expect(network.nodes[1].layer == Layer(Lateral(parameters: ExplicitParameters(weights: [0, 1, 1, 0]))))
    }

    @Test func inceptionShorthandExpandsAndNumbersUnnamedBlocks() throws {
        let network = try Preset.decode(
            json: """
                {"format": 1, "name": "i", "input": {"shape": [192, 28, 28]},
                 "layers": [{"type": "inception", "1x1": 64, "3x3_reduce": 96, "3x3": 128, "5x5_reduce": 16, "5x5": 32, "pool_proj": 32},
                            {"type": "inception", "name": "b", "relu": false,
                             "1x1": 1, "3x3_reduce": 1, "3x3": 1, "5x5_reduce": 1, "5x5": 1, "pool_proj": 1}]}
                """)
        #expect(
            network.nodes[0]
                == InceptionShorthand(
                    conv1x1: 64, reduce3x3: 96, conv3x3: 128, reduce5x5: 16,
                    conv5x5: 32, poolProjection: 32
                ).expand(name: "inception1"))
        #expect(
            network.nodes[1]
                == InceptionShorthand(
                    conv1x1: 1, reduce3x3: 1, conv3x3: 1, reduce5x5: 1, conv5x5: 1,
                    poolProjection: 1, relu: false
                ).expand(name: "b"))
        #expect(try network.inferShapes().output == Shape(channels: 4, height: 28, width: 28))
    }

    @Test func numbersReadExactlyAsWritten() throws {
        let network = try Preset.decode(
            json: """
                {"format": 1, "name": "f", "input": {"shape": [1, 1, 1]},
                 "layers": [{"type": "lateral", "weights": [0.1]}, {"type": "dropout", "rate": 3e-1}]}
                """)
        #expect(network.nodes[0].layer == Layer(Lateral(parameters: ExplicitParameters(weights: [Float("0.1")!]))))
        #expect(network.nodes[1].layer == Layer(Dropout(rate: 0.3)))
    }
}
