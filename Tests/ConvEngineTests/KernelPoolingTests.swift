import CKernels
import Testing

@testable import ConvEngine

struct PoolCase: CustomStringConvertible, Sendable {
    let name: String
    var geometry: PoolGeometry
    var description: String { name }

    /// Output size with Caffe's ceil rounding, dropping a last window that would start in the padding.
    init(_ name: String, c: Int, h: Int, w: Int, kernel: Int, stride: Int, pad: Int = 0, ceil: Bool = true) {
        func size(_ n: Int) -> Int {
            let span = n + 2 * pad - kernel
            var out = (ceil ? (span + stride - 1) / stride : span / stride) + 1
            if pad > 0 && (out - 1) * stride >= n + pad { out -= 1 }
            return out
        }
        self.name = name
        geometry = PoolGeometry(
            channels: c, inHeight: h, inWidth: w, outHeight: size(h), outWidth: size(w),
            kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
            padTop: pad, padLeft: pad)
    }
}

extension PoolCase {
    /// The same case with a window of another width (one output column when it is the plane's width).
    func with(kernelWidth: Int) -> PoolCase {
        var copy = self
        copy.geometry.kernelWidth = kernelWidth
        copy.geometry.outWidth = (geometry.inWidth + 2 * geometry.padLeft - kernelWidth) / geometry.strideWidth + 1
        return copy
    }
}

