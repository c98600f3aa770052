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

    // MARK: clip and hard swish, on every instruction set

    /// A length for the vector paths: whole vectors of 8 (AVX2) or 16 (AVX-512) values, or a partial one after.
    struct LengthCase: CustomStringConvertible, Sendable {
        let name: String
        let count: Int
        var description: String { name }
    }

    static let lengths: [LengthCase] = [
        LengthCase(name: "1 value: only a tail", count: 1),
        LengthCase(name: "7 values: under one AVX2 vector", count: 7),
        LengthCase(name: "15 values: one AVX2 vector and a tail, under one AVX-512 vector", count: 15),
        LengthCase(name: "16 values: one whole AVX-512 vector", count: 16),
        LengthCase(name: "17 values: a vector and one more", count: 17),
        LengthCase(name: "1003 values: many vectors and a tail of 11", count: 1003),
        LengthCase(name: "70001 values: split across threads, a partial last piece", count: 70_001),
    ]

    /// Runs `kernel(input, output, threads)` out of place and in place on every instruction set this machine has
    /// (one thread: the forced one holds on the calling thread only; two more on the best one), and checks
    /// each result with `check(output, label)`.
    func onEveryInstructionSet(
        _ input: [Float],
        kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
        check: ([Float], String) -> Void
    ) {
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var output = [Float](repeating: .nan, count: input.count)
                output.withUnsafeMutableBufferPointer { kernel(input, $0.baseAddress!, threads) }
                check(output, "instruction set \(isa), \(threads) threads")
                var data = input
                data.withUnsafeMutableBufferPointer { kernel($0.baseAddress!, $0.baseAddress!, threads) }
                check(data, "instruction set \(isa), \(threads) threads, in place")
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    /// A residual add of two parts (the epilogue's and the merge's sum): a + b exactly, out of place and in place
    /// into either part, on every instruction set.
    @Test(arguments: lengths)
    func addOfTwoPartsOnEveryInstructionSet(_ length: LengthCase) {
        var random = TestRandom(seed: 59)
        let a = random.floats(length.count), b = random.floats(length.count)
        let expected = zip(a, b).map { $0 + $1 }
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            var output = [Float](repeating: .nan, count: length.count), intoA = a, intoB = b
            b.withUnsafeBufferPointer { bp in
                output.withUnsafeMutableBufferPointer {
                    ConvEpilogue.sum([nil, bp.baseAddress!], own: a, offset: 0, count: length.count, into: $0.baseAddress!)
                }
                intoA.withUnsafeMutableBufferPointer {
                    ConvEpilogue.sum([nil, bp.baseAddress!], own: $0.baseAddress!, offset: 0, count: length.count, into: $0.baseAddress!)
                }
            }
            a.withUnsafeBufferPointer { ap in
                intoB.withUnsafeMutableBufferPointer {
                    ConvEpilogue.sum([ap.baseAddress!, nil], own: $0.baseAddress!, offset: 0, count: length.count, into: $0.baseAddress!)
                }
            }
            Kernels.forceInstructionSet(nil)
            #expect(output == expected && intoA == expected && intoB == expected, "instruction set \(isa), \(length.name)")
        }
    }

    @Test(arguments: lengths)
    func reluOnEveryInstructionSetEqualsElementwiseMax(_ length: LengthCase) {
        var random = TestRandom(seed: 53)
        let input = random.floats(length.count)
        let expected = input.map { $0 > 0 ? $0 : 0 }
        onEveryInstructionSet(input) { x, y, threads in
            Kernels.relu(count: length.count, input: x, output: y, threads: threads)
        } check: { output, label in
            let difference = largestDifference(output, expected)
            #expect(difference == 0, "\(length.name), \(label): maxdiff \(difference)")
        }
    }

    @Test(arguments: lengths)
    func clipMatchesReference(_ length: LengthCase) {
        var random = TestRandom(seed: 43)
        let input = random.floats(length.count).map { $0 * 8 }  // more than half of them outside 0 ... 6
        let expected = Reference.clip(input, minimum: 0, maximum: 6)
        onEveryInstructionSet(input) { x, y, threads in
            Kernels.clip(count: length.count, minimum: 0, maximum: 6, input: x, output: y, threads: threads)
        } check: { output, label in
            let difference = largestDifference(output, expected)
            #expect(difference == 0, "\(length.name), \(label): maxdiff \(difference)")
        }
    }

    @Test(arguments: lengths)
    func hardSwishMatchesReference(_ length: LengthCase) {
        var random = TestRandom(seed: 47)
        let input = random.floats(length.count).map { $0 * 5 }  // the flat parts below −3 and above 3, and the curve
        let expected = Reference.hardSwish(input)
        onEveryInstructionSet(input) { x, y, threads in
            Kernels.hardSwish(count: length.count, input: x, output: y, threads: threads)
        } check: { output, label in
            let difference = largestDifference(output, expected)
            #expect(difference < 1e-6, "\(length.name), \(label): maxdiff \(difference)")
        }
    }

    /// `values` alone (15 or fewer: all in AVX-512's masked tail, AVX2's tail after one vector) and four times over
    /// (through whole vectors on every instruction set).
    static func aloneAndRepeated(_ values: [Float]) -> [[Float]] {
        [values, Array(repeatElement(values, count: 4).joined())]
    }

    /// Values where clip is easy to get wrong: ±0, the bounds and their neighbours, large values, ±∞, and NaN,
    /// which stays NaN.
    @Test func clipEdgeValues() {
        let (low, high): (Float, Float) = (-1.5, 6)
        let edges: [Float] = [
            0, -0.0, low, high, low.nextDown, low.nextUp, high.nextDown, high.nextUp, 1e30, -1e30,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
        ]
        for input in Self.aloneAndRepeated(edges) {
            let expected = Reference.clip(input, minimum: low, maximum: high)
            onEveryInstructionSet(input) { x, y, threads in
                Kernels.clip(count: input.count, minimum: low, maximum: high, input: x, output: y, threads: threads)
            } check: { output, label in
                let (difference, mismatched) = Self.largestFiniteDifference(output, expected)
                #expect(difference == 0, "\(input.count) values, \(label): maxdiff \(difference)")
                #expect(mismatched.isEmpty, "\(input.count) values, \(label): NaN or ∞ differ at \(mismatched)")
            }
        }
    }

    /// Values where hard swish is easy to get wrong: −3 and 3 (where the curve meets the flat parts) and their
    /// neighbours, ±0, tiny values, NaN and −∞ (NaN); large values come back exactly (no overflow in x · 6).
    @Test func hardSwishEdgeValues() {
        let edges: [Float] = [
            -3, 3, Float(-3).nextDown, Float(-3).nextUp, Float(3).nextDown, Float(3).nextUp, 0, -0.0, 1e-30, -1e-30,
            -1.5, -4, -1e30, .nan, -.infinity,
        ]
        let large: [Float] = [4, 1e6, 1e30, .greatestFiniteMagnitude, .infinity]
        for (input, tolerance) in Self.aloneAndRepeated(edges).map({ ($0, Float(1e-6)) })
            + Self.aloneAndRepeated(large).map({ ($0, Float(0)) })
        {
            let expected = Reference.hardSwish(input)
            onEveryInstructionSet(input) { x, y, threads in
                Kernels.hardSwish(count: input.count, input: x, output: y, threads: threads)
            } check: { output, label in
                let (difference, mismatched) = Self.largestFiniteDifference(output, expected)
                #expect(difference <= tolerance, "\(input.prefix(3))…, \(label): maxdiff \(difference)")
                #expect(mismatched.isEmpty, "\(input.prefix(3))…, \(label): NaN or ∞ differ at \(mismatched)")
            }
        }
    }

    /// The largest difference over the values the reference has as finite numbers (through `largestDifference`),
    /// and the positions where the two disagree otherwise: NaN against anything else, or different infinities.
    static func largestFiniteDifference(_ actual: [Float], _ expected: [Float]) -> (difference: Float, mismatched: [Int]) {
        let finite = expected.indices.filter { expected[$0].isFinite }
        let difference = largestDifference(finite.map { actual[$0] }, finite.map { expected[$0] })
        let mismatched = expected.indices.filter { i in
            guard !expected[i].isFinite else { return false }
            if expected[i].isNaN { return !actual[i].isNaN }
            return !(actual[i].isInfinite && actual[i].sign == expected[i].sign)
        }
        return (difference, mismatched)
    }
}
