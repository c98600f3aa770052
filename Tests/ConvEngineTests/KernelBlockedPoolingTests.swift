import CKernels
import Testing

@testable import ConvEngine

/// Planar (C, P) values in the blocked layout (C/8, P, 8), by the layout's definition (not `ck_to_blocked`).
func blockedLayout(_ planar: [Float], channels: Int, positions: Int) -> [Float] {
    var blocked = [Float](repeating: .nan, count: planar.count)
    for c in 0..<channels {
        for p in 0..<positions { blocked[((c / 8) * positions + p) * 8 + c % 8] = planar[c * positions + p] }
    }
    return blocked
}

/// Blocked (C/8, P, 8) values back in the planar layout (C, P).
func planarLayout(_ blocked: [Float], channels: Int, positions: Int) -> [Float] {
    var planar = [Float](repeating: .nan, count: blocked.count)
    for c in 0..<channels {
        for p in 0..<positions { planar[c * positions + p] = blocked[((c / 8) * positions + p) * 8 + c % 8] }
    }
    return planar
}

/// Whether two arrays hold the same bits (a Bool, so a failed expectation names the case instead of printing both).
func sameBits(_ a: [Float], _ b: [Float]) -> Bool { a.map(\.bitPattern) == b.map(\.bitPattern) }

extension PoolCase {
    /// The same window on `channels` channels (a multiple of 8 for the blocked layout).
    func with(channels: Int) -> PoolCase {
        var copy = self
        copy.geometry.channels = channels
        return copy
    }
}

/// The pools the shipped networks run between convs, at their channel counts, and edge cases on one block and several.
let blockedPoolCases: [PoolCase] =
    [
        PoolCase("ResNet-50 pool1: 3×3/2 pad 1 112→56, 64 ch", c: 64, h: 112, w: 112, kernel: 3, stride: 2, pad: 1),
        PoolCase("GoogLeNet pool1: 3×3/2 ceil 112→56, 64 ch", c: 64, h: 112, w: 112, kernel: 3, stride: 2),
        PoolCase("GoogLeNet pool2: 3×3/2 ceil 56→28, 192 ch", c: 192, h: 56, w: 56, kernel: 3, stride: 2),
        PoolCase("GoogLeNet pool3: 3×3/2 ceil 28→14, 480 ch", c: 480, h: 28, w: 28, kernel: 3, stride: 2),
        PoolCase("GoogLeNet pool4: 3×3/2 ceil 14→7, 832 ch", c: 832, h: 14, w: 14, kernel: 3, stride: 2),
        PoolCase("inception-3a pool branch: 3×3/1 pad 1 on 28×28, 192 ch", c: 192, h: 28, w: 28, kernel: 3, stride: 1, pad: 1),
        PoolCase("inception-4 pool branch: 3×3/1 pad 1 on 14×14, 480 ch", c: 480, h: 14, w: 14, kernel: 3, stride: 1, pad: 1),
        PoolCase("GoogLeNet pool5: 7×7/1 on 7×7, 1024 ch", c: 1024, h: 7, w: 7, kernel: 7, stride: 1),
        PoolCase("NIN pool1: 3×3/2 ceil 32→16, 96 ch", c: 96, h: 32, w: 32, kernel: 3, stride: 2),
        PoolCase("NIN pool2: 3×3/2 ceil 16→8, 192 ch", c: 192, h: 16, w: 16, kernel: 3, stride: 2),
        PoolCase("SqueezeNet pool1: 3×3/2 ceil 111→55, 96 ch", c: 96, h: 111, w: 111, kernel: 3, stride: 2),
        PoolCase("SqueezeNet pool4: 3×3/2 ceil 55→27, 256 ch", c: 256, h: 55, w: 55, kernel: 3, stride: 2),
        PoolCase("SqueezeNet pool8: 3×3/2 ceil 27→13, 512 ch", c: 512, h: 27, w: 27, kernel: 3, stride: 2),
        PoolCase("one block, 8×8 rows, 8 ch, split by rows", c: 8, h: 160, w: 160, kernel: 3, stride: 2, pad: 1),
    ]
    + poolCases.map { $0.with(channels: $0.geometry.channels <= 8 ? 8 : 24) }
    + (1...13).flatMap { w in
        [
            PoolCase("3×3/2 ceil on 5×\(w), 16 ch", c: 16, h: 5, w: w, kernel: 3, stride: 2),
            PoolCase("3×3/1 pad 1 on 3×\(w), 8 ch", c: 8, h: 3, w: w, kernel: 3, stride: 1, pad: 1),
            PoolCase("3×3/2 pad 1 on \(w)×\(w), 8 ch", c: 8, h: w, w: w, kernel: 3, stride: 2, pad: 1),
        ]
    }
    + [
        PoolCase("3×40 window on 4×60 (chunks of 16 outputs reach 55 columns)", c: 8, h: 4, w: 60, kernel: 3, stride: 1)
            .with(kernelWidth: 40),
        PoolCase("70×70 whole plane (window wider than the column chunk)", c: 8, h: 70, w: 70, kernel: 70, stride: 1),
        PoolCase("3×3/3 (stride 3)", c: 16, h: 10, w: 11, kernel: 3, stride: 3),
        PoolCase("2×2/1 pad 2 (windows wholly in the padding)", c: 8, h: 3, w: 4, kernel: 2, stride: 1, pad: 2),
    ]

