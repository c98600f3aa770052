import Testing

@testable import ConvEngine

/// Builds a one-layer network on `input` for shape checks.
func single(_ layer: Layer, input: Shape, name: String = "l") -> Network {
    Network(name: "t", input: InputSpec(shape: input), nodes: [Node(name, layer)])
}

struct ShapeInferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let layer: Layer
        let input: Shape
        let expected: Shape
        var testDescription: String { name }
    }

    // Expected shapes worked out by hand: out = ⌊(in + 2p − ((k−1)d+1)) / s⌋ + 1, Caffe ceil for pools.
    static let cases: [Case] = [
        Case(
            name: "1×1 keeps H×W", layer: Layer(Conv(outChannels: 16, kernel: Size2(1))),
            input: Shape(channels: 192, height: 28, width: 28), expected: Shape(channels: 16, height: 28, width: 28)),
        Case(
            name: "5×5 pad 2", layer: Layer(Conv(outChannels: 192, kernel: Size2(5), padding: .explicit(Size2(2)))),
            input: Shape(channels: 3, height: 32, width: 32), expected: Shape(channels: 192, height: 32, width: 32)),
        Case(
            name: "11×11 stride 4", layer: Layer(Conv(outChannels: 96, kernel: Size2(11), stride: Size2(4))),
            input: Shape(channels: 3, height: 224, width: 224), expected: Shape(channels: 96, height: 54, width: 54)),
        Case(
            name: "7×7/2 pad 3", layer: Layer(Conv(outChannels: 64, kernel: Size2(7), stride: Size2(2), padding: .explicit(Size2(3)))),
            input: Shape(channels: 3, height: 224, width: 224), expected: Shape(channels: 64, height: 112, width: 112)),
        Case(
            name: "dilation 2", layer: Layer(Conv(outChannels: 4, kernel: Size2(3), dilation: Size2(2))),
            input: Shape(channels: 2, height: 10, width: 9), expected: Shape(channels: 4, height: 6, width: 5)),
        Case(
            name: "same, stride 2, odd input", layer: Layer(Conv(outChannels: 8, kernel: Size2(3), stride: Size2(2), padding: .same)),
            input: Shape(channels: 1, height: 7, width: 8), expected: Shape(channels: 8, height: 4, width: 4)),
        Case(
            name: "1-D kernel 1×2", layer: Layer(Conv(outChannels: 2, kernel: Size2(1, 2))),
            input: Shape(channels: 2, height: 1, width: 8), expected: Shape(channels: 2, height: 1, width: 7)),
        Case(
            name: "max 3×3/2 ceil 32", layer: Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil)),
            input: Shape(channels: 96, height: 32, width: 32), expected: Shape(channels: 96, height: 16, width: 16)),
        Case(
            name: "max 3×3/2 floor 32", layer: Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .floor)),
            input: Shape(channels: 96, height: 32, width: 32), expected: Shape(channels: 96, height: 15, width: 15)),
        Case(
            name: "max 3×3/2 ceil 112", layer: Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil)),
            input: Shape(channels: 64, height: 112, width: 112), expected: Shape(channels: 64, height: 56, width: 56)),
        Case(
            name: "ceil drops a window starting in the padding",
            layer: Layer(Pool(kind: .max, kernel: Size2(2), stride: Size2(2), padding: Size2(1), rounding: .ceil)),
            input: Shape(channels: 1, height: 4, width: 4), expected: Shape(channels: 1, height: 3, width: 3)),
        Case(
            name: "global average", layer: Layer(GlobalAveragePool()),
            input: Shape(channels: 10, height: 8, width: 8), expected: Shape(channels: 10, height: 1, width: 1)),
        Case(
            name: "flatten", layer: Layer(Flatten()),
            input: Shape(channels: 4, height: 3, width: 2), expected: Shape(channels: 24, height: 1, width: 1)),
        Case(
            name: "dense", layer: Layer(Dense(outFeatures: 1000)),
            input: Shape(channels: 1024, height: 1, width: 1), expected: Shape(channels: 1000, height: 1, width: 1)),
        Case(
            name: "lateral keeps shape", layer: Layer(Lateral()),
            input: Shape(channels: 5, height: 3, width: 3), expected: Shape(channels: 5, height: 3, width: 3)),
    ]

    @Test(arguments: cases)
    func outputShape(_ c: Case) throws {
        let shapes = try single(c.layer, input: c.input).inferShapes()
        #expect(shapes.output == c.expected)
    }

    @Test func concatAddsChannels() throws {
        let block = ParallelBlock(branches: [
            [Node("a", Layer(Conv(outChannels: 4, kernel: Size2(1))))],
            [Node("b", Layer(Conv(outChannels: 6, kernel: Size2(3), padding: .explicit(Size2(1)))))],
            [],
        ])
        let net = Network(
            name: "t", input: InputSpec(shape: Shape(channels: 3, height: 5, width: 5)),
            nodes: [Node("mix", parallel: block)])
        let shapes = try net.inferShapes()
        #expect(shapes.output == Shape(channels: 13, height: 5, width: 5))
        #expect(shapes.outputs[NodePath([0, 1, 0])] == Shape(channels: 6, height: 5, width: 5))
    }
}