let poolCases: [PoolCase] =
    [
        PoolCase("2×2/2", c: 3, h: 8, w: 8, kernel: 2, stride: 2),
        PoolCase("3×3/2 ceil on odd 13×15 (NIN)", c: 4, h: 13, w: 15, kernel: 3, stride: 2),
        PoolCase("3×3/2 floor", c: 4, h: 13, w: 15, kernel: 3, stride: 2, ceil: false),
        PoolCase("3×3/1 pad 1 (Inception pool branch)", c: 5, h: 9, w: 7, kernel: 3, stride: 1, pad: 1),
        PoolCase("3×3/2 pad 1 ceil", c: 2, h: 10, w: 11, kernel: 3, stride: 2, pad: 1),
        PoolCase("7×7/1 whole plane (GoogLeNet head)", c: 6, h: 7, w: 7, kernel: 7, stride: 1),
        // one window over the whole plane: eight planes at a time up to 8 wide, the rest and wider rows one at a time
        PoolCase("7×7/1 whole plane, 19 channels (two blocks of 8 and 3 left)", c: 19, h: 7, w: 7, kernel: 7, stride: 1),
        PoolCase("5×3 whole plane, 16 channels (the last block ends the input)", c: 16, h: 5, w: 3, kernel: 5, stride: 1)
            .with(kernelWidth: 3),
        PoolCase("1×1 whole plane, 9 channels", c: 9, h: 1, w: 1, kernel: 1, stride: 1),
        PoolCase("8×8 whole plane, 8 channels (rows of one whole vector)", c: 8, h: 8, w: 8, kernel: 8, stride: 1),
        PoolCase("9×9 whole plane, 1 channel", c: 1, h: 9, w: 9, kernel: 9, stride: 1),
        PoolCase("20×20 whole plane, 3 channels (rows past one AVX-512 vector)", c: 3, h: 20, w: 20, kernel: 20, stride: 1),
        PoolCase("5×5/3 (GoogLeNet aux head)", c: 3, h: 14, w: 14, kernel: 5, stride: 3),
        PoolCase("large 3×3/2 ceil, split across threads", c: 192, h: 56, w: 56, kernel: 3, stride: 2),
        PoolCase("2×2/1 pad 2: windows wholly in the padding give 0", c: 2, h: 5, w: 6, kernel: 2, stride: 1, pad: 2),
        PoolCase("3×3/1 pad 1 on a 1×1 plane", c: 3, h: 1, w: 1, kernel: 3, stride: 1, pad: 1),
        PoolCase("3×3/1 pad 1 on 28×28 (GoogLeNet 3a pool)", c: 16, h: 28, w: 28, kernel: 3, stride: 1, pad: 1),
        PoolCase(
            "5×5/1 pad 2 on 9×6 (flattened same-size path, two edge columns a side)", c: 3, h: 9, w: 6, kernel: 5,
            stride: 1, pad: 2),
        PoolCase("1×1/1 (same size, no edges)", c: 2, h: 4, w: 5, kernel: 1, stride: 1),
        PoolCase("3×3/1 pad 1 on 3×3 (every output an edge)", c: 2, h: 3, w: 3, kernel: 3, stride: 1, pad: 1),
        // rows read in place a vector at a time: inner vectors, masked edges, ceil windows hanging off the end
        PoolCase("3×3/2 ceil on 7×111 (SqueezeNet pool1 rows: inner and edge vectors)", c: 2, h: 7, w: 111, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on 27×27 (a row shorter than two vectors)", c: 3, h: 27, w: 27, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on a 1×1 plane", c: 2, h: 1, w: 1, kernel: 3, stride: 2),
        PoolCase("2×2/2 on 6×70 (an even window: pairs)", c: 2, h: 6, w: 70, kernel: 2, stride: 2),
        PoolCase("3×3/1 pad 1 on 5×40 (stride 1, both edges masked)", c: 2, h: 5, w: 40, kernel: 3, stride: 1, pad: 1),
        PoolCase("17×17/1 on 17×18 (taller than the vector path's rows)", c: 2, h: 17, w: 18, kernel: 17, stride: 1),
        PoolCase("3×3/2 ceil on 16×16 (NIN pool2: the last window overhangs)", c: 3, h: 16, w: 16, kernel: 3, stride: 2),
        PoolCase(
            "3×3/2 on 5×33 (a row of one whole vector whose last window reaches the next block)", c: 2, h: 5, w: 33,
            kernel: 3, stride: 2),
        PoolCase("3×3/2 pad 1 on 33×35 (both edges masked, vectors of 16 and a part)", c: 2, h: 33, w: 35, kernel: 3, stride: 2, pad: 1),
        // 3×3/2 on rows of at most 16 columns: two output rows a vector (AVX-512), an odd row count leaves one
        PoolCase("3×3/2 ceil on 14×14 (GoogLeNet pool4: rows of 7, 7 rows)", c: 5, h: 14, w: 14, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on 9×16 (rows of 8, 4 rows)", c: 3, h: 9, w: 16, kernel: 3, stride: 2),
        PoolCase("3×3/2 on 3×4 (one output row)", c: 2, h: 3, w: 4, kernel: 3, stride: 2),
        // 3×3/2 pools with output rows of three vectors and more (the stems' pools)
        PoolCase("3×3/2 pad 1 on 9×112 (ResNet pool1 rows: 5 output rows of 56)", c: 2, h: 9, w: 112, kernel: 3, stride: 2, pad: 1),
        PoolCase("3×3/2 ceil on 4×97 (48 outputs a row, the last window overhangs)", c: 3, h: 4, w: 97, kernel: 3, stride: 2),
    ] + sameSizeMaxPoolCases

/// 3×3/1 pad 1 keeping the size, folded separably in registers (AVX2 and AVX-512): one plane row, two, rows of one part
/// vector, of whole vectors, and one lane past them.
let sameSizeMaxPoolCases = [(1, 7, 3), (2, 14, 5), (6, 15, 1), (5, 16, 3), (4, 17, 3), (3, 32, 2), (7, 33, 3)].map { h, w, c in
    PoolCase("3×3/1 pad 1 on \(h)×\(w), \(c) channels", c: c, h: h, w: w, kernel: 3, stride: 1, pad: 1)
}

@Suite struct KernelPoolingTests {
    /// On every instruction set this CPU has (workers run the best one, so other sets on one thread).
    @Test(arguments: poolCases)
    func poolsMatchReference(_ testCase: PoolCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 17)
        let input = random.floats(g.channels * g.inHeight * g.inWidth)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var maxOut = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth), averageOut = maxOut
                maxOut.withUnsafeMutableBufferPointer {
                    Kernels.maxPool2d(g, input: input, output: $0.baseAddress!, threads: threads)
                }
                averageOut.withUnsafeMutableBufferPointer {
                    Kernels.averagePool2d(g, input: input, output: $0.baseAddress!, threads: threads)
                }
                let maxDifference = largestDifference(maxOut, Reference.pool2d(g, input: input, average: false))
                let averageDifference = largestDifference(averageOut, Reference.pool2d(g, input: input, average: true))
                let context = "\(testCase.name), instruction set \(isa), \(threads) threads"
                #expect(maxDifference == 0, "\(context) max: maxdiff \(maxDifference)")
                #expect(averageDifference < 1e-5, "\(context) average: maxdiff \(averageDifference)")
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    /// A stride-1 pool on a map 28 or more wide runs in 4 channel pieces a thread (`Kernels.pool`): as tasks of a
    /// 2-thread pool loop, with the instruction set forced in each, the pieces give one thread's bits on every set.
    @Test func wideStrideOnePoolPiecesGiveOneThreadsBits() {
        let g = PoolCase("3×3/1 pad 1 on 28×28", c: 24, h: 28, w: 28, kernel: 3, stride: 1, pad: 1).geometry
        var random = TestRandom(seed: 73)
        let input = random.floats(g.channels * g.inHeight * g.inWidth)
        let pieces = Kernels.split(g.channels, parts: 8)
        var desc = Kernels.poolDescriptor(g)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for average in [false, true] {
                var one = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth), two = one
                one.withUnsafeMutableBufferPointer { y in
                    if average {
                        Kernels.averagePool2d(g, input: input, output: y.baseAddress!, threads: 1)
                    } else {
                        Kernels.maxPool2d(g, input: input, output: y.baseAddress!, threads: 1)
                    }
                }
                two.withUnsafeMutableBufferPointer { y in
                    let output = y.baseAddress!
                    withUnsafePointer(to: &desc) { desc in
                        KernelGEMMTests.onThePool(tasks: pieces.count) { task in
                            Kernels.forceInstructionSet(isa)
                            defer { Kernels.forceInstructionSet(nil) }
                            let (c0, c1) = (Int32(pieces[task].lowerBound), Int32(pieces[task].upperBound))
                            if average {
                                ck_average_pool(desc, input, output, c0, c1)
                            } else {
                                ck_max_pool(desc, input, output, c0, c1)
                            }
                        }
                    }
                }
                #expect(two.map(\.bitPattern) == one.map(\.bitPattern), "isa \(isa), average \(average)")
            }
        }
    }

    /// An average pool divides by the window clipped to the padded input, or with `excludesPadding` by the input
    /// values it holds; the vector paths add in the plain loops' order and divide once, so every instruction set
    /// gives the portable path's bits.
    @Test(arguments: poolCases, [false, true])
    func averagePoolsGiveThePlainLoopsBits(_ testCase: PoolCase, excludesPadding: Bool) {
        var g = testCase.geometry
        g.excludesPadding = excludesPadding
        var random = TestRandom(seed: 23)
        let input = random.floats(g.channels * g.inHeight * g.inWidth)
        func average(_ isa: InstructionSet?) -> [Float] {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            var output = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth)
            output.withUnsafeMutableBufferPointer { Kernels.averagePool2d(g, input: input, output: $0.baseAddress!, threads: 1) }
            return output
        }
        let plain = average(Kernels.supportedInstructionSets.first!)
        let difference = largestDifference(plain, Reference.pool2d(g, input: input, average: true))
        #expect(difference < 1e-5, "\(testCase.name), portable: maxdiff \(difference)")
        for isa in Kernels.supportedInstructionSets.dropFirst() {
            let bits = largestDifference(average(isa), plain)
            #expect(bits == 0, "\(testCase.name), excludesPadding \(excludesPadding), instruction set \(isa): maxdiff \(bits)")
        }
    }

    /// The vector max pools fold rows in order, then window columns in order from −∞, with a max that keeps its
    /// second operand on NaN (x86's maxps): every vector path gives those bits on an input with NaNs, here computed
    /// window by window.
    @Test(arguments: [
        PoolCase("3×3/2 pad 1 on 9×112", c: 3, h: 9, w: 112, kernel: 3, stride: 2, pad: 1),
        PoolCase("3×3/2 ceil on 7×111", c: 2, h: 7, w: 111, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on 27×27", c: 2, h: 27, w: 27, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on 14×14 (two output rows a vector)", c: 3, h: 14, w: 14, kernel: 3, stride: 2),
    ])
    func maxPoolVectorPathsAgreeOnNaNs(_ testCase: PoolCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 31)
        var input = random.floats(g.channels * g.inHeight * g.inWidth)
        for i in stride(from: 5, to: input.count, by: 37) { input[i] = .nan }
        var outputs: [[UInt32]] = []
        for isa in Kernels.supportedInstructionSets.dropFirst() {
            Kernels.forceInstructionSet(isa)
            var output = [Float](repeating: 0, count: g.channels * g.outHeight * g.outWidth)
            output.withUnsafeMutableBufferPointer { Kernels.maxPool2d(g, input: input, output: $0.baseAddress!, threads: 1) }
            Kernels.forceInstructionSet(nil)
            #expect(output.contains { $0.isNaN }, "\(testCase.name), instruction set \(isa): no NaN reached the output")
            outputs.append(output.map(\.bitPattern))
        }
        #expect(Set(outputs).count <= 1, "\(testCase.name): the vector paths' bits differ")
        let expected = Reference.maxPoolVectorOrderBits(g, input: input)
        for output in outputs { #expect(output == expected, "\(testCase.name): not the bits of maxps in the plain loops' order") }
    }

    /// Runs both pools on `values` laid out as one h×w channel.
    func pools(_ g: PoolGeometry, _ values: [Float]) -> (max: [Float], average: [Float]) {
        var maxOut = [Float](repeating: .nan, count: g.outHeight * g.outWidth), averageOut = maxOut
        maxOut.withUnsafeMutableBufferPointer { Kernels.maxPool2d(g, input: values, output: $0.baseAddress!) }
        averageOut.withUnsafeMutableBufferPointer { Kernels.averagePool2d(g, input: values, output: $0.baseAddress!) }
        return (maxOut, averageOut)
    }

    @Test func zeroToFifteenIntoTwoByTwo() {
        //  0  1  2  3
        //  4  5  6  7     max 2×2/2: 5 7 / 13 15
        //  8  9 10 11     avg 2×2/2: (0+1+4+5)/4 = 2.5, 4.5 / 10.5, 12.5
        // 12 13 14 15
        let g = PoolCase("2×2/2", c: 1, h: 4, w: 4, kernel: 2, stride: 2).geometry
        let (maxOut, averageOut) = pools(g, (0..<16).map(Float.init))
        #expect(largestDifference(maxOut, [5, 7, 13, 15]) == 0)
        #expect(largestDifference(averageOut, [2.5, 4.5, 10.5, 12.5]) < 1e-6)
    }

    @Test func ceilModeWindowsOverhangingTheEnd() {
        // 0..<16 in 4×4, 3×3/2 no pad, ceil -> 2×2; the last row/column of windows holds only 2 inputs
        // and Caffe divides by the clipped window: (0,1) = (2+3+6+7+10+11)/6 = 6.5, (1,1) = (10+11+14+15)/4.
        let g = PoolCase("3×3/2 ceil", c: 1, h: 4, w: 4, kernel: 3, stride: 2).geometry
        #expect(g.outHeight == 2 && g.outWidth == 2)
        let (maxOut, averageOut) = pools(g, (0..<16).map(Float.init))
        #expect(largestDifference(maxOut, [10, 11, 14, 15]) == 0)
        #expect(largestDifference(averageOut, [45.0 / 9, 39.0 / 6, 66.0 / 6, 50.0 / 4]) < 1e-6)
    }

    @Test func caffeAverageCountsPaddingInTheDivisor() {
        // 0..<25 in 5×5, 3×3/2 pad 1 -> 3×3. Every window reaches at most the padded edge (H + pad = 6),
        // so each divides by 9 even where it covers padding: corner (0,0) = (0+1+5+6)/9,
        // corner (2,2) = (18+19+23+24)/9.
        let g = PoolCase("3×3/2 pad 1", c: 1, h: 5, w: 5, kernel: 3, stride: 2, pad: 1).geometry
        #expect(g.outHeight == 3 && g.outWidth == 3)
        let (maxOut, averageOut) = pools(g, (0..<25).map(Float.init))
        let sums: [Float] = [12, 27, 24, 63, 108, 81, 72, 117, 84]
        #expect(largestDifference(averageOut, sums.map { $0 / 9 }) < 1e-6)
        #expect(largestDifference(maxOut, [6, 8, 9, 16, 18, 19, 21, 23, 24]) == 0)
    }

    /// `ck_global_average_pool` runs eight planes at a time and the rest one by one; every plane gives the bits of
    /// four partial sums by index mod 4 (each from 0, in order), then (p0 + p1) + (p2 + p3), the rest in order and
    /// one division, here written out plainly, and is near the mean in doubles. Planes under 4 values, of one vector
    /// and a part, ResNet-50's 7×7 and SqueezeNet's 13×13; channel counts with and without a block of 8 left over;
    /// 1 and 2 threads, on every instruction set.
    @Test(arguments: [(1, 1), (9, 1), (8, 2), (17, 3), (3, 4), (16, 5), (11, 8), (24, 49), (2_051, 49), (21, 169), (9, 1_001)])
    func globalAveragePoolGivesFourPartialSumsBits(channels: Int, planeSize: Int) {
        var random = TestRandom(seed: 41)
        let input = random.floats(channels * planeSize)
        let expected = (0..<channels).map { c -> Float in
            let plane = input[(c * planeSize)..<((c + 1) * planeSize)].map { $0 }
            var partial: [Float] = [0, 0, 0, 0]
            var i = 0
            while i + 4 <= planeSize {
                for k in 0..<4 { partial[k] += plane[i + k] }
                i += 4
            }
            var sum = (partial[0] + partial[1]) + (partial[2] + partial[3])
            while i < planeSize {
                sum += plane[i]
                i += 1
            }
            return sum / Float(planeSize)
        }
        let reference = Reference.globalAveragePool(channels: channels, planeSize: planeSize, input: input)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var output = [Float](repeating: .nan, count: channels)
                output.withUnsafeMutableBufferPointer {
                    Kernels.globalAveragePool(
                        channels: channels, planeSize: planeSize, input: input, output: $0.baseAddress!, threads: threads)
                }
                let context = "\(channels) planes of \(planeSize), instruction set \(isa), \(threads) threads"
                let difference = largestDifference(output, reference)
                #expect(
                    output.map(\.bitPattern) == expected.map(\.bitPattern),
                    "\(context): not the partial sums' bits, maxdiff \(largestDifference(output, expected))")
                #expect(difference < 1e-5, "\(context): maxdiff \(difference) from the mean in doubles")
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    @Test func globalAveragePoolMatchesReferenceAndHand() {
        var random = TestRandom(seed: 19)
        let input = random.floats(10 * 37)
        var output = [Float](repeating: .nan, count: 10)
        output.withUnsafeMutableBufferPointer {
            Kernels.globalAveragePool(channels: 10, planeSize: 37, input: input, output: $0.baseAddress!)
        }
        let difference = largestDifference(output, Reference.globalAveragePool(channels: 10, planeSize: 37, input: input))
        #expect(difference < 1e-5, "maxdiff \(difference)")

        var hand: [Float] = [0, 0]
        hand.withUnsafeMutableBufferPointer {
            Kernels.globalAveragePool(
                channels: 2, planeSize: 4, input: [1, 2, 3, 4, -1, -1, -1, 7],
                output: $0.baseAddress!)
        }
        #expect(largestDifference(hand, [2.5, 1]) == 0)
    }
}