@Suite struct KernelBlockedPoolingTests {
    /// The planar pool (`maxPool2d` / `averagePool2d`) on `g` at instruction set `isa`, one thread.
    static func planar(_ g: PoolGeometry, _ input: [Float], average: Bool, isa: InstructionSet) -> [Float] {
        Kernels.forceInstructionSet(isa)
        defer { Kernels.forceInstructionSet(nil) }
        var output = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth)
        output.withUnsafeMutableBufferPointer { y in
            if average {
                Kernels.averagePool2d(g, input: input, output: y.baseAddress!, threads: 1)
            } else {
                Kernels.maxPool2d(g, input: input, output: y.baseAddress!, threads: 1)
            }
        }
        return output
    }

    /// The blocked pool on planar `input` (reordered here), its output reordered back to planar.
    /// A pool's random planar input with a NaN every `every` values from `first` on.
    static func inputWithNaNs(_ g: PoolGeometry, seed: UInt64, first: Int, every: Int) -> [Float] {
        var random = TestRandom(seed: seed)
        var input = random.floats(g.channels * g.inHeight * g.inWidth)
        for i in stride(from: first, to: input.count, by: every) { input[i] = .nan }
        return input
    }

    static func blocked(_ g: PoolGeometry, _ input: [Float], average: Bool, isa: InstructionSet, threads: Int) -> [Float] {
        Kernels.forceInstructionSet(isa)
        defer { Kernels.forceInstructionSet(nil) }
        let x = blockedLayout(input, channels: g.channels, positions: g.inHeight * g.inWidth)
        var output = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth)
        output.withUnsafeMutableBufferPointer { y in
            if average {
                Kernels.blockedAveragePool2d(g, input: x, output: y.baseAddress!, threads: threads)
            } else {
                Kernels.blockedMaxPool2d(g, input: x, output: y.baseAddress!, threads: threads)
            }
        }
        return planarLayout(output, channels: g.channels, positions: g.outHeight * g.outWidth)
    }

    /// Max and average (with and without `excludesPadding`) pools on the blocked layout give the planar pools' bits,
    /// on every instruction set, at 1 and 2 threads (workers run the best set, so 2 threads there only).
    @Test(arguments: blockedPoolCases)
    func blockedPoolsGiveThePlanarBits(_ testCase: PoolCase) {
        var random = TestRandom(seed: 43)
        let input = random.floats(testCase.geometry.channels * testCase.geometry.inHeight * testCase.geometry.inWidth)
        for (average, excludes) in [(false, false), (true, false), (true, true)] {
            var g = testCase.geometry
            g.excludesPadding = excludes
            let expected = Self.planar(g, input, average: average, isa: Kernels.supportedInstructionSets.last!)
            for isa in Kernels.supportedInstructionSets {
                for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                    let output = Self.blocked(g, input, average: average, isa: isa, threads: threads)
                    let same1 = sameBits(output, expected)
                    #expect(
                        same1,
                        "\(testCase.name), average \(average), excludesPadding \(excludes), instruction set \(isa), \(threads) threads: maxdiff \(largestDifference(output, expected))"
                    )
                }
            }
        }
    }

    /// NaN through a blocked max pool: x86's maxps (the second operand unless the first is greater) down each window
    /// column, then across the columns from −∞, values outside the input −∞ — the planar vector paths' bits, on every
    /// instruction set (the portable blocked loop too), here computed window by window.
    @Test(arguments: [
        PoolCase("3×3/2 pad 1 on 9×112", c: 16, h: 9, w: 112, kernel: 3, stride: 2, pad: 1),
        PoolCase("3×3/2 ceil on 7×111", c: 8, h: 7, w: 111, kernel: 3, stride: 2),
        PoolCase("3×3/2 ceil on 14×14", c: 24, h: 14, w: 14, kernel: 3, stride: 2),
        PoolCase("3×3/1 pad 1 on 13×13", c: 8, h: 13, w: 13, kernel: 3, stride: 1, pad: 1),
    ])
    func blockedMaxPoolCarriesNaNsAsThePlanarVectorPaths(_ testCase: PoolCase) {
        let g = testCase.geometry
        let input = Self.inputWithNaNs(g, seed: 47, first: 5, every: 37)
        let expected = Reference.maxPoolVectorOrderBits(g, input: input)
        for isa in Kernels.supportedInstructionSets {
            let output = Self.blocked(g, input, average: false, isa: isa, threads: 1)
            #expect(output.contains { $0.isNaN }, "\(testCase.name), instruction set \(isa): no NaN reached the output")
            let inOrder = output.map(\.bitPattern) == expected
            #expect(inOrder, "\(testCase.name), instruction set \(isa): not maxps in order")
            if isa > .portable {
                let planar = Self.planar(g, input, average: false, isa: isa)
                #expect(sameBits(output, planar), "\(testCase.name), instruction set \(isa): not the planar bits")
            }
        }
    }

    /// Pieces of a blocked pool (ranges of blocks and of rows, as threads take them) give the whole call's bits and
    /// write only their own outputs.
    @Test func blockedPoolPiecesWriteTheirOwnOutputs() {
        let g = PoolCase("3×3/2 pad 1 on 17×19, 24 ch", c: 24, h: 17, w: 19, kernel: 3, stride: 2, pad: 1).geometry
        var random = TestRandom(seed: 53)
        let input = random.floats(g.channels * g.inHeight * g.inWidth)
        var desc = Kernels.poolDescriptor(g)
        let count = g.channels * g.outHeight * g.outWidth, blocks = Int32(g.channels / 8), rows = Int32(g.outHeight)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for average in [false, true] {
                func run(_ b0: Int32, _ b1: Int32, _ oy0: Int32, _ oy1: Int32, into y: inout [Float]) {
                    y.withUnsafeMutableBufferPointer { y in
                        if average {
                            ck_blocked_average_pool(&desc, input, y.baseAddress!, b0, b1, oy0, oy1)
                        } else {
                            ck_blocked_max_pool(&desc, input, y.baseAddress!, b0, b1, oy0, oy1)
                        }
                    }
                }
                var whole = [Float](repeating: .nan, count: count), pieces = whole
                run(0, blocks, 0, rows, into: &whole)
                for (b0, b1) in [(Int32(0), Int32(1)), (1, blocks)] {
                    for (oy0, oy1) in [(Int32(0), Int32(3)), (3, 4), (4, rows)] { run(b0, b1, oy0, oy1, into: &pieces) }
                }
                let same3 = sameBits(pieces, whole)
                #expect(
                    same3, "average \(average), instruction set \(isa)")
                var one = [Float](repeating: .nan, count: count)
                run(1, 2, 2, 5, into: &one)
                let outside = (0..<count).filter { i in
                    let (b, oy) = (i / (g.outHeight * g.outWidth * 8), i / (g.outWidth * 8) % g.outHeight)
                    return !(b == 1 && (2..<5).contains(oy)) && !one[i].isNaN
                }
                #expect(outside.isEmpty, "average \(average), instruction set \(isa): wrote outside its block and rows")
            }
        }
    }

    /// A blocked global average pool gives `globalAveragePool`'s bits (four partial sums by position mod 4, …) on every
    /// instruction set, at 1 and 2 threads: planes under 4 values and with 1–3 left over, ResNet-50's 2048 × 7×7,
    /// SqueezeNet's 1000 × 13×13, MobileNetV2's 1280 × 7×7 (NIN's 10 channels are not a multiple of 8: planar there).
    @Test(arguments: [(8, 1), (8, 2), (16, 3), (24, 4), (16, 5), (8, 1_001), (2_048, 49), (1_000, 169), (1_280, 49)])
    func blockedGlobalAveragePoolGivesThePlanarBits(channels: Int, planeSize: Int) {
        var random = TestRandom(seed: 59)
        let input = random.floats(channels * planeSize)
        var expected = [Float](repeating: .nan, count: channels)
        expected.withUnsafeMutableBufferPointer {
            Kernels.globalAveragePool(channels: channels, planeSize: planeSize, input: input, output: $0.baseAddress!, threads: 1)
        }
        let x = blockedLayout(input, channels: channels, positions: planeSize)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var output = [Float](repeating: .nan, count: channels)
                output.withUnsafeMutableBufferPointer {
                    Kernels.blockedGlobalAveragePool(
                        channels: channels, planeSize: planeSize, input: x, output: $0.baseAddress!, threads: threads)
                }
                let same4 = sameBits(output, expected)
                #expect(
                    same4,
                    "\(channels) planes of \(planeSize), instruction set \(isa), \(threads) threads")
            }
        }
    }

    /// Blocked max pools whose calls prefetch their input (3×3/2 on more than 1 MB of input: `POOL_AHEAD` in
    /// pool_blocked.c) give maxps-in-order bits, NaN included, whole and in pieces of blocks and rows as threads take
    /// them: a ceil-mode last window on rows of 121 (not a multiple of 8), and pad 1 on 128 × 119.
    @Test(arguments: [
        PoolCase("3×3/2 ceil on 121×121, 24 ch (1.4 MB)", c: 24, h: 121, w: 121, kernel: 3, stride: 2),
        PoolCase("3×3/2 pad 1 on 128×119, 24 ch (1.5 MB)", c: 24, h: 128, w: 119, kernel: 3, stride: 2, pad: 1),
    ])
    func blockedMaxPoolsPrefetchingTheirInputGiveMaxpsInOrder(_ testCase: PoolCase) {
        let g = testCase.geometry
        let input = Self.inputWithNaNs(g, seed: 61, first: 11, every: 97)
        let expected = Reference.maxPoolVectorOrderBits(g, input: input)
        let x = blockedLayout(input, channels: g.channels, positions: g.inHeight * g.inWidth)
        var desc = Kernels.poolDescriptor(g)
        let blocks = Int32(g.channels / 8), rows = Int32(g.outHeight)
        let pieces: [[(Int32, Int32, Int32, Int32)]] = [
            [(0, blocks, 0, rows)],
            [(0, 1, 0, rows), (1, blocks, 0, 17), (1, blocks, 17, rows)],
            [(0, blocks, 0, 30), (0, blocks, 30, rows)],
        ]
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for split in pieces {
                var output = [Float](repeating: .nan, count: g.channels * g.outHeight * g.outWidth)
                output.withUnsafeMutableBufferPointer { y in
                    for (b0, b1, oy0, oy1) in split { ck_blocked_max_pool(&desc, x, y.baseAddress!, b0, b1, oy0, oy1) }
                }
                let planar = planarLayout(output, channels: g.channels, positions: g.outHeight * g.outWidth)
                let inOrder = planar.map(\.bitPattern) == expected
                #expect(inOrder, "\(testCase.name), instruction set \(isa), pieces \(split): not maxps in order")
            }
        }
    }
}
