import Foundation
import Testing

@testable import ConvEngine

@Suite struct KernelActivationTests {
    static let input: [Float] = [-3, -0.5, 0, 0.25, 2]

    @Test func reluLeakyReluByHand() {
        var relu = Self.input, leaky = Self.input
        relu.withUnsafeMutableBufferPointer { Kernels.relu(count: 5, $0.baseAddress!) }
        leaky.withUnsafeMutableBufferPointer { Kernels.leakyRelu(count: 5, slope: 0.1, $0.baseAddress!) }
        #expect(largestDifference(relu, [0, 0, 0, 0.25, 2]) == 0)
        #expect(largestDifference(leaky, [-0.3, -0.05, 0, 0.25, 2]) < 1e-7)
    }

    /// A map large enough to be split across threads, with an odd length so the last piece is partial.
    @Test(arguments: [1, 2])
    func largeReluSplitAcrossThreadsEqualsElementwiseMax(threads: Int) {
        var random = TestRandom(seed: 31)
        let input = random.floats(200_003)
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer {
            Kernels.relu(count: input.count, input: input, output: $0.baseAddress!, threads: threads)
        }
        #expect(largestDifference(output, input.map { $0 > 0 ? $0 : 0 }) == 0)
    }

    /// The per-plane split (positions across threads, every channel) covers every value exactly once.
    @Test(arguments: [(37, 1021), (192, 256), (1, 70_000), (3, 5)], [1, 2])
    func reluByPlanesEqualsElementwiseMax(_ size: (channels: Int, planeSize: Int), threads: Int) {
        var random = TestRandom(seed: 37)
        let input = random.floats(size.channels * size.planeSize)
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer {
            Kernels.relu(
                channels: size.channels, planeSize: size.planeSize, input: input, output: $0.baseAddress!,
                threads: threads)
        }
        #expect(largestDifference(output, input.map { $0 > 0 ? $0 : 0 }) == 0, "\(size), \(threads) threads")
    }

    @Test func sigmoidTanhMatchDoublePrecision() {
        var sigmoid = [Float](repeating: .nan, count: 5), tanh = sigmoid
        sigmoid.withUnsafeMutableBufferPointer { Kernels.sigmoid(count: 5, input: Self.input, output: $0.baseAddress!) }
        tanh.withUnsafeMutableBufferPointer { Kernels.tanh(count: 5, input: Self.input, output: $0.baseAddress!) }
        let expectedSigmoid = Self.input.map { Float(1 / (1 + exp(-Double($0)))) }
        let expectedTanh = Self.input.map { Float(Foundation.tanh(Double($0))) }
        #expect(largestDifference(sigmoid, expectedSigmoid) < 1e-6)
        #expect(largestDifference(tanh, expectedTanh) < 1e-6)
        #expect(sigmoid[2] == 0.5 && tanh[2] == 0)
    }

    @Test func inPlaceAndOutOfPlaceAgree() {
        var inPlace = Self.input, outOfPlace = [Float](repeating: .nan, count: 5)
        inPlace.withUnsafeMutableBufferPointer { Kernels.sigmoid(count: 5, $0.baseAddress!) }
        outOfPlace.withUnsafeMutableBufferPointer { Kernels.sigmoid(count: 5, input: Self.input, output: $0.baseAddress!) }
        #expect(largestDifference(inPlace, outOfPlace) == 0)
    }
}
