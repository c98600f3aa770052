import CKernels
import Testing

@testable import ConvEngine

/// Convs on the blocked layout (NCHW8c): each names the edge of `ck_blocked_conv_rows` it exercises (AVX2's tiles of
/// 4 output blocks × 3 positions, 3 × 4, 2 × 6, 1 × 8; runs along rows, across row ends and down the columns at the
/// row ends; input-block groups summed through scratch).
extension ConvCase {
    static let blocked: [ConvCase] =
        [
            ConvCase("1×1 64→64 on 14×14: one run across the row ends", c: 64, h: 14, w: 14, k: 64, kernel: (1, 1)),
            ConvCase("1×1 stride 2 32→64 on 13×13 → 7×7: runs along rows", c: 32, h: 13, w: 13, k: 64, kernel: (1, 1), stride: (2, 2)),
            ConvCase(
                "1×1 256→40 on 7×7: two input-block groups, 4 + 1 output blocks", c: 256, h: 7, w: 7, k: 40, kernel: (1, 1)),
            ConvCase("1×1 64→256 on 56×56: bands of rows, split by rows on 2 threads", c: 64, h: 56, w: 56, k: 256, kernel: (1, 1)),
            ConvCase("1×1 32→16 on 23×29: 2 blocks × 6 positions", c: 32, h: 23, w: 29, k: 16, kernel: (1, 1)),
            ConvCase("1×1 48→24 on 9×9: 3 blocks × 4 positions", c: 48, h: 9, w: 9, k: 24, kernel: (1, 1)),
            ConvCase("1×1 16→8 on 11×10: 1 block × 8 positions", c: 16, h: 11, w: 10, k: 8, kernel: (1, 1)),
            ConvCase("3×3 pad 1 32→32 on 9×11: edge columns down the rows", c: 32, h: 9, w: 11, k: 32, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 pad 1 64→64 on 56×56: input-block groups of one, split by rows on 2 threads", c: 64, h: 56, w: 56, k: 64,
                kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 pad 1 128→128 on 7×7: split by blocks on 2 threads", c: 128, h: 7, w: 7, k: 128, kernel: (3, 3),
                pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 stride 2 pad 1 16→40 on 15×15 → 8×8", c: 16, h: 15, w: 15, k: 40, kernel: (3, 3), stride: (2, 2),
                pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 stride 2 pad 1 32→32 on 56×56 → 28×28 (ResNet's 3×3/2)", c: 32, h: 56, w: 56, k: 32, kernel: (3, 3),
                stride: (2, 2), pad: (1, 1, 1, 1)),
            ConvCase("5×5 pad 2 24→16 on 10×12", c: 24, h: 10, w: 12, k: 16, kernel: (5, 5), pad: (2, 2, 2, 2)),
            ConvCase(
                "7×7 stride 2 pad 3 8→32 on 23×21 → 12×11: three edge columns a side", c: 8, h: 23, w: 21, k: 32, kernel: (7, 7),
                stride: (2, 2), pad: (3, 3, 3, 3)),
            ConvCase(
                "3×3, pads top 0 left 1 bottom 2 right 1, 16→24 on 12×14", c: 16, h: 12, w: 14, k: 24, kernel: (3, 3),
                pad: (0, 1, 2, 1)),
            ConvCase("4×4 pads 1, 1, 2, 2 16→48 on 11×10", c: 16, h: 11, w: 10, k: 48, kernel: (4, 4), pad: (1, 1, 2, 2)),
            ConvCase(
                "5×3 stride 2 × 1 pads 2, 1 8→16 on 9×19", c: 8, h: 9, w: 19, k: 16, kernel: (5, 3), stride: (2, 1),
                pad: (2, 1, 2, 1)),
            ConvCase(
                "3×3 pad 1 16→32 on 1×1: every tap but the centre in the padding", c: 16, h: 1, w: 1, k: 32, kernel: (3, 3),
                pad: (1, 1, 1, 1)),
            ConvCase("3×3 pad 2 8→8 on 2×2: positions with no tap at all", c: 8, h: 2, w: 2, k: 8, kernel: (3, 3), pad: (2, 2, 2, 2)),
        ]
        + (1...13).map { width in
            ConvCase(
                "3×3 pad 1 16→32 on 5×\(width): tiles' tails", c: 16, h: 5, w: width, k: 32, kernel: (3, 3), pad: (1, 1, 1, 1))
        }
}

/// `ck_blocked_conv_rows` and the reorders of the blocked layout: every value bit for bit as the documented order
/// sums it (bias, then one FMA a tap inside the input: input block, ky, kx, input channel of the block; then the
/// addend, then the activation), on every instruction set and at 1 and 2 threads; the packing and the reorders
/// against their index arithmetic.
@Suite struct KernelBlockedConvTests {
    /// NCHW (C, P) → (C/8, P, 8) by the layout's definition.
    static func blocked(_ planar: [Float], channels: Int) -> [Float] {
        let positions = planar.count / channels
        var out = [Float](repeating: .nan, count: planar.count)
        for c in 0..<channels {
            for p in 0..<positions { out[((c / 8) * positions + p) * 8 + c % 8] = planar[c * positions + p] }
        }
        return out
    }

