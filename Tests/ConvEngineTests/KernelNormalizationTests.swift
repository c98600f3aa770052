import Foundation
import Testing

@testable import ConvEngine

@Suite struct KernelNormalizationTests {
    struct LRNCase: CustomStringConvertible, Sendable {
        let name: String
        let channels, planeSize, size: Int
        let alpha, beta, k: Float
        var description: String { name }
    }

    static let lrnCases: [LRNCase] = [
        LRNCase(name: "GoogLeNet size 5", channels: 16, planeSize: 30, size: 5, alpha: 1e-4, beta: 0.75, k: 1),
        LRNCase(name: "even size 4", channels: 9, planeSize: 7, size: 4, alpha: 0.5, beta: 0.75, k: 2),
        LRNCase(name: "window wider than the channels", channels: 3, planeSize: 5, size: 7, alpha: 1, beta: 0.5, k: 1),
        LRNCase(name: "size 1", channels: 4, planeSize: 6, size: 1, alpha: 2, beta: 1, k: 1),
        LRNCase(
            name: "size 11 over 24 channels: windows wider than the unrolled sums", channels: 24, planeSize: 19, size: 11,
            alpha: 0.3, beta: 0.75, k: 1.5),
        LRNCase(
            name: "64 channels × 600 positions: blocks of 256, a partial one, split across threads", channels: 64,
            planeSize: 600, size: 5, alpha: 1e-2, beta: 0.75, k: 1),
    ]

    @Test(arguments: lrnCases, [1, 2])
    func localResponseNormMatchesReference(_ c: LRNCase, threads: Int) {
        var random = TestRandom(seed: 23)
        let input = random.floats(c.channels * c.planeSize).map { $0 * 3 }
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer {
            Kernels.localResponseNorm(
                channels: c.channels, planeSize: c.planeSize, size: c.size, alpha: c.alpha,
                beta: c.beta, k: c.k, input: input, output: $0.baseAddress!, threads: threads)
        }
        let expected = Reference.localResponseNorm(
            channels: c.channels, planeSize: c.planeSize, size: c.size,
            alpha: c.alpha, beta: c.beta, k: c.k, input: input)
        let difference = largestDifference(output, expected)
        #expect(difference < 1e-5, "\(c.name), \(threads) threads: maxdiff \(difference)")
    }

    /// In place (output is the input) gives the out-of-place result: every window still sees the original values.
    @Test(arguments: lrnCases)
    func localResponseNormInPlaceMatchesReference(_ c: LRNCase) {
        var random = TestRandom(seed: 41)
        var data = random.floats(c.channels * c.planeSize).map { $0 * 3 }
        let expected = Reference.localResponseNorm(
            channels: c.channels, planeSize: c.planeSize, size: c.size,
            alpha: c.alpha, beta: c.beta, k: c.k, input: data)
        data.withUnsafeMutableBufferPointer {
            Kernels.localResponseNorm(
                channels: c.channels, planeSize: c.planeSize, size: c.size, alpha: c.alpha,
                beta: c.beta, k: c.k, input: $0.baseAddress!, output: $0.baseAddress!)
        }
        let difference = largestDifference(data, expected)
        #expect(difference < 1e-5, "\(c.name) in place: maxdiff \(difference)")
    }

    /// A small channel beside a huge one keeps its own share of the window: a running Σx² (add the entering
    /// square, subtract the leaving one) in float loses 0.8² against 30000.3² and returned 0.8 for channel 1.
    @Test func localResponseNormSmallChannelBesideAHugeOne() {
        let input: [Float] = [30000.3, 0.8]
        let (alpha, beta, k) = (1.0, 0.75, 1.0)  // size 1: each channel's window is itself
        let expected = input.map { x in Float(Double(x) / pow(k + alpha / 1 * Double(x) * Double(x), beta)) }
        var output: [Float] = [.nan, .nan]
        output.withUnsafeMutableBufferPointer {
            Kernels.localResponseNorm(
                channels: 2, planeSize: 1, size: 1, alpha: Float(alpha), beta: Float(beta), k: Float(k), input: input,
                output: $0.baseAddress!)
        }
        let difference = largestDifference(output, expected)
        #expect(difference < 1e-6, "maxdiff \(difference): got \(output), expected \(expected)")
        #expect(abs(expected[1] - 0.552_023) < 1e-6, "0.8 / (1 + 0.64)^0.75 = \(expected[1])")
    }

    @Test func localResponseNormByHand() {
        // x = (1, 2, 3) at one position, size 3, alpha/size = 1, beta 1, k 1:
        // c0 window {0,1}: 1/(1+1+4) = 1/6; c1 {0,1,2}: 2/(1+14) = 2/15; c2 {1,2}: 3/(1+13) = 3/14
        var output: [Float] = [0, 0, 0]
        output.withUnsafeMutableBufferPointer {
            Kernels.localResponseNorm(
                channels: 3, planeSize: 1, size: 3, alpha: 3, beta: 1, k: 1,
                input: [1, 2, 3], output: $0.baseAddress!)
        }
        #expect(largestDifference(output, [1.0 / 6, 2.0 / 15, 3.0 / 14]) < 1e-6)
    }

    @Test func batchNormMatchesReferenceAndHand() {
        var random = TestRandom(seed: 29)
        let channels = 6, planeSize = 11
        let input = random.floats(channels * planeSize), mean = random.floats(channels)
        let variance = random.floats(channels).map { $0 + 1.5 }, scale = random.floats(channels)
        let shift = random.floats(channels)
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer {
            Kernels.batchNorm(
                channels: channels, planeSize: planeSize, mean: mean, variance: variance, scale: scale,
                shift: shift, epsilon: 1e-5, input: input, output: $0.baseAddress!)
        }
        let expected = Reference.batchNorm(
            channels: channels, planeSize: planeSize, mean: mean, variance: variance,
            scale: scale, shift: shift, epsilon: 1e-5, input: input)
        let difference = largestDifference(output, expected)
        #expect(difference < 1e-5, "maxdiff \(difference)")

        // (5 − 1) / √(4 + 0) · 1 + 0 = 2, without scale and shift
        var hand: [Float] = [0]
        hand.withUnsafeMutableBufferPointer {
            Kernels.batchNorm(
                channels: 1, planeSize: 1, mean: [1], variance: [4], scale: nil, shift: nil,
                epsilon: 0, input: [5], output: $0.baseAddress!)
        }
        #expect(largestDifference(hand, [2]) == 0)
    }

    @Test func softmaxMatchesReferenceAndHand() {
        var random = TestRandom(seed: 31)
        let input = random.floats(10 * 13).map { $0 * 80 }  // large logits: must not overflow
        var output = [Float](repeating: .nan, count: input.count)
        output.withUnsafeMutableBufferPointer {
            Kernels.softmax(channels: 10, planeSize: 13, input: input, output: $0.baseAddress!)
        }
        let difference = largestDifference(output, Reference.softmax(channels: 10, planeSize: 13, input: input))
        #expect(difference < 1e-5, "maxdiff \(difference)")

        // logits (0, ln 3) -> (1/4, 3/4); (1000, 1000) -> (1/2, 1/2) without overflow
        var hand: [Float] = [0, 0, 0, 0]
        hand.withUnsafeMutableBufferPointer {
            Kernels.softmax(channels: 2, planeSize: 2, input: [0, 1000, Float(log(3.0)), 1000], output: $0.baseAddress!)
        }
        #expect(largestDifference(hand, [0.25, 0.5, 0.75, 0.5]) < 1e-6)
    }
}
