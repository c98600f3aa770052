import Foundation
import Testing

@testable import ConvEngine

/// Batches through the same kernels as one image: a batch of one is the playground's forward pass bit for bit,
/// a batch of N gives each image what it gets alone, and gradients do not depend on the thread count.
@Suite(.serialized)
struct TrainableNetworkTests {
    static let network = ReferenceNetworks.everyLayer

    static func images(_ count: Int, seed: UInt64) -> [Tensor] {
        (0..<count).map { ReferenceNetworks.randomInput(for: network, seed: seed + UInt64($0)) }
    }

    @Test func batchOfOneIsTheForwardSessionBitForBit() throws {
        let model = try TrainableNetwork(network: Self.network)
        let image = Self.images(1, seed: 40)[0]
        var session = try ForwardSession(network: Self.network, input: image)
        session.runToEnd()
        let activations = model.forward(Batch(images: [image]), mode: .inference)
        for (i, path) in model.order.enumerated() {
            #expect(activations.outputs[i] == session.output(of: path)!.data, "\(path)")
        }
    }

    @Test func eachImageOfABatchGetsWhatItGetsAlone() throws {
        let model = try TrainableNetwork(network: Self.network)
        let images = Self.images(5, seed: 50)
        let batch = model.forward(Batch(images: images), mode: .inference)
        for (n, image) in images.enumerated() {
            let alone = model.forward(Batch(images: [image]), mode: .inference)
            for i in model.order.indices {
                let shape = model.shapes.output(of: model.order[i])
                let fromBatch = Batch(shape: shape, count: images.count, data: batch.outputs[i]).image(n).data
                let difference = largestDifference(fromBatch, alone.outputs[i])
                #expect(difference <= 1e-5 * max(1, alone.outputs[i].map(abs).max() ?? 0), "image \(n) \(model.order[i]): \(difference)")
            }
        }
    }

    /// Big enough that every kernel splits its work across threads.
    static let medium = Network(
        name: "medium", input: InputSpec(shape: Shape(channels: 3, height: 16, width: 16)),
        initialization: Initialization(scheme: .he, seed: 8),
        nodes: [
            Node("conv1", Conv(outChannels: 32, kernel: Size2(5), padding: .explicit(Size2(2)))), Node("relu1", ReLU()),
            Node("pool1", Pool(kind: .max, kernel: Size2(3), stride: Size2(2), rounding: .ceil)),
            Node("conv2", Conv(outChannels: 48, kernel: Size2(3), padding: .explicit(Size2(1)))), Node("bn", BatchNorm()),
            Node("cccp", Conv(outChannels: 40, kernel: Size2(1))), Node("lrn", LocalResponseNorm()), Node("drop", Dropout()),
            Node("dense", Dense(outFeatures: 10)),
        ])

    @Test(arguments: ["every-layer", "medium"])
    func gradientsAreBitIdenticalAtAnyThreadCount(_ name: String) throws {
        let network = name == "medium" ? Self.medium : Self.network
        let model = try TrainableNetwork(network: network)
        let batch = Batch(images: (0..<6).map { ReferenceNetworks.randomInput(for: network, seed: 60 + UInt64($0)) })
        let labels = [1, 0, 5, 3, 2, 4]
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        var results: [Gradients] = []
        for threads in [1, 2, 3] {
            KernelThreads.count = threads
            results.append(model.gradients(batch, labels: labels, seed: 9, inputGradient: true).gradients)
        }
        for other in results.dropFirst() {
            #expect(other.input == results[0].input)
            for (path, gradient) in results[0].parameters { #expect(other.parameters[path] == gradient, "\(path)") }
        }
    }

    /// PyTorch's rule, by hand: running ← 0.9 · running + 0.1 · batch statistic, the variance unbiased.
    @Test func batchNormTrainingMovesTheRunningStatistics() throws {
        let stats = BatchNorm.Statistics(mean: [0.5, -1], variance: [2, 0.25], scale: [1, 1], shift: [0, 0])
        let network = Network(
            name: "bn", input: InputSpec(shape: Shape(channels: 2, height: 1, width: 2)),
            nodes: [Node("bn", BatchNorm(statistics: stats))])
        var model = try TrainableNetwork(network: network)
        // channel 0 over both images: 1, 2, 3, 4 (mean 2.5, unbiased variance 5/3); channel 1: 0, 0, 2, 2 (mean 1,
        // unbiased variance 4/3)
        let batch = Batch(images: [
            Tensor(shape: network.input.shape, data: [1, 2, 0, 0]), Tensor(shape: network.input.shape, data: [3, 4, 2, 2]),
        ])
        let activations = model.forward(batch, mode: .training(seed: 1))
        model.applyRunningUpdates(activations)
        let p = model.parameters[.top(0)]!
        #expect(largestDifference(p.runningMean!, [0.9 * 0.5 + 0.1 * 2.5, 0.9 * -1 + 0.1 * 1]) < 1e-6)
        #expect(largestDifference(p.runningVariance!, [0.9 * 2 + 0.1 * 5 / 3, 0.9 * 0.25 + 0.1 * 4 / 3]) < 1e-6)
        // normalised by the batch's own statistics (biased variance 1.25 for channel 0)
        #expect(abs(activations.outputs[0][0] - (1 - 2.5) / (1.25 + 1e-5).squareRoot()) < 1e-5)
        let inference = model.forward(batch, mode: .inference)
        #expect(inference.runningUpdates.isEmpty)
    }

    @Test func dropoutMaskIsSeededAndKeepsTheRightShare() {
        let dropout = Dropout(rate: 0.3)
        let mask = dropout.mask(count: 100_000, seed: 5)
        #expect(mask == dropout.mask(count: 100_000, seed: 5))
        #expect(mask != dropout.mask(count: 100_000, seed: 6))
        let kept = Double(mask.reduce(0, +)) / 100_000
        #expect(abs(kept - 0.7) < 0.01, "kept \(kept)")
        #expect(Set(mask) == [0, 1])
    }

    @Test func finalSoftmaxIsFusedIntoTheLoss() throws {
        let model = try TrainableNetwork(network: ReferenceNetworks.ninCifar10)
        #expect(model.scoresIndex == model.order.count - 2)
        #expect(model.classCount == 10)
        let plain = try TrainableNetwork(network: Self.network)
        #expect(plain.scoresIndex == plain.order.count - 2, "every-layer ends in a softmax too")
    }
}