    /// The documented sum of every output of `g`, laid out as NCHW: bias (or 0), the taps inside the input in the
    /// order input block, ky, kx, input channel of the block, each one fused multiply-add; plus the addend; then
    /// the activation.
    static func reference(
        _ g: ConvGeometry, input: [Float], weight: [Float], bias: [Float]?, addend: [Float]?, activation: ck_activation
    ) -> [Float] {
        let plane = g.outHeight * g.outWidth
        var out = [Float](repeating: 0, count: g.outChannels * plane)
        for m in 0..<g.outChannels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum = bias?[m] ?? 0
                    for block in 0..<g.inChannels / 8 {
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideHeight - g.padTop + ky
                            guard iy >= 0 && iy < g.inHeight else { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideWidth - g.padLeft + kx
                                guard ix >= 0 && ix < g.inWidth else { continue }
                                for c in block * 8..<block * 8 + 8 {
                                    let x = input[(c * g.inHeight + iy) * g.inWidth + ix]
                                    let w = weight[((m * g.inChannels + c) * g.kernelHeight + ky) * g.kernelWidth + kx]
                                    sum = sum.addingProduct(x, w)
                                }
                            }
                        }
                    }
                    let at = m * plane + oy * g.outWidth + ox
                    if let addend { sum += addend[at] }
                    switch activation.kind {
                    case CK_ACTIVATION_RELU: sum = sum > 0 ? sum : 0
                    case CK_ACTIVATION_CLIP:
                        sum = sum < activation.minimum ? activation.minimum : sum
                        sum = sum > activation.maximum ? activation.maximum : sum
                    default: break
                    }
                    out[at] = sum
                }
            }
        }
        return out
    }

    /// Values whose bits differ (a count, so a failure reports a number rather than two whole arrays).
    static func mismatches(_ a: [Float], _ b: [Float]) -> Int {
        zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count + abs(a.count - b.count)
    }

    /// What each run stores: the bias or not, an addend or not, and the activation.
    static let stores: [(bias: Bool, addend: Bool, activation: ck_activation, name: String)] = [
        (true, false, .none, "bias"),
        (false, true, ck_activation(kind: CK_ACTIVATION_RELU, minimum: 0, maximum: 0), "no bias, addend + ReLU"),
        (true, true, ck_activation(kind: CK_ACTIVATION_CLIP, minimum: -0.25, maximum: 0.5), "bias, addend + clip"),
    ]

    @Test(arguments: ConvCase.blocked)
    func blockedConvEqualsTheDocumentedSumOnEveryInstructionSet(_ testCase: ConvCase) {
        let g = testCase.geometry, outCount = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 89)
        let (input, weight, bias) = random.convOperands(g)
        let addend = random.floats(outCount)
        let blockedInput = Self.blocked(input, channels: g.inChannels)
        let packed = weight.withUnsafeBufferPointer { Kernels.packBlockedWeight(g, weight: $0.baseAddress!) }
        #expect(Kernels.blockedConvSupported(g))
        for store in Self.stores {
            let expected = Self.blocked(
                Self.reference(
                    g, input: input, weight: weight, bias: store.bias ? bias : nil, addend: store.addend ? addend : nil,
                    activation: store.activation), channels: g.outChannels)
            let blockedAddend = Self.blocked(addend, channels: g.outChannels)
            for isa in Kernels.supportedInstructionSets {
                Kernels.forceInstructionSet(isa)
                defer { Kernels.forceInstructionSet(nil) }
                // The forced set holds on the calling thread only: 2 threads on the best one.
                for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                    var output = [Float](repeating: .nan, count: outCount)
                    blockedAddend.withUnsafeBufferPointer { addendPointer in
                        let epilogue = ck_output_epilogue(
                            addend: store.addend ? addendPointer.baseAddress : nil, activation: store.activation)
                        Kernels.blockedConv2d(
                            g, input: blockedInput, packed: packed, bias: store.bias ? bias : nil, output: &output,
                            store: epilogue, threads: threads)
                    }
                    #expect(
                        Self.mismatches(output, expected) == 0,
                        "\(testCase.name), \(store.name), \(isa), \(threads) threads")
                }
                // The addend in the output buffer itself: each value is written once, after its last input block.
                if store.addend {
                    var output = blockedAddend
                    output.withUnsafeMutableBufferPointer { buffer in
                        let epilogue = ck_output_epilogue(addend: buffer.baseAddress, activation: store.activation)
                        Kernels.blockedConv2d(
                            g, input: blockedInput, packed: packed, bias: store.bias ? bias : nil,
                            output: buffer.baseAddress!, store: epilogue, threads: 1)
                    }
                    #expect(
                        Self.mismatches(output, expected) == 0, "\(testCase.name), \(store.name), \(isa), in place")
                }
            }
        }
    }

    /// A call for rows oy0 ..< oy1 and blocks b0 ..< b1 writes exactly those values, as the whole conv does.
    @Test func piecesWriteOnlyTheirRowsAndBlocks() {
        let g = ConvCase("", c: 24, h: 9, w: 10, k: 48, kernel: (3, 3), pad: (1, 1, 1, 1)).geometry
        Self.expectPiecesWriteOnlyTheirValues(
            g, seed: 97, pieces: [(0..<9, 0..<6), (3..<4, 1..<6), (5..<9, 2..<3), (0..<2, 0..<5)], label: "3×3")
    }

    /// Runs `ck_blocked_conv_rows` on each piece (rows, output blocks) of `g` into a NaN-filled output on every
    /// instruction set and expects the reference's bits inside the piece and NaN everywhere else.
    static func expectPiecesWriteOnlyTheirValues(
        _ g: ConvGeometry, seed: UInt64, pieces: [(rows: Range<Int>, blocks: Range<Int>)], label: String
    ) {
        let plane = g.outHeight * g.outWidth
        var random = TestRandom(seed: seed)
        let (input, weight, bias) = random.convOperands(g)
        let blockedInput = blocked(input, channels: g.inChannels)
        let packed = weight.withUnsafeBufferPointer { Kernels.packBlockedWeight(g, weight: $0.baseAddress!) }
        let expected = blocked(
            reference(g, input: input, weight: weight, bias: bias, addend: nil, activation: .none), channels: g.outChannels)
        var desc = Kernels.convDescriptor(g)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for (rows, blocks) in pieces {
                var output = [Float](repeating: .nan, count: expected.count)
                ck_blocked_conv_rows(
                    &desc, blockedInput, packed, bias, &output, Int32(rows.lowerBound), Int32(rows.upperBound),
                    Int32(blocks.lowerBound), Int32(blocks.upperBound), .none)
                for index in 0..<output.count {
                    let block = index / (plane * 8), row = index / 8 % plane / g.outWidth
                    let inside = rows.contains(row) && blocks.contains(block)
                    #expect(
                        inside ? output[index].bitPattern == expected[index].bitPattern : output[index].isNaN,
                        "\(label), \(isa), rows \(rows), blocks \(blocks): block \(block), row \(row)")
                }
            }
        }
    }

    /// The packed weight's index arithmetic: (M/8, C/8, KH, KW, 8 input channels, 8 output channels).
    @Test func packingPutsEachWeightAtItsBlockTapAndLanes() {
        let g = ConvCase("", c: 16, h: 4, w: 4, k: 24, kernel: (3, 2)).geometry
        let weight = (0..<g.weightCount).map(Float.init)
        let packed = weight.withUnsafeBufferPointer { Kernels.packBlockedWeight(g, weight: $0.baseAddress!) }
        #expect(packed.count == 24 * 16 * 3 * 2)
        for m in 0..<24 {
            for c in 0..<16 {
                for ky in 0..<3 {
                    for kx in 0..<2 {
                        let at = (((((m / 8) * 2 + c / 8) * 3 + ky) * 2 + kx) * 8 + c % 8) * 8 + m % 8
                        #expect(packed[at] == weight[((m * 16 + c) * 3 + ky) * 2 + kx], "m \(m), c \(c), ky \(ky), kx \(kx)")
                    }
                }
            }
        }
    }

    /// NCHW → blocked → NCHW on every instruction set, whole 8 × 8 transposes and tails of 1–7 positions, split by
    /// blocks on 2 threads.
    @Test(arguments: [1, 7, 8, 13, 64, 195, 4099])
    func reordersFollowTheLayoutAndRoundTrip(_ positions: Int) {
        let channels = 24
        var random = TestRandom(seed: 101)
        let planar = random.floats(channels * positions)
        let expected = Self.blocked(planar, channels: channels)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var blockedValues = [Float](repeating: .nan, count: planar.count)
                var back = [Float](repeating: .nan, count: planar.count)
                Kernels.toBlocked(
                    channels: channels, positions: positions, input: planar, output: &blockedValues, threads: threads)
                Kernels.fromBlocked(
                    channels: channels, positions: positions, input: blockedValues, output: &back, threads: threads)
                #expect(
                    Self.mismatches(blockedValues, expected) == 0 && Self.mismatches(back, planar) == 0,
                    "\(positions) positions, \(isa), \(threads) threads")
            }
        }
    }

    /// The 2-thread split: rows where the input is larger than the weights on a map of at least 8 rows, blocks of
    /// the kernel's 4 where they divide evenly, single blocks else; one piece for a small conv.
    @Test func twoThreadsSplitByRowsOrByBlocks() {
        func pieces(_ c: Int, _ hw: Int, _ k: Int, _ kernel: Int) -> ([Range<Int>], [Range<Int>]) {
            let g = ConvCase("", c: c, h: hw, w: hw, k: k, kernel: (kernel, kernel), pad: (kernel / 2, kernel / 2, kernel / 2, kernel / 2))
            let split = Kernels.blockedConvPieces(g.geometry, threads: 2)
            return (split.rows, split.blocks)
        }
        #expect(pieces(64, 56, 64, 3) == ([0..<28, 28..<56], [0..<8]))
        #expect(pieces(512, 7, 512, 3) == ([0..<7], [0..<32, 32..<64]))
        #expect(pieces(256, 14, 256, 3) == ([0..<14], [0..<16, 16..<32]))
        #expect(pieces(1024, 14, 96, 3) == ([0..<14], [0..<6, 6..<12]))
        #expect(pieces(16, 5, 16, 3) == ([0..<5], [0..<2]))
    }
}

