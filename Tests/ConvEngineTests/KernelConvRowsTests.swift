import CKernels
import Testing

@testable import ConvEngine

/// Strided convs the AVX-512 path reads in place from stride-phase planes: each names the edge it exercises.
extension ConvCase {
    static let stemOdd7x7Stride2 = ConvCase(
        "7×7 stride 2 pad 3 3→64 on odd 31×29 (a stem): the last windows hang over the bottom and right pad", c: 3, h: 31,
        w: 29, k: 64, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3))
    static let stemEven7x7Stride2ByRows = ConvCase(
        "7×7 stride 2 pad 3 3→24 on even 32×32: the last padded row unread, too few channels, split by rows", c: 3, h: 32,
        w: 32, k: 24, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3))
    static let sameUpper3x3Stride2 = ConvCase(
        "3×3 stride 2 same (bottom/right pad 1) 3→32 on 16×18 (MobileNet's stem)", c: 3, h: 16, w: 18, k: 32, kernel: (3, 3),
        stride: (2, 2), pad: (0, 0, 1, 1))
    static let stride3Pad1 = ConvCase(
        "3×3 stride 3 pad 1 5→20 on 20×23: three phases a side", c: 5, h: 20, w: 23, k: 20, kernel: (3, 3), stride: (3, 3),
        pad: (1, 1, 1, 1))
    static let stride3Dilated5x5 = ConvCase(
        "5×5 stride 3 dilation 2 pad 4 6→16 on 25×26: taps 0, 2, 4, 6, 8 fall on phases 0, 2, 1, 0, 2", c: 6, h: 25, w: 26,
        k: 16, kernel: (5, 5), stride: (3, 3), pad: (4, 4, 4, 4), dilation: (2, 2))
    static let stride2Dilation2OnePhase = ConvCase(
        "3×3 stride 2 dilation 2 pad 2 7→12 on 15×16: every tap on phase 0, one plane a channel", c: 7, h: 15, w: 16, k: 12,
        kernel: (3, 3), stride: (2, 2), pad: (2, 2, 2, 2), dilation: (2, 2))
    static let stride2Dilation3 = ConvCase(
        "3×3 stride 2 dilation 3, uneven pads, 4→10 on 19×17: taps on phases 0, 1, 0", c: 4, h: 19, w: 17, k: 10,
        kernel: (3, 3), stride: (2, 2), pad: (3, 2, 1, 4), dilation: (3, 3))
    static let stride2By1Kernel3x5 = ConvCase(
        "3×5 stride 2×1 pad 1×2 6→16 on 13×21: strided rows, stride-1 columns", c: 6, h: 13, w: 21, k: 16, kernel: (3, 5),
        stride: (2, 1), pad: (1, 2, 1, 2))
    static let stride1By3Kernel4x4 = ConvCase(
        "4×4 stride 1×3 6→12 on 12×26, bottom/right pad: stride-1 rows, three column phases", c: 6, h: 12, w: 26, k: 12,
        kernel: (4, 4), stride: (1, 3), pad: (0, 0, 2, 2))
    static let stride3Kernel2x2 = ConvCase(
        "2×2 stride 3 5→8 on 14×14: a stride past the kernel, phases 0 and 1 of 3", c: 5, h: 14, w: 14, k: 8, kernel: (2, 2),
        stride: (3, 3))
    static let stride2ChunkSplitsRows = ConvCase(
        "3×3 stride 2 pad 1 30→136 on 14×141: grid in 2 chunks, a chunk edge inside an output row, K blocks", c: 30, h: 14,
        w: 141, k: 136, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1))

    /// The strided cases above, each read in place on AVX-512.
    static let stridedInPlace: [ConvCase] = [
        stemOdd7x7Stride2, stemEven7x7Stride2ByRows, sameUpper3x3Stride2, stride3Pad1, stride3Dilated5x5,
        stride2Dilation2OnePhase, stride2Dilation3, stride2By1Kernel3x5, stride1By3Kernel4x4, stride3Kernel2x2,
        stride2ChunkSplitsRows, googLeNetConv1, stride2OddWidth, stride2Dilated, conv3x3Stride2,
    ]
}

@Suite struct KernelConvRowsTests {
    /// The cases above, and the stride-1 ones whose grid rows share their padding, do take the in-place path where
    /// AVX-512 is present (else they would test packing only).
    @Test(arguments: ConvCase.stridedInPlace + ConvCase.sharedPadding)
    func casesReadInPlaceOnAVX512(_ testCase: ConvCase) {
        guard Kernels.supportedInstructionSets.contains(InstructionSet.avx512) else { return }
        var desc = Kernels.convDescriptor(testCase.geometry)
        Kernels.forceInstructionSet(InstructionSet.avx512)
        defer { Kernels.forceInstructionSet(nil) }
        #expect(ck_conv_reads_in_place(&desc) == 1, "\(testCase.name)")
    }