struct ShapeErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let network: Network
        let message: String
        var testDescription: String { name }
    }

    static let small = Shape(channels: 3, height: 4, width: 4)
    static let cases: [Case] = [
        Case(
            name: "kernel larger than padded input",
            network: Network(
                name: "t", input: InputSpec(shape: small),
                nodes: [
                    Node("relu", Layer(ReLU())),
                    Node("big", Layer(Conv(outChannels: 2, kernel: Size2(5), padding: .explicit(Size2(0))))),
                ]),
            message:
                "layers[1] (big): kernel 5×5 is larger than its padded input 4×4 — use a smaller kernel, more padding, or remove a downsampling layer before it"
        ),
        Case(
            name: "zero out channels",
            network: single(Layer(Conv(outChannels: 0, kernel: Size2(1))), input: small, name: "c"),
            message: "layers[0] (c): out is 0 but must be at least 1 — change out"),
        Case(
            name: "groups do not divide",
            network: single(Layer(Conv(outChannels: 4, kernel: Size2(1), groups: 2)), input: small, name: "g"),
            message: "layers[0] (g): input channels 3 do not split into 2 groups — make the channel count a multiple of groups"),
        Case(
            name: "concat of different sizes",
            network: Network(
                name: "t", input: InputSpec(shape: small),
                nodes: [
                    Node(
                        "m",
                        parallel: ParallelBlock(branches: [
                            [Node("a", Layer(Conv(outChannels: 2, kernel: Size2(1))))],
                            [Node("b", Layer(Conv(outChannels: 2, kernel: Size2(3))))],
                        ]))
                ]),
            message:
                "layers[0] (m): concat needs every branch at the same height × width but got 2×4×4, 2×2×2 — pad or stride the branches alike"
        ),
        Case(
            name: "add of different channels",
            network: Network(
                name: "t", input: InputSpec(shape: small),
                nodes: [
                    Node(
                        "res",
                        parallel: ParallelBlock(
                            branches: [
                                [Node("a", Layer(Conv(outChannels: 8, kernel: Size2(1))))], [],
                            ], merge: .add))
                ]),
            message:
                "layers[0] (res): add needs every branch to have the same shape but got 8×4×4, 3×4×4 — add a 1×1 conv to the shorter branch to match channels, or match strides"
        ),
        Case(
            name: "error deep in a branch names its path",
            network: Network(
                name: "t", input: InputSpec(shape: small),
                nodes: [
                    Node("relu", Layer(ReLU())),
                    Node(
                        "m",
                        parallel: ParallelBlock(branches: [
                            [Node("a", Layer(Conv(outChannels: 2, kernel: Size2(1))))],
                            [Node("b", Layer(ReLU())), Node("bad", Layer(Conv(outChannels: 2, kernel: Size2(1), stride: Size2(0))))],
                        ])),
                ]),
            message: "layers[1].branches[1][1] (bad): stride is 0 but must be at least 1 — change stride"),
        Case(
            name: "explicit weights of the wrong length",
            network: single(
                Layer(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, 2, 3]))), input: small, name: "w"),
            message:
                "layers[0] (w): weights has 3 values but the layer needs 6 — write 6 values or remove them to draw them from the initialiser"
        ),
    ]

    @Test(arguments: cases)
    func message(_ c: Case) {
        #expect(throws: ShapeError.self) { try c.network.inferShapes() }
        do { _ = try c.network.inferShapes() } catch { #expect(error.description == c.message) }
    }

    @Test func memoryCap() throws {
        let net = single(Layer(Conv(outChannels: 64, kernel: Size2(1))), input: Shape(channels: 3, height: 64, width: 64))
        // Activations: input 3·64·64 + output 64·64·64 floats = 274,432 · 4 bytes. Parameters: weight 64·3 + bias 64,
        // and the weight packed in 16-row panels (64·3) = 448 floats. Scratch: a pointwise conv is a plain GEMM, so
        // only the packing panels, on every thread.
        let use = MemoryUse(activations: 1_097_728, parameters: 1_792, scratch: Kernels.packingScratchFloats * 4 * KernelThreads.count)
        #expect(throws: ShapeError.memoryCap(use, cap: use.total - 1)) { try net.inferShapes(memoryCap: use.total - 1) }
        #expect(try net.inferShapes(memoryCap: use.total).memory == use)
    }

    @Test func depthwiseKeepsNoPackedWeight() throws {
        let conv = Conv(outChannels: 8, kernel: Size2(3), stride: Size2(2), groups: 8)
        let net = single(Layer(conv), input: Shape(channels: 8, height: 16, width: 16))
        // Activations: input 8·16·16 + output 8·7·7 = 2,440 floats. Parameters: weight 8·1·3·3 + bias 8 = 80 floats
        // and no packed copy (the depthwise kernel reads the plain weight; 16-row panels would add 1,152).
        // Scratch: the larger of the GEMM's packing panels and the depthwise kernel's row, on every thread.
        let shapes = try net.inferShapes()
        let g = try #require(shapes.convGeometry(at: .top(0)))
        #expect(g.isDepthwise && !g.readsPackedWeight)
        let scratch = max(Kernels.packingScratchFloats, Kernels.depthwiseScratchFloats(g))
        #expect(shapes.memory == MemoryUse(activations: 9_760, parameters: 320, scratch: scratch * 4 * KernelThreads.count))
    }

}