/// Small maps (7×7 and less, k×k): every pad, kernels up to 9×9, widths 1–13, several input-block groups, 4 + 3 and
/// 4 + 1 output blocks, bands of rows on a narrow tall map; AVX2's window kinds cut such rows into runs of 1–5
/// positions.
extension ConvCase {
    static let blockedSmallMaps: [ConvCase] =
        [
            ConvCase("3×3 pad 1 32→32 on 7×7: two input-block groups", c: 32, h: 7, w: 7, k: 32, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 pad 1 72→56 on 7×7: three input-block groups, 4 + 3 output blocks", c: 72, h: 7, w: 7, k: 56,
                kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("3×3 pad 1 16→40 on 7×7: 4 + 1 output blocks", c: 16, h: 7, w: 7, k: 40, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("3×3 no pad 32→32 on 7×7 → 5×5", c: 32, h: 7, w: 7, k: 32, kernel: (3, 3)),
            ConvCase("3×3 pads 0, 1, 2, 1 24→32 on 6×7", c: 24, h: 6, w: 7, k: 32, kernel: (3, 3), pad: (0, 1, 2, 1)),
            ConvCase("3×3 pad 2 16→32 on 3×3: positions with no tap at all", c: 16, h: 3, w: 3, k: 32, kernel: (3, 3), pad: (2, 2, 2, 2)),
            ConvCase("5×5 pad 2 40→32 on 7×7", c: 40, h: 7, w: 7, k: 32, kernel: (5, 5), pad: (2, 2, 2, 2)),
            ConvCase("7×7 pad 3 8→24 on 7×7: 49 taps", c: 8, h: 7, w: 7, k: 24, kernel: (7, 7), pad: (3, 3, 3, 3)),
            ConvCase("9×9 pad 4 8→32 on 9×9: 81 taps", c: 8, h: 9, w: 9, k: 32, kernel: (9, 9), pad: (4, 4, 4, 4)),
            ConvCase("1×3 pads 0, 1 16→32 on 5×6", c: 16, h: 5, w: 6, k: 32, kernel: (1, 3), pad: (0, 1, 0, 1)),
            ConvCase(
                "3×3 stride 2 pad 1 64→32 on 14×14 → 7×7", c: 64, h: 14, w: 14, k: 32, kernel: (3, 3), stride: (2, 2),
                pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 stride 2 pad 1 32→32 on 13×13 → 7×7: the last column's taps reach the padding", c: 32, h: 13, w: 13, k: 32,
                kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 pad 1 32→32 on 40×14: two bands of rows, split by rows on 2 threads", c: 32, h: 40, w: 14, k: 32,
                kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("3×3 pad 1 32→32 on 14×15", c: 32, h: 14, w: 15, k: 32, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ]
        + (1...13).map { width in
            ConvCase(
                "3×3 pad 1 32→24 on \(8 - width % 6)×\(width): tiles' tails", c: 32, h: 8 - width % 6, w: width, k: 24,
                kernel: (3, 3), pad: (1, 1, 1, 1))
        }
}

extension KernelBlockedConvTests {
    @Test(arguments: ConvCase.blockedSmallMaps)
    func blockedConvOnSmallMapsEqualsTheDocumentedSum(_ testCase: ConvCase) {
        blockedConvEqualsTheDocumentedSumOnEveryInstructionSet(testCase)
    }
}

/// The pointwise kernel's edges (conv_blocked_1x1_avx2.c on AVX2: 1×1s without padding in groups of 4 output blocks ×
/// 3 positions, bands of 256 positions across the row ends at any stride, input-block groups summed through scratch;
/// output blocks beyond the last group of 4 and padded 1×1s on the general kernel).
extension ConvCase {
    static let blockedPointwise: [ConvCase] = [
        ConvCase("1×1 64→32 on 7×7: one group of 4 blocks, tiles of 3 and 2 positions", c: 64, h: 7, w: 7, k: 32, kernel: (1, 1)),
        ConvCase("1×1 16→32 on 1×1: a tile of one position", c: 16, h: 1, w: 1, k: 32, kernel: (1, 1)),
        ConvCase("1×1 16→32 on 1×2: a tile of two positions", c: 16, h: 1, w: 2, k: 32, kernel: (1, 1)),
        ConvCase(
            "1×1 256→40 on 5×5: two input-block groups, 4 blocks here and 1 on the general kernel", c: 256, h: 5, w: 5, k: 40,
            kernel: (1, 1)),
        ConvCase("1×1 136→64 on 6×7: 17 input blocks in groups of 9 and 8", c: 136, h: 6, w: 7, k: 64, kernel: (1, 1)),
        ConvCase("1×1 64→32 on 40×40: bands of positions across row ends", c: 64, h: 40, w: 40, k: 32, kernel: (1, 1)),
        ConvCase(
            "1×1 256→56 on 23×23: bands and groups, 4 + 3 output blocks", c: 256, h: 23, w: 23, k: 56, kernel: (1, 1)),
        ConvCase("1×1/2 64→32 on 13×13 → 7×7: tiles across the row ends", c: 64, h: 13, w: 13, k: 32, kernel: (1, 1), stride: (2, 2)),
        ConvCase(
            "1×1/2 256→64 on 56×56 → 28×28: bands ending inside rows, two groups", c: 256, h: 56, w: 56, k: 64, kernel: (1, 1),
            stride: (2, 2)),
        ConvCase("1×1 stride 2 × 1 32→32 on 9×10", c: 32, h: 9, w: 10, k: 32, kernel: (1, 1), stride: (2, 1)),
        ConvCase("1×1/3 32→64 on 10×10 → 4×4", c: 32, h: 10, w: 10, k: 64, kernel: (1, 1), stride: (3, 3)),
        ConvCase("1×1 pad 1 32→32 on 5×5: the general kernel", c: 32, h: 5, w: 5, k: 32, kernel: (1, 1), pad: (1, 1, 1, 1)),
    ]
}

extension KernelBlockedConvTests {
    /// The pointwise kernel gives the documented sum's bits on every instruction set, at 1 and 2 threads, the addend
    /// in the output itself too.
    @Test(arguments: ConvCase.blockedPointwise)
    func pointwiseConvEqualsTheDocumentedSum(_ testCase: ConvCase) {
        blockedConvEqualsTheDocumentedSumOnEveryInstructionSet(testCase)
    }

    /// A pointwise call for rows oy0 ..< oy1 and blocks b0 ..< b1 writes exactly those values (groups of 4 blocks from
    /// b0, the rest on the general kernel; bands from row oy0 on).
    @Test func pointwisePiecesWriteOnlyTheirRowsAndBlocks() {
        for (stride, size) in [(1, 9), (2, 17)] {
            let g = ConvCase("", c: 24, h: size, w: size, k: 48, kernel: (1, 1), stride: (stride, stride)).geometry
            Self.expectPiecesWriteOnlyTheirValues(
                g, seed: 103, pieces: [(0..<9, 0..<6), (3..<4, 1..<6), (5..<9, 2..<3), (0..<2, 0..<5), (1..<8, 1..<5)],
                label: "1×1 stride \(stride)")
        }
    }
}

extension KernelBlockedConvTests {
    /// Maps of one band prefetch the next pass's weights (the next input-block group's, or the next group of output
    /// blocks' first) while a pass runs: pieces of output blocks that start and end inside groups of 4, on many
    /// input-block groups, still write exactly their values with the documented sum's bits.
    @Test func oneBandPiecesWithPrefetchedWeightsWriteOnlyTheirValues() {
        let g = ConvCase("", c: 256, h: 7, w: 7, k: 72, kernel: (3, 3), pad: (1, 1, 1, 1)).geometry
        Self.expectPiecesWriteOnlyTheirValues(
            g, seed: 107, pieces: [(0..<7, 0..<9), (0..<7, 3..<8), (2..<5, 5..<9), (6..<7, 8..<9)], label: "3×3 on 7×7")
    }
}
