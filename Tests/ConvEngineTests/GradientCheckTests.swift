import Foundation
import Testing

@testable import ConvEngine

/// Every layer type's backward pass against central finite differences of the loss, taken in double precision
/// on an independent double forward pass (DoubleReference), for each option that changes the arithmetic.
/// Small networks, batches of 3 or 4, every parameter tensor and the input sampled.
@Suite struct GradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let network: Network
        var batch = 3
        var mode = ForwardMode.training(seed: 21)
        /// Inputs are uniform in ±inputScale.
        var inputScale: Float = 1
        var testDescription: String { name }
    }

    static func network(_ input: Shape, _ nodes: [Node]) -> Network {
        Network(name: "check", input: InputSpec(shape: input), initialization: Initialization(scheme: .xavier, seed: 7), nodes: nodes)
    }
    static func conv(
        _ name: String, _ out: Int, _ k: Int, stride: Int = 1, pad: Padding = .none, dilation: Int = 1, groups: Int = 1, bias: Bool = true
    )
        -> Node
    {
        Node(
            name,
            Conv(
                outChannels: out, kernel: Size2(k), stride: Size2(stride), padding: pad, dilation: Size2(dilation), groups: groups,
                hasBias: bias))
    }
    static func statistics(_ c: Int, seed: UInt64) -> BatchNorm.Statistics {
        var rng = SplitMix64(seed: seed)
        return BatchNorm.Statistics(
            mean: (0..<c).map { _ in rng.nextNormal() * 0.3 }, variance: (0..<c).map { _ in 0.5 + rng.nextUnit() },
            scale: (0..<c).map { _ in 0.5 + rng.nextUnit() }, shift: (0..<c).map { _ in rng.nextNormal() * 0.2 })
    }
    static let small = Shape(channels: 2, height: 5, width: 6)

    static let cases: [Case] = [
        Case(name: "conv 3×3 pad 1", network: network(small, [conv("c", 3, 3, pad: .explicit(Size2(1)))])),
        Case(
            name: "conv stride 2 skipping the last column",
            network: network(Shape(channels: 2, height: 5, width: 7), [conv("c", 3, 2, stride: 2)])),
        Case(
            name: "conv same padding, stride 2, 3×2 kernel",
            network: network(small, [Node("c", Conv(outChannels: 4, kernel: Size2(3, 2), stride: Size2(2), padding: .same))])),
        Case(
            name: "conv dilation 2",
            network: network(Shape(channels: 2, height: 7, width: 7), [conv("c", 3, 3, pad: .explicit(Size2(2)), dilation: 2)])),
        Case(
            name: "conv groups 2",
            network: network(Shape(channels: 4, height: 5, width: 5), [conv("c", 6, 3, pad: .explicit(Size2(1)), groups: 2)])),
        Case(name: "conv 1×1 without bias (a GEMM)", network: network(small, [conv("c", 5, 1, bias: false)])),
        Case(name: "conv 1×1 stride 2", network: network(small, [conv("c", 3, 1, stride: 2)])),
        Case(name: "conv batch of one", network: network(small, [conv("c", 3, 3, pad: .explicit(Size2(1)))]), batch: 1),
        Case(
            name: "max pool 3/2 pad 1 ceil (Caffe)",
            network: network(
                Shape(channels: 2, height: 6, width: 7),
                [conv("c", 3, 1), Node("p", Pool(kind: .max, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceil))])),
        Case(name: "max pool 2 floor", network: network(small, [conv("c", 3, 1), Node("p", Pool(kind: .max, kernel: Size2(2)))])),
        Case(
            name: "average pool 3/2 pad 1 ceil (Caffe divisor)",
            network: network(
                Shape(channels: 2, height: 6, width: 7),
                [conv("c", 3, 1), Node("p", Pool(kind: .average, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceil))])),
        Case(
            name: "average pool 2 ceil overhang",
            network: network(small, [conv("c", 3, 1), Node("p", Pool(kind: .average, kernel: Size2(2), rounding: .ceil))])),
        Case(
            name: "average pool 3/2 pad 1, padding not counted, PyTorch ceil",
            network: network(
                Shape(channels: 2, height: 6, width: 7),
                [
                    conv("c", 3, 1),
                    Node(
                        "p",
                        Pool(
                            kind: .average, kernel: Size2(3), stride: Size2(2), padding: Size2(1), rounding: .ceilTorch,
                            countsPadding: false)),
                ])),
        Case(
            name: "max pool 3/2 PyTorch ceil",
            network: network(
                small, [conv("c", 3, 1), Node("p", Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceilTorch))])),
        Case(name: "global average pool", network: network(small, [conv("c", 4, 3), Node("g", GlobalAveragePool())])),
        Case(name: "relu", network: network(small, [conv("c", 3, 3), Node("a", ReLU())])),
        Case(name: "leaky relu", network: network(small, [conv("c", 3, 3), Node("a", LeakyReLU(slope: 0.2))])),
        Case(name: "sigmoid", network: network(small, [conv("c", 3, 3), Node("a", Sigmoid())])),
        Case(name: "tanh", network: network(small, [conv("c", 3, 3), Node("a", Tanh())])),
        Case(name: "clip", network: network(small, [conv("c", 3, 3), Node("a", Clip(minimum: -0.5, maximum: 0.8))])),
        Case(name: "hardswish", network: network(small, [conv("c", 3, 3), Node("a", HardSwish())]), inputScale: 5),
        Case(
            name: "batch norm, training (batch statistics)",
            network: network(small, [conv("c", 3, 3), Node("bn", BatchNorm(epsilon: 1e-3, statistics: statistics(3, seed: 4)))]),
            batch: 4),
        Case(
            name: "batch norm, inference (running statistics)",
            network: network(small, [conv("c", 3, 3), Node("bn", BatchNorm(epsilon: 1e-3, statistics: statistics(3, seed: 5)))]),
            mode: .inference),
        Case(
            name: "lrn 3",
            network: network(
                Shape(channels: 2, height: 4, width: 4),
                [conv("c", 5, 1), Node("n", LocalResponseNorm(size: 3, alpha: 0.5, beta: 0.75, k: 2))])),
        Case(
            name: "lrn 5, beta 0.6",
            network: network(
                Shape(channels: 2, height: 4, width: 4),
                [conv("c", 7, 1), Node("n", LocalResponseNorm(size: 5, alpha: 0.8, beta: 0.6, k: 1))])),
        Case(name: "dropout with a seeded mask", network: network(small, [conv("c", 3, 3), Node("d", Dropout(rate: 0.4))])),
        Case(name: "dropout at inference", network: network(small, [conv("c", 3, 3), Node("d", Dropout(rate: 0.4))]), mode: .inference),
        Case(
            name: "flatten and dense", network: network(small, [conv("c", 3, 3), Node("f", Flatten()), Node("d", Dense(outFeatures: 5))])),
        Case(
            name: "dense on a map (flattening itself), no bias",
            network: network(small, [conv("c", 3, 3), Node("d", Dense(outFeatures: 4, hasBias: false))])),
        Case(name: "lateral", network: network(small, [conv("c", 4, 3), Node("l", Lateral())])),
        Case(name: "softmax inside the network", network: network(small, [conv("c", 3, 3), Node("s", Softmax()), conv("m", 2, 1)])),
        Case(
            name: "softmax at the end, fused into the loss",
            network: network(small, [conv("c", 4, 3), Node("g", GlobalAveragePool()), Node("s", Softmax())])),
        Case(
            name: "concat block with an identity branch",
            network: network(
                small,
                [
                    Node(
                        "block",
                        parallel: ParallelBlock(branches: [
                            [conv("b1", 2, 1)], [conv("b2", 3, 3, pad: .explicit(Size2(1))), Node("r", ReLU())],
                            [Node("mp", Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1)))], [],
                        ])), conv("after", 3, 1),
                ])),
        Case(
            name: "residual add block",
            network: network(
                small,
                [
                    conv("before", 3, 1),
                    Node(
                        "res", parallel: ParallelBlock(branches: [[conv("b", 3, 3, pad: .same), Node("t", Tanh())], []], merge: .add)),
                    conv("after", 2, 1),
                ])),
    ]

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ check: Case) throws {
        let model = try TrainableNetwork(network: check.network)
        var rng = SplitMix64(seed: 3)
        let shape = check.network.input.shape
        let images = (0..<check.batch).map { _ in (0..<shape.elementCount).map { _ in (rng.nextUnit() * 2 - 1) * check.inputScale } }
        let labels = (0..<check.batch).map { _ in Int(rng.next() % UInt64(model.classCount)) }
        let batch = Batch(images: images.map { Tensor(shape: shape, data: $0) })
        let analytic = Self.gradients(model, batch, labels: labels, mode: check.mode)

        var reference = DoubleReference(model)
        var doubles = images.map { $0.map(Double.init) }
        let h = 1e-6
        func numeric(_ nudge: (Double) -> Void) -> Double {
            nudge(h)
            let up = reference.loss(doubles, labels: labels, mode: check.mode)
            nudge(-2 * h)
            let down = reference.loss(doubles, labels: labels, mode: check.mode)
            nudge(h)
            return (up - down) / (2 * h)
        }
        var worst = 0.0
        for path in model.order where model.parameters[path] != nil {
            let gradient = try #require(analytic.parameters[path], "no gradient for \(path)")
            let weight = Self.sample(gradient.weight.count).map { i in
                (gradient.weight[i], numeric { reference.weights[path]![i] += $0 })
            }
            worst = max(worst, try Self.compare(weight, "\(check.name): \(path) weight"))
            if let bias = gradient.bias {
                let pairs = Self.sample(bias.count).map { i in (bias[i], numeric { reference.biases[path]![i] += $0 }) }
                worst = max(worst, try Self.compare(pairs, "\(check.name): \(path) bias"))
            }
        }
        let inputGradient = Batch(shape: shape, count: check.batch, data: try #require(analytic.input))
        let pairs = Self.sample(shape.elementCount * check.batch).map { flat in
            let n = flat % check.batch, i = flat / check.batch
            return (inputGradient.image(n).data[i], numeric { doubles[n][i] += $0 })
        }
        worst = max(worst, try Self.compare(pairs, "\(check.name): input"))
        print("GRADIENT OK \(check.name), largest relative difference = \(worst)")
    }

    /// Forward in `mode`, the fused loss, backward: the gradients `TrainableNetwork.gradients` computes in training.
    static func gradients(_ model: TrainableNetwork, _ batch: Batch, labels: [Int], mode: ForwardMode) -> Gradients {
        if case .training(let seed) = mode { return model.gradients(batch, labels: labels, seed: seed, inputGradient: true).gradients }
        let activations = model.forward(batch, mode: mode)
        let scores = model.scores(activations)
        var gradient = [Float](repeating: 0, count: scores.count)
        _ = scores.withUnsafeBufferPointer { s in
            gradient.withUnsafeMutableBufferPointer { g in
                SoftmaxCrossEntropy.evaluate(
                    scores: s.baseAddress!, classes: model.classCount, batch: batch.count, labels: labels, gradient: g.baseAddress!)
            }
        }
        return model.backward(activations, scoresGradient: gradient, inputGradient: true)
    }

    /// Up to 24 indices spread over 0 ..< count.
    static func sample(_ count: Int) -> [Int] {
        count <= 24 ? Array(0..<count) : (0..<24).map { $0 * (count - 1) / 23 }
    }

    /// The largest difference relative to the largest numeric value; records an issue above 2e-3.
    static func compare(_ pairs: [(analytic: Float, numeric: Double)], _ label: String) throws -> Double {
        let scale = max(pairs.map { abs($0.numeric) }.max() ?? 0, 1e-4)
        let worst = pairs.map { abs(Double($0.analytic) - $0.numeric) }.max() ?? 0
        #expect(worst / scale <= 2e-3, "\(label): largest difference \(worst) against values up to \(scale)")
        return worst / scale
    }
}