    /// A strided stem's per-thread scratch counts its stride-phase planes: 7×7/2 pad 3, 3→64 on 32×32 gives a
    /// 16×16 map; 2×2 phases of 16 + 6/2 = 19 rows × 16 + 6/2 = 19 columns per channel, plus 3 + 64 floats the
    /// last row's junk columns read past the end: 3·4·19·19 + 67 = 4,399; the grid 64·16·19 = 19,456.
    @Test func stridedStemScratchCountsPhasePlanes() throws {
        let conv = Conv(outChannels: 64, kernel: Size2(7), stride: Size2(2), padding: .explicit(Size2(3)))
        let io = try single(Layer(conv), input: Shape(channels: 3, height: 32, width: 32)).inferShapes().io(at: .top(0))
        #expect(try conv.workingFloats(io).perThread == 4_399 + 19_456 + Kernels.packingScratchFloats)
    }

    /// Strided convs whose measurements favoured packing stay packed: a deep strided 3×3 (ResNet's res3a_branch2b,
    /// its B rows per K block outgrow half the L1) and a 1×1 stride 2 (res3a_branch1).
    @Test func deepStridedAndPointwiseStridedConvsStayPacked() {
        guard Kernels.supportedInstructionSets.contains(InstructionSet.avx512) else { return }
        let cases = [
            ConvCase(
                "3×3 stride 2 pad 1 128→128 on 56×56", c: 128, h: 56, w: 56, k: 128, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
            ConvCase("1×1 stride 2 256→512 on 56×56", c: 256, h: 56, w: 56, k: 512, kernel: (1, 1), stride: (2, 2)),
        ]
        Kernels.forceInstructionSet(InstructionSet.avx512)
        defer { Kernels.forceInstructionSet(nil) }
        for testCase in cases {
            var desc = Kernels.convDescriptor(testCase.geometry)
            #expect(ck_conv_reads_in_place(&desc) == 0, "\(testCase.name)")
        }
    }

    @Test(arguments: ConvCase.stridedInPlace)
    func rowAndChannelPiecesMatchReference(_ testCase: ConvCase) {
        guard Kernels.supportedInstructionSets.contains(InstructionSet.avx512) else { return }
        let g = testCase.geometry, plane = g.outHeight * g.outWidth
        var random = TestRandom(seed: 41)
        let (input, weight, bias) = random.convOperands(g)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        var desc = Kernels.convDescriptor(g)
        let oh = g.outHeight, m = g.outChannels
        let rowPieces = [0..<1, 1..<max(1, oh / 2 + 1), max(1, oh / 2 + 1)..<oh - 1, oh - 1..<oh].filter { !$0.isEmpty }
        let channelPieces = [0..<min(8, m), min(8, m)..<m, 0..<m].filter { !$0.isEmpty }
        Kernels.forceInstructionSet(InstructionSet.avx512)
        defer { Kernels.forceInstructionSet(nil) }
        for rows in rowPieces {
            for channels in channelPieces {
                var output = [Float](repeating: .nan, count: m * plane)
                output.withUnsafeMutableBufferPointer { output in
                    ck_conv_rows(
                        &desc, input, weight, nil, bias, output.baseAddress!, Int32(rows.lowerBound), Int32(rows.upperBound),
                        Int32(channels.lowerBound), Int32(channels.upperBound),
                        .none)
                }
                expectPieceWritten(
                    output, expected, g, rows: rows, channels: channels, "\(testCase.name), rows \(rows), channels \(channels)")
            }
        }
    }
}

/// A kernel's output piece (rows × channels of a (K, OH, OW) output that started as NaN) holds the expected values,
/// and nothing outside it was written.
func expectPieceWritten(
    _ output: [Float], _ expected: [Float], _ g: ConvGeometry, rows: Range<Int>, channels: Range<Int>, _ context: String
) {
    let plane = g.outHeight * g.outWidth
    for channel in 0..<g.outChannels {
        for y in 0..<g.outHeight {
            let start = channel * plane + y * g.outWidth
            let got = Array(output[start..<start + g.outWidth])
            if channels.contains(channel) && rows.contains(y) {
                let difference = largestDifference(got, Array(expected[start..<start + g.outWidth]))
                #expect(difference < 1e-4, "\(context): maxdiff \(difference)")
            } else {
                #expect(got.allSatisfy { $0.isNaN }, "\(context): row \(y) of channel \(channel) written")
            }
        }
    }
}
