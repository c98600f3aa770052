import CKernels
import Testing

@testable import ConvEngine

/// A named conv geometry; the output size follows from the padding on each side.
struct ConvCase: CustomStringConvertible, Sendable {
    let name: String
    let geometry: ConvGeometry
    var description: String { name }

    init(
        _ name: String, c: Int, h: Int, w: Int, k: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
        pad: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0), dilation: (Int, Int) = (1, 1),
        groups: Int = 1
    ) {
        let oh = (h + pad.top + pad.bottom - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        let ow = (w + pad.left + pad.right - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
        self.name = name
        geometry = ConvGeometry(
            inChannels: c, inHeight: h, inWidth: w, outChannels: k, outHeight: oh, outWidth: ow,
            kernelHeight: kernel.0, kernelWidth: kernel.1, strideHeight: stride.0,
            strideWidth: stride.1, padTop: pad.top, padLeft: pad.left,
            dilationHeight: dilation.0, dilationWidth: dilation.1, groups: groups)
    }
}

/// Every conv geometry the kernels are checked on, each a named case that tests pick by name.
extension ConvCase {
    static let pointwiseOddMap = ConvCase("1×1 pointwise 32→24 on odd 9×11", c: 32, h: 9, w: 11, k: 24, kernel: (1, 1))
    static let pointwise256To64 = ConvCase("1×1 pointwise 256→64 on 14×14", c: 256, h: 14, w: 14, k: 64, kernel: (1, 1))
    static let pointwiseKBlocks = ConvCase("1×1 pointwise 300→7, K split in blocks", c: 300, h: 5, w: 5, k: 7, kernel: (1, 1))
    static let pointwiseMBlocks = ConvCase("1×1 pointwise 20→150, M split in blocks", c: 20, h: 6, w: 7, k: 150, kernel: (1, 1))
    static let pointwiseNBlocks = ConvCase("1×1 pointwise 4→5 on 70×70, N split in blocks", c: 4, h: 70, w: 70, k: 5, kernel: (1, 1))
    static let pointwiseStride2 = ConvCase("1×1 stride 2", c: 8, h: 9, w: 9, k: 6, kernel: (1, 1), stride: (2, 2))
    static let conv3x3 = ConvCase("3×3 pad 1", c: 16, h: 13, w: 15, k: 20, kernel: (3, 3), pad: (1, 1, 1, 1))
    static let conv3x3KBlocks = ConvCase("3×3 pad 1 64→70, K split in blocks", c: 64, h: 8, w: 9, k: 70, kernel: (3, 3), pad: (1, 1, 1, 1))
    static let conv5x5 = ConvCase("5×5 pad 2", c: 8, h: 12, w: 12, k: 10, kernel: (5, 5), pad: (2, 2, 2, 2))
    static let conv3x3Stride2 = ConvCase("3×3 stride 2 pad 1", c: 8, h: 15, w: 17, k: 12, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1))
    static let conv3x3Dilation2 = ConvCase(
        "3×3 dilation 2 pad 2", c: 6, h: 14, w: 13, k: 7, kernel: (3, 3), pad: (2, 2, 2, 2), dilation: (2, 2))
    static let conv3x3Groups2 = ConvCase("3×3 groups 2", c: 8, h: 10, w: 11, k: 10, kernel: (3, 3), pad: (1, 1, 1, 1), groups: 2)
    static let depthwise3x3 = ConvCase("3×3 depthwise", c: 12, h: 10, w: 9, k: 12, kernel: (3, 3), pad: (1, 1, 1, 1), groups: 12)
    static let asymmetricSame4x4 = ConvCase(
        "4×4 asymmetric same (top/left 1, bottom/right 2)", c: 6, h: 11, w: 10, k: 8, kernel: (4, 4), pad: (1, 1, 2, 2))
    static let bottomRightPad2x2 = ConvCase("2×2 same, bottom/right pad only", c: 5, h: 7, w: 6, k: 9, kernel: (2, 2), pad: (0, 0, 1, 1))
    static let oddKernel5x3 = ConvCase("odd 5×3 kernel 7→13 on 9×19", c: 7, h: 9, w: 19, k: 13, kernel: (5, 3), pad: (2, 1, 2, 1))
    static let googLeNetConv1 = ConvCase(
        "7×7 stride 2 pad 3 (GoogLeNet conv1)", c: 3, h: 32, w: 32, k: 16, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3))
    static let alexNetConv1 = ConvCase("11×11 stride 4 (AlexNet conv1)", c: 3, h: 63, w: 63, k: 8, kernel: (11, 11), stride: (4, 4))
    static let signal1D = ConvCase("1-D signal kernel 2, 2→2 on 1×9", c: 2, h: 1, w: 9, k: 2, kernel: (1, 2))
    static let wide3x3KMBlocks = ConvCase(
        "3×3 pad 1 160→150 on wide 11×37, K and M split in blocks", c: 160, h: 11, w: 37, k: 150, kernel: (3, 3), pad: (1, 1, 1, 1))
    static let dilated5x5UnevenPads = ConvCase(
        "5×5 dilation 2, uneven pads, on 13×40", c: 9, h: 13, w: 40, k: 17, kernel: (5, 5), pad: (3, 4, 5, 4), dilation: (2, 2))
    static let narrow3x3To192 = ConvCase("3×3 pad 1 8→192 on narrow 7×7", c: 8, h: 7, w: 7, k: 192, kernel: (3, 3), pad: (1, 1, 1, 1))
    static let pointwiseRowsInPlace = ConvCase(
        "1×1 pointwise 300→20 on 9×13: B rows read in place, K split, a partial panel", c: 300, h: 9, w: 13, k: 20, kernel: (1, 1))
    static let pointwiseRowsCrowdingL1 = ConvCase(
        "1×1 pointwise 40→20 on 32×32: rows 1024 floats apart, B packed", c: 40, h: 32, w: 32, k: 20, kernel: (1, 1))
    static let smallK5x5Packed = ConvCase(
        "5×5 pad 2 3→96 on 16×16: stride 1 but K too small to read in place, packed", c: 3, h: 16, w: 16, k: 96, kernel: (5, 5),
        pad: (2, 2, 2, 2))

    static let stride2OddWidth = ConvCase(
        "3×3 stride 2 pad 1 5→20 on 23×45: runs cross output rows within a panel", c: 5, h: 23, w: 45, k: 20, kernel: (3, 3),
        stride: (2, 2), pad: (1, 1, 1, 1))
    static let stride2Dilated = ConvCase(
        "3×3 stride 2 dilation 2, uneven pads, 6→9 on 17×30", c: 6, h: 17, w: 30, k: 9, kernel: (3, 3), stride: (2, 2),
        pad: (2, 3, 1, 2), dilation: (2, 2))
    static let pointwiseStride2Wide = ConvCase(
        "1×1 stride 2 64→40 on 20×21", c: 64, h: 20, w: 21, k: 40, kernel: (1, 1), stride: (2, 2))
    static let smallMapSplitByChannels = ConvCase(
        "3×3 stride 2 pad 1 24→72 on 27×27: a 14×14 map, split by channels", c: 24, h: 27, w: 27, k: 72, kernel: (3, 3),
        stride: (2, 2), pad: (1, 1, 1, 1))
    static let pointwiseSplitByChannels = ConvCase(
        "1×1 pointwise 48→130 on 14×14: split by channels, a partial row panel", c: 48, h: 14, w: 14, k: 130, kernel: (1, 1))
    static let pointwiseMoreChannelsThanPositions = ConvCase(
        "1×1 pointwise 64→96 on 7×7: more channels than positions, split by channels", c: 64, h: 7, w: 7, k: 96,
        kernel: (1, 1))
    static let pointwise7x7LastPanel17 = ConvCase(
        "1×1 pointwise 200→45 on 7×7: a last panel of 17 columns, partial row tiles", c: 200, h: 7, w: 7, k: 45,
        kernel: (1, 1))
    static let pointwise7x7FewRowsKBlocks = ConvCase(
        "1×1 pointwise 300→20 on 7×7: B read in place, the 17 columns left packed, K in blocks", c: 300, h: 7, w: 7, k: 20,
        kernel: (1, 1))
    static let stride2MoreChannelsThanPositions = ConvCase(
        "3×3 stride 2 pad 1 32→80 on 13×13: a 7×7 map, 2 even panels, split by channels", c: 32, h: 13, w: 13, k: 80,
        kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1))
    static let rowsChunkSplitsRows = ConvCase(
        "3×3 pad 1 48→136 on 7×70: grid in 2 chunks of whole panels, a chunk edge inside an output row, K blocks",
        c: 48, h: 7, w: 70, k: 136, kernel: (3, 3), pad: (1, 1, 1, 1))
    static let rowsManyChunksDilated = ConvCase(
        "3×3 dilation 2 pad 2 16→40 on 40×320: 4 to 8 grid chunks, channel ranges at panel edges", c: 16, h: 40, w: 320,
        k: 40, kernel: (3, 3), pad: (2, 2, 2, 2), dilation: (2, 2))
    static let rowsOneRowChunked = ConvCase(
        "3×3 pad 1 4→8 on 3×9000: split by rows, a piece of one output row in 2 grid chunks", c: 4, h: 3, w: 9000, k: 8,
        kernel: (3, 3), pad: (1, 1, 1, 1))
    static let pointwiseStride2Padded = ConvCase(
        "1×1 stride 2 pad 1 20→70 on 13×15: zero border samples", c: 20, h: 13, w: 15, k: 70, kernel: (1, 1), stride: (2, 2),
        pad: (1, 1, 1, 1))
    static let pointwiseStride3BottomPad = ConvCase(
        "1×1 stride 3 9→12 on 15×15, bottom/right pad: a last row and column of zeros", c: 9, h: 15, w: 15, k: 12,
        kernel: (1, 1), stride: (3, 3), pad: (0, 0, 2, 2))
    static let pointwiseStride2LongRows = ConvCase(
        "1×1 stride 2 10→20 on 6×70: runs longer than a panel", c: 10, h: 6, w: 70, k: 20, kernel: (1, 1),
        stride: (2, 2))
    static let pointwiseStride2ManyChannels = ConvCase(
        "1×1 stride 2 40→136 on 9×9: more channels than positions, split by channels", c: 40, h: 9, w: 9, k: 136,
        kernel: (1, 1), stride: (2, 2))
    // K over 64 on a stored B: each panel's first tile reads B's rows in place and packs them for the others, while
    // every tile prefetches part of the next panel (the next K block's or column block's first at a block's end).
    static let pointwiseFirstTilePacks = ConvCase(
        "1×1 pointwise 520→40 on 13×31: two K blocks, two column blocks, a 19-column last panel packed", c: 520, h: 13, w: 31,
        k: 40, kernel: (1, 1))
    static let pointwiseFirstTilePacksRowBlocks = ConvCase(
        "1×1 pointwise 100→150 on 9×41: two row blocks, the first packing B as it reads it", c: 100, h: 9, w: 41, k: 150,
        kernel: (1, 1))
    // An odd K read in place: the AVX2 tiles that read B's rows in place run one step of k a turn (a last odd step),
    // the first column panel's tiles over K 65 to 256 and the first row panel's over K up to 64.
    static let pointwiseInPlaceOddK = ConvCase(
        "1×1 pointwise 77→20 on 5×40: K odd, each panel's first tile reads B in place", c: 77, h: 5, w: 40, k: 20,
        kernel: (1, 1))
    static let pointwiseInPlaceOddShortK = ConvCase(
        "1×1 pointwise 33→14 on 6×50: K odd and short, the first row panel reads B in place", c: 33, h: 6, w: 50, k: 14,
        kernel: (1, 1))
    // K one block 65 to 128 deep: each tile asks for the next tile's C and addend lines (the next row panel's, or
    // the next column panel's first) while its own were asked for by the tile before; partial row and column tiles.
    static let pointwiseAheadLines = ConvCase(
        "1×1 pointwise 128→44 on 9×11: the tiles ask for the next tile's lines", c: 128, h: 9, w: 11, k: 44, kernel: (1, 1))
    // 9 to 24 output channels on AVX-512: 16- and 24-row tiles over 16 columns reading B in place (one K block and two;
    // a partial last tile of columns, rows past M not stored).
    static let pointwiseSixteenRows = ConvCase(
        "1×1 pointwise 32→16 on 12×12: 16-row tiles, B in place", c: 32, h: 12, w: 12, k: 16, kernel: (1, 1))
    static let pointwiseThirteenRowsKBlocks = ConvCase(
        "1×1 pointwise 300→13 on 9×11: 16-row tiles, two K blocks, 3-column last tile", c: 300, h: 9, w: 11, k: 13,
        kernel: (1, 1))
    static let pointwiseTwentyOneRows = ConvCase(
        "1×1 pointwise 40→21 on 7×9: 24-row tiles, a 15-column last tile", c: 40, h: 7, w: 9, k: 21, kernel: (1, 1))

    // At stride 1 a grid row ends where the next row's left padding begins (the padding is shared):
    static let sharedPadding28x28 = ConvCase(
        "3×3 pad 1 96→40 on 28×28: rows of 29 columns, the right padding the next row's left", c: 96, h: 28, w: 28, k: 40,
        kernel: (3, 3), pad: (1, 1, 1, 1))
    static let sharedPaddingWiderThanReach = ConvCase(
        "3×3 pad 3 8→16 on 6×5: padding wider than the kernel reaches, windows read into the next row's padding", c: 8, h: 6,
        w: 5, k: 16, kernel: (3, 3), pad: (3, 3, 3, 3))
    static let sharedPaddingLeftOnly = ConvCase(
        "3×3 pad left 2 right 0 16→24 on 9×11: uneven sides", c: 16, h: 9, w: 11, k: 24, kernel: (3, 3), pad: (1, 2, 1, 0))
    static let sharedPaddingOneColumn = ConvCase(
        "5×5 pad 2 12→16 on 6×1: a one-column input, each row its padding", c: 12, h: 6, w: 1, k: 16, kernel: (5, 5),
        pad: (2, 2, 2, 2))
    // A strided 1×1 conv runs on a dense copy of its subsampled input: an odd map (B's row stride 196 floats, a
    // 4-column last panel), K over two blocks, M over two row blocks, columns cut by threads.
    static let pointwiseStride2Subsampled = ConvCase(
        "1×1 stride 2 300→152 on 27×28: subsampled copy, K and M blocks", c: 300, h: 27, w: 28, k: 152, kernel: (1, 1),
        stride: (2, 2))
    // A last column panel of at most 8 columns (here 3) runs two row panels at a time on AVX-512, column by column: a
    // partial last pair (13 rows), K one block over 64.
    static let pointwiseTailColumns = ConvCase(
        "1×1 pointwise 130→45 on 9×11: a 3-column last panel, row panels in pairs", c: 130, h: 9, w: 11, k: 45,
        kernel: (1, 1))
    // K blocks over 128 deep: the full tiles on a packed B panel ask for their own C and addend lines in their last
    // steps of k (AVX-512): the second row block at one thread (the first reads B in place), every tile at two; a
    // partial row panel, a 3-column last panel, two K blocks.
    static let pointwiseLateLines = ConvCase(
        "1×1 pointwise 300→164 on 9×11: the tiles ask for their lines late, two row blocks", c: 300, h: 9, w: 11, k: 164,
        kernel: (1, 1))
    // On AVX2 (16-column panels) a last panel of at most 4 columns runs every row panel of the block at once, column by
    // column: here 2 columns (50 = 3·16 + 2), two K blocks, two row blocks (the second 11 rows: a partial group, and a
    // last row tile of 5 rows).
    static let pointwiseTwoColumnTail = ConvCase(
        "1×1 pointwise 300→155 on 5×10: a 2-column last panel on AVX2, K and M blocks", c: 300, h: 5, w: 10, k: 155,
        kernel: (1, 1))
    // On AVX2 a full panel before a last one of 1 column (49 = 16 + 16 + 17) computes the 17th column in its tiles:
    // two row blocks (each panel packed in its own slot), K one block over 64.
    static let pointwise7x7FoldedColumnRowBlocks = ConvCase(
        "1×1 pointwise 100→160 on 7×7: the 49th column folded into the last full panel on AVX2, two row blocks", c: 100,
        h: 7, w: 7, k: 160, kernel: (1, 1))
    static let sharedPadding: [ConvCase] = [
        sharedPadding28x28, sharedPaddingWiderThanReach, sharedPaddingLeftOnly, sharedPaddingOneColumn,
    ]

    /// All of them: the plain reference test runs every one.
    static let all: [ConvCase] =
        [
            pointwiseOddMap, pointwise256To64, pointwiseKBlocks, pointwiseMBlocks, pointwiseNBlocks, pointwiseStride2, conv3x3,
            conv3x3KBlocks,
            conv5x5, conv3x3Stride2, conv3x3Dilation2, conv3x3Groups2, depthwise3x3, asymmetricSame4x4, bottomRightPad2x2, oddKernel5x3,
            googLeNetConv1, alexNetConv1, signal1D, wide3x3KMBlocks, dilated5x5UnevenPads, narrow3x3To192, pointwiseRowsInPlace,
            pointwiseRowsCrowdingL1, smallK5x5Packed, stride2OddWidth, stride2Dilated, pointwiseStride2Wide, smallMapSplitByChannels,
            pointwiseSplitByChannels, rowsChunkSplitsRows, rowsManyChunksDilated, rowsOneRowChunked, pointwiseStride2Padded,
            pointwiseStride3BottomPad, pointwiseStride2LongRows,
            pointwiseStride2ManyChannels, pointwiseMoreChannelsThanPositions, stride2MoreChannelsThanPositions,
            pointwiseFirstTilePacks, pointwiseFirstTilePacksRowBlocks, pointwiseStride2Subsampled, pointwiseAheadLines,
            pointwiseSixteenRows, pointwiseThirteenRowsKBlocks, pointwiseTwentyOneRows, pointwiseTailColumns,
            pointwiseLateLines, pointwiseTwoColumnTail, pointwise7x7FoldedColumnRowBlocks, pointwiseInPlaceOddK,
            pointwiseInPlaceOddShortK,
        ] + sharedPadding
}

@Suite struct KernelGEMMTests {
    @Test(arguments: ConvCase.all, [1, 2])
    func conv2dMatchesReference(_ testCase: ConvCase, threads: Int) {
        let g = testCase.geometry
        var random = TestRandom(seed: 7)
        let (input, weight, bias) = random.convOperands(g)
        var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
        output.withUnsafeMutableBufferPointer {
            Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, threads: threads)
        }
        let difference = largestDifference(output, Reference.conv2d(g, input: input, weight: weight, bias: bias))
        #expect(difference < 1e-4, "\(testCase.name), \(threads) threads: maxdiff \(difference)")
    }

    /// A strided or padded 1×1 conv over a batch in the layout (C, N, H, W): its im2col panels and column pieces
    /// cross from one image into the next, and every image still matches the reference on its own.
    @Test(arguments: [ConvCase.pointwiseStride2Padded, .pointwiseStride2LongRows, .pointwiseStride2ManyChannels], [1, 2])
    func stridedPointwiseOverBatchMatchesReference(_ testCase: ConvCase, threads: Int) {
        let g = testCase.geometry, batch = 3
        let inPlane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        var random = TestRandom(seed: 31)
        let images = (0..<batch).map { _ in random.floats(g.inChannels * inPlane) }
        let weight = random.floats(g.weightCount), bias = random.floats(g.outChannels)
        // (C, N, H, W): channel c of image i at (c·N + i)·H·W
        var input: [Float] = []
        for channel in 0..<g.inChannels {
            for image in images { input += image[channel * inPlane..<(channel + 1) * inPlane] }
        }
        var output = [Float](repeating: .nan, count: g.outChannels * batch * outPlane)
        output.withUnsafeMutableBufferPointer {
            Kernels.conv2d(g, batch: batch, input: input, weight: weight, bias: bias, output: $0.baseAddress!, threads: threads)
        }
        for image in 0..<batch {
            let expected = Reference.conv2d(g, input: images[image], weight: weight, bias: bias)
            var got: [Float] = []
            for channel in 0..<g.outChannels {
                let start = (channel * batch + image) * outPlane
                got += output[start..<start + outPlane]
            }
            let difference = largestDifference(got, expected)
            #expect(difference < 1e-4, "\(testCase.name), image \(image), \(threads) threads: maxdiff \(difference)")
        }
    }

    /// Weights packed once (as a session keeps them) and packed on the fly give the reference result on every
    /// instruction set and thread count (2 split by channels or by rows), through each path: pointwise GEMM, im2col
    /// packing, rows read in place (strided ones from stride-phase planes on AVX-512), groups.
    @Test(
        arguments: [
            ConvCase.pointwiseOddMap, .pointwise256To64, .pointwiseMBlocks, .conv3x3, .conv3x3KBlocks, .conv3x3Groups2, .depthwise3x3,
            .wide3x3KMBlocks, .narrow3x3To192, .pointwiseRowsInPlace, .pointwiseRowsCrowdingL1, .smallK5x5Packed,
            .pointwiseStride2Wide, .smallMapSplitByChannels, .pointwiseSplitByChannels,
            .rowsChunkSplitsRows, .rowsManyChunksDilated, .rowsOneRowChunked,
            .pointwiseStride2Padded, .pointwiseStride3BottomPad, .pointwiseStride2LongRows, .pointwiseStride2ManyChannels,
            .pointwiseMoreChannelsThanPositions, .stride2MoreChannelsThanPositions, .pointwise7x7LastPanel17,
            .pointwise7x7FewRowsKBlocks, .pointwiseFirstTilePacks, .pointwiseFirstTilePacksRowBlocks,
            .pointwiseStride2Subsampled, .pointwiseAheadLines, .pointwiseSixteenRows, .pointwiseThirteenRowsKBlocks,
            .pointwiseTwentyOneRows, .pointwiseTailColumns, .pointwiseLateLines, .pointwiseTwoColumnTail,
            .pointwise7x7FoldedColumnRowBlocks, .pointwiseInPlaceOddK, .pointwiseInPlaceOddShortK,
        ] + ConvCase.sharedPadding + ConvCase.stridedInPlace)
    func prepackedWeightsMatchReference(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 23)
        let (input, weight, bias) = random.convOperands(g)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                for weights in [packed, nil] {
                    var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
                    output.withUnsafeMutableBufferPointer {
                        Kernels.conv2d(
                            g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, packed: weights,
                            threads: threads)
                    }
                    let difference = largestDifference(output, expected)
                    #expect(
                        difference < 1e-4,
                        "\(testCase.name), isa \(isa), \(threads) threads, packed \(weights != nil): maxdiff \(difference)")
                }
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    /// Tasks of a 2-thread loop read a stored B in place for a product of at most 128 rows whatever its K (gemm.c's
    /// THIN_POOL_ROWS), as one thread does: the thin 1×1s (K one block up to 64 deep and deeper, two blocks, partial
    /// last panels), each column piece of the pointwise split run as a pool task as `Kernels.conv2d` runs it, give one
    /// thread's bits on every instruction set (the ISA forced in each task), and the plain loops' values. 136 rows keep
    /// packing: the same bits too.
    @Test(
        arguments: [
            ConvCase("1×1 pointwise 128→32 on 11×13, K one block", c: 128, h: 11, w: 13, k: 32, kernel: (1, 1)),
            ConvCase("1×1 pointwise 384→48 on 9×9, two K blocks", c: 384, h: 9, w: 9, k: 48, kernel: (1, 1)),
            ConvCase("1×1 pointwise 64→96 on 13×14, short K", c: 64, h: 13, w: 14, k: 96, kernel: (1, 1)),
            ConvCase("1×1 pointwise 100→128 on 9×20", c: 100, h: 9, w: 20, k: 128, kernel: (1, 1)),
            ConvCase("1×1 pointwise 192→136 on 12×16, packed in tasks", c: 192, h: 12, w: 16, k: 136, kernel: (1, 1)),
        ])
    func thinProductsInPoolTasksGiveOneThreadsBits(_ testCase: ConvCase) {
        let g = testCase.geometry
        let plane = g.outHeight * g.outWidth, count = g.outChannels * plane
        var random = TestRandom(seed: 71)
        let (input, weight, bias) = random.convOperands(g)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
            var one = [Float](repeating: .nan, count: count), two = one
            one.withUnsafeMutableBufferPointer {
                Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, packed: packed, threads: 1)
            }
            let pieces = Kernels.gemmPieces(rows: g.outChannels, columns: plane, parts: 2, finer: false).columns
            let none = ck_activation(kind: CK_ACTIVATION_NONE, minimum: 0, maximum: 0)
            #expect(pieces.count == 2, "\(testCase.name), isa \(isa)")
            two.withUnsafeMutableBufferPointer { y in
                let output = y.baseAddress!
                input.withUnsafeBufferPointer { x in
                    bias.withUnsafeBufferPointer { b in
                        packed.withPanels { panels in
                            Self.onThePool(tasks: pieces.count) { task in
                                Kernels.forceInstructionSet(isa)
                                defer { Kernels.forceInstructionSet(nil) }
                                let range = pieces[task]
                                ck_sgemm_prepacked(
                                    Int32(g.outChannels), Int32(range.count), Int32(g.inChannels), panels,
                                    x.baseAddress! + range.lowerBound, Int32(plane), output + range.lowerBound, Int32(plane),
                                    b.baseAddress, 0, Int32(g.outChannels),
                                    ck_output_epilogue(addend: nil, activation: none))
                            }
                        }
                    }
                }
            }
            #expect(two.map(\.bitPattern) == one.map(\.bitPattern), "\(testCase.name), isa \(isa): 2 threads' bits")
            let difference = largestDifference(two, expected)
            #expect(difference < 1e-4, "\(testCase.name), isa \(isa): maxdiff \(difference)")
        }
    }

    /// Runs `body(task)` for `tasks` tasks as one loop of the worker pool (`ck_parallel_for` on 2 threads), waiting
    /// while another test's loop holds it: `Kernels.parallelFor` would run them on Dispatch then, outside the pool's
    /// tasks, where the GEMM takes its one-thread path.
    static func onThePool(tasks: Int, _ body: (Int) -> Void) {
        while !Kernels.runOnPool(tasks: tasks, workers: 2, body) {}
    }

    /// An epilogue of batch norm, residual add and ReLU on packed weights, whose pieces (finer column pieces that
    /// fit L2, channel pieces on small maps) each run every step channel by channel: every step's output equals
    /// the plain loops applied to the reference conv.
    @Test(
        arguments: [
            ConvCase("1×1 pointwise 32→64 on 40×40: finer column pieces", c: 32, h: 40, w: 40, k: 64, kernel: (1, 1)),
            .smallMapSplitByChannels, .stride2OddWidth, .pointwiseSplitByChannels, .pointwiseMoreChannelsThanPositions,
            .stride2MoreChannelsThanPositions, .pointwiseStride2ManyChannels, .pointwiseStride2LongRows, .pointwiseAheadLines,
            .pointwiseThirteenRowsKBlocks, .pointwiseTwentyOneRows,
        ], [1, 2])
    func epilogueOnPackedWeightsMatchesReference(_ testCase: ConvCase, threads: Int) {
        let g = testCase.geometry
        let plane = g.outHeight * g.outWidth, count = g.outChannels * plane
        var random = TestRandom(seed: 29)
        let (input, weight, bias) = random.convOperands(g)
        let gain = random.floats(g.outChannels), offset = random.floats(g.outChannels), other = random.floats(count)
        let conv = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        let normalized = conv.indices.map { conv[$0] * gain[$0 / plane] + offset[$0 / plane] }
        let sum = zip(other, normalized).map { $0 + $1 }
        let expected = [conv, normalized, sum, sum.map { max($0, 0) }]
        let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
        let pointers = (0..<4).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
        defer { pointers.forEach { $0.deallocate() } }
        other.withUnsafeBufferPointer { other in
            let epilogue = ConvEpilogue(
                steps: [
                    (.affine(gain: gain, offset: offset), pointers[1]), (.add(at: 1, count: 2), pointers[2]),
                    (.activation(.relu), pointers[3]),
                ],
                addends: [[other.baseAddress!, nil]])
            Kernels.conv2d(
                g, input: input, weight: weight, bias: bias, output: pointers[0], packed: packed, epilogue: epilogue,
                threads: threads)
        }
        for step in 0..<4 {
            let difference = largestDifference(Array(UnsafeBufferPointer(start: pointers[step], count: count)), expected[step])
            #expect(difference < 1e-4, "\(testCase.name), \(threads) threads, step \(step): maxdiff \(difference)")
        }
    }

    /// An inference plan's epilogue writes every step in place over the conv's output, and the conv's kernel takes
    /// its leading add and activation into its own store: ResNet's add + ReLU, MobileNetV2's bare add, a lone ReLU,
    /// a leading ReLU6 then add and ReLU (the ReLU6 fused, the rest after), a three-part add (left as a step). Every
    /// path (1×1 prepacked with B packed or read in place, packed im2col, rows read in place, stems, groups; K over
    /// one block, partial row and column tiles) on every instruction set gives the bits of the same steps run as
    /// separate passes into buffers of their own, and the plain loops' values.
    @Test(
        arguments: [
            ConvCase.pointwiseOddMap, .pointwiseMBlocks, .pointwiseKBlocks, .pointwiseRowsInPlace, .pointwiseStride2Padded,
            .conv3x3, .conv3x3KBlocks, .wide3x3KMBlocks, .rowsChunkSplitsRows, .sharedPadding28x28, .stemOdd7x7Stride2,
            .googLeNetConv1, .conv3x3Groups2, .pointwiseFirstTilePacks, .pointwiseFirstTilePacksRowBlocks,
            .pointwiseStride2ManyChannels, .pointwiseStride2LongRows, .pointwiseStride2Subsampled, .pointwiseAheadLines,
            .pointwiseSixteenRows, .pointwiseThirteenRowsKBlocks, .pointwiseTwentyOneRows, .pointwiseTailColumns,
            .pointwiseLateLines, .pointwiseTwoColumnTail, .pointwise7x7LastPanel17, .pointwise7x7FoldedColumnRowBlocks,
        ], [1, 2])
    func inPlaceEpilogueMatchesReference(_ testCase: ConvCase, threads: Int) {
        let g = testCase.geometry
        let count = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 31)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth).map { $0 * 8 }
        let weight = random.floats(g.weightCount), bias = random.floats(g.outChannels)
        let other = random.floats(count).map { $0 * 4 }, third = random.floats(count)
        let conv = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        // The addends live in buffers of their own for the whole test, as an inference plan's values do.
        let (otherBuffer, thirdBuffer) = (
            UnsafeMutablePointer<Float>.allocate(capacity: count), UnsafeMutablePointer<Float>.allocate(capacity: count)
        )
        defer { [otherBuffer, thirdBuffer].forEach { $0.deallocate() } }
        otherBuffer.initialize(from: other, count: count)
        thirdBuffer.initialize(from: third, count: count)
        let (o, t) = (UnsafePointer(otherBuffer), UnsafePointer(thirdBuffer))
        let relu6 = EpilogueOperation.activation(.clip(minimum: 0, maximum: 6))
        let chains: [(name: String, operations: [EpilogueOperation], addends: [[UnsafePointer<Float>?]], expected: [Float])] = [
            ("add, ReLU", [.add(at: 0, count: 2), .activation(.relu)], [[nil, o]], zip(conv, other).map { max($0 + $1, 0) }),
            ("add", [.add(at: 1, count: 2)], [[o, nil]], zip(other, conv).map { $0 + $1 }),
            ("ReLU", [.activation(.relu)], [], conv.map { max($0, 0) }),
            (
                "ReLU6, add, ReLU", [relu6, .add(at: 0, count: 2), .activation(.relu)], [[nil, o]],
                zip(conv, other).map { max(min(max($0, 0), 6) + $1, 0) }
            ),
            ("3-part add", [.add(at: 1, count: 3)], [[o, nil, t]], conv.indices.map { other[$0] + conv[$0] + third[$0] }),
        ]
        let instructionSets = threads == 1 ? Kernels.supportedInstructionSets : [Kernels.supportedInstructionSets.last!]
        for isa in instructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
            for chain in chains {
                // Buffer 0 is the conv's output; buffers 1... the steps' own outputs when they run as separate passes.
                let buffers = (0...chain.operations.count).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
                defer { buffers.forEach { $0.deallocate() } }
                func run(_ outputs: [UnsafeMutablePointer<Float>]) -> [Float] {
                    let epilogue = ConvEpilogue(steps: Array(zip(chain.operations, outputs)), addends: chain.addends)
                    Kernels.conv2d(
                        g, input: input, weight: weight, bias: bias, output: buffers[0], packed: packed, epilogue: epilogue,
                        threads: threads)
                    return Array(UnsafeBufferPointer(start: outputs.last!, count: count))
                }
                let fused = run(Array(repeating: buffers[0], count: chain.operations.count))
                let separate = run(Array(buffers.dropFirst()))
                let label = "\(testCase.name), \(chain.name), isa \(isa), \(threads) threads"
                #expect(fused == separate, "\(label): the fused store differs from the separate steps")
                let difference = largestDifference(fused, chain.expected)
                #expect(difference < 1e-4, "\(label): maxdiff \(difference)")
            }
        }
        let cut = chains[0].expected.filter { $0 == 0 }.count
        #expect(cut > 0 && cut < count, "\(testCase.name): the ReLU cuts some values and keeps others")
    }

    /// A GEMM's pieces cover every channel and position exactly once, cut at whole row panels and column
    /// panels, and a map with more channels than positions (ResNet-50's 7×7 stage) is cut by channels.
    @Test(arguments: [
        (512, 49, 2, false), (2048, 49, 2, true), (64, 3136, 2, true), (256, 196, 2, false), (130, 196, 2, true),
        (24, 3136, 2, true), (40, 12, 2, false), (96, 49, 4, true), (512, 784, 1, true),
    ])
    func gemmPiecesCoverEveryValueOnceOnPanelBounds(rows: Int, columns: Int, parts: Int, finer: Bool) {
        let (rowPieces, columnPieces) = Kernels.gemmPieces(rows: rows, columns: columns, parts: parts, finer: finer)
        let panelRows = Kernels.panelHeight
        for (pieces, count, alignment) in [(rowPieces, rows, panelRows), (columnPieces, columns, Kernels.panelWidth)] {
            #expect(pieces.first?.lowerBound == 0 && pieces.last?.upperBound == count)
            #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $0.upperBound % alignment == 0 })
            #expect(pieces.allSatisfy { !$0.isEmpty })
        }
        if parts > 1 && rows > columns && rows >= 4 * panelRows * parts {
            #expect(rowPieces.count == parts && columnPieces == [0..<columns], "\(rows)×\(columns): \(rowPieces) \(columnPieces)")
        }
    }

    /// Panels packed for another micro-kernel are ignored (the weight is packed on the fly) rather than misread.
    @Test func prepackedWeightsForAnotherMicroKernelAreIgnored() {
        let g = ConvCase.conv3x3.geometry
        var random = TestRandom(seed: 29)
        let (input, weight, bias) = random.convOperands(g)
        Kernels.forceInstructionSet(.portable)
        let portablePanels = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
        Kernels.forceInstructionSet(nil)
        var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
        output.withUnsafeMutableBufferPointer {
            Kernels.conv2d(
                g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, packed: portablePanels,
                threads: 1)
        }
        let difference = largestDifference(output, Reference.conv2d(g, input: input, weight: weight, bias: bias))
        #expect(difference < 1e-4, "maxdiff \(difference)")
    }

    @Test func conv2dWithoutBiasMatchesReference() {
        let g = ConvCase("3×3 pad 1", c: 5, h: 6, w: 7, k: 4, kernel: (3, 3), pad: (1, 1, 1, 1)).geometry
        var random = TestRandom(seed: 3)
        let input = random.floats(5 * 6 * 7), weight = random.floats(g.weightCount)
        var output = [Float](repeating: .nan, count: 4 * 6 * 7)
        output.withUnsafeMutableBufferPointer {
            Kernels.conv2d(g, input: input, weight: weight, bias: nil, output: $0.baseAddress!, threads: 1)
        }
        let difference = largestDifference(output, Reference.conv2d(g, input: input, weight: weight, bias: nil))
        #expect(difference < 1e-4, "maxdiff \(difference)")
    }

    @Test(arguments: [ConvCase.pointwise256To64, .conv3x3, .googLeNetConv1])
    func portableMicroKernelMatchesReference(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 11)
        let (input, weight, bias) = random.convOperands(g)
        var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
        Kernels.forceInstructionSet(.portable)
        output.withUnsafeMutableBufferPointer {
            Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, threads: 1)
        }
        Kernels.forceInstructionSet(nil)
        let difference = largestDifference(output, Reference.conv2d(g, input: input, weight: weight, bias: bias))
        #expect(difference < 1e-4, "\(testCase.name), portable: maxdiff \(difference)")
    }

    /// Every micro-kernel this CPU can run (portable, AVX2 6×16, AVX-512 8×32) against the reference loops,
    /// on cases with partial tiles in both directions.
    @Test(arguments: [
        ConvCase.pointwiseOddMap, .pointwiseMBlocks, .conv3x3KBlocks, .googLeNetConv1, .signal1D, .wide3x3KMBlocks, .dilated5x5UnevenPads,
        .narrow3x3To192, .stride2OddWidth, .stride2Dilated, .pointwiseStride2Wide, .smallMapSplitByChannels,
        .pointwiseStride2Padded, .pointwiseStride3BottomPad, .pointwiseStride2LongRows,
    ])
    func everyInstructionSetMatchesReference(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 17)
        let (input, weight, bias) = random.convOperands(g)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        for isa in Kernels.supportedInstructionSets {
            var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
            Kernels.forceInstructionSet(isa)
            output.withUnsafeMutableBufferPointer {
                Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, threads: 1)
            }
            Kernels.forceInstructionSet(nil)
            let difference = largestDifference(output, expected)
            #expect(difference < 1e-4, "\(testCase.name), instruction set \(isa): maxdiff \(difference)")
        }
    }

    @Test(arguments: gemmCases)
    func gemmOnEveryInstructionSetMatchesReference(_ testCase: GEMMCase) {
        let (m, n, k) = (testCase.m, testCase.n, testCase.k)
        var random = TestRandom(seed: 19)
        let a = random.floats(m * k), b = random.floats(k * n), start = random.floats(m * n), bias = random.floats(m)
        let expected = Reference.gemm(
            m: m, n: n, k: k, a: a, transposeA: testCase.transposeA, b: b,
            transposeB: testCase.transposeB, c: testCase.accumulate ? start : nil,
            bias: testCase.bias ? bias : nil)
        for isa in Kernels.supportedInstructionSets {
            var c = start
            Kernels.forceInstructionSet(isa)
            c.withUnsafeMutableBufferPointer { c in
                bias.withUnsafeBufferPointer { bias in
                    Kernels.gemm(
                        m: m, n: n, k: k, a: a, transposeA: testCase.transposeA, b: b,
                        transposeB: testCase.transposeB, c: c.baseAddress!, accumulate: testCase.accumulate,
                        rowBias: testCase.bias ? bias.baseAddress : nil, threads: 1)
                }
            }
            Kernels.forceInstructionSet(nil)
            let difference = largestDifference(c, expected)
            #expect(difference < 1e-4, "\(testCase), instruction set \(isa): maxdiff \(difference)")
        }
    }

    struct GEMMCase: CustomStringConvertible, Sendable {
        let m, n, k: Int
        var transposeA = false, transposeB = false, accumulate = false, bias = false
        var description: String {
            "\(m)×\(n)×\(k)" + (transposeA ? " Aᵀ" : "") + (transposeB ? " Bᵀ" : "")
                + (accumulate ? " +C" : "") + (bias ? " +bias" : "")
        }
    }

    static let gemmCases: [GEMMCase] = [
        GEMMCase(m: 1, n: 1, k: 1),
        GEMMCase(m: 6, n: 16, k: 256),
        GEMMCase(m: 7, n: 33, k: 5, bias: true),
        GEMMCase(m: 13, n: 17, k: 300, transposeA: true),
        GEMMCase(m: 150, n: 40, k: 20, transposeB: true, accumulate: true),
        GEMMCase(m: 64, n: 1000, k: 96, transposeA: true, transposeB: true, accumulate: true, bias: true),
        GEMMCase(m: 5, n: 3, k: 0, accumulate: true, bias: true),
        GEMMCase(m: 17, n: 49, k: 70, accumulate: true, bias: true),
        // a 14×14 map: six whole panels and one of 4 columns (the half-width tile), rows in two tiles
        GEMMCase(m: 16, n: 196, k: 64, accumulate: true, bias: true),
    ]

    @Test(arguments: gemmCases, [1, 2])
    func gemmMatchesReference(_ testCase: GEMMCase, threads: Int) {
        let (m, n, k) = (testCase.m, testCase.n, testCase.k)
        var random = TestRandom(seed: 5)
        let a = random.floats(m * k), b = random.floats(k * n), start = random.floats(m * n), bias = random.floats(m)
        var c = start
        c.withUnsafeMutableBufferPointer { c in
            bias.withUnsafeBufferPointer { bias in
                Kernels.gemm(
                    m: m, n: n, k: k, a: a, transposeA: testCase.transposeA, b: b,
                    transposeB: testCase.transposeB, c: c.baseAddress!, accumulate: testCase.accumulate,
                    rowBias: testCase.bias ? bias.baseAddress : nil, threads: threads)
            }
        }
        let expected = Reference.gemm(
            m: m, n: n, k: k, a: a, transposeA: testCase.transposeA, b: b,
            transposeB: testCase.transposeB, c: testCase.accumulate ? start : nil,
            bias: testCase.bias ? bias : nil)
        let difference = largestDifference(c, expected)
        #expect(difference < 1e-4, "\(testCase), \(threads) threads: maxdiff \(difference)")
    }

    @Test func gemmTwoByTwoByHand() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        var c = [Float](repeating: 0, count: 4)
        c.withUnsafeMutableBufferPointer {
            Kernels.gemm(m: 2, n: 2, k: 2, a: [1, 2, 3, 4], b: [5, 6, 7, 8], c: $0.baseAddress!, threads: 1)
        }
        #expect(largestDifference(c, [19, 22, 43, 50]) == 0)
    }

    /// Sizes with and without tails of 16 and 8 features and row counts off the eight- and four-row passes (1, 3, 5,
    /// 7, 9, 13).
    @Test(arguments: [(10, 7), (1024, 1000), (37, 5), (37, 13), (48, 3), (1, 5), (16, 4), (17, 9), (33, 1), (1280, 1001)], [1, 2])
    func denseMatchesReference(_ size: (inFeatures: Int, outFeatures: Int), threads: Int) {
        var random = TestRandom(seed: 9)
        let input = random.floats(size.inFeatures), weight = random.floats(size.inFeatures * size.outFeatures)
        let bias = random.floats(size.outFeatures)
        let expected = Reference.dense(
            inFeatures: size.inFeatures, outFeatures: size.outFeatures, input: input,
            weight: weight, bias: bias)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            var output = [Float](repeating: .nan, count: size.outFeatures)
            output.withUnsafeMutableBufferPointer {
                Kernels.dense(
                    inFeatures: size.inFeatures, outFeatures: size.outFeatures, input: input, weight: weight,
                    bias: bias, output: $0.baseAddress!, threads: threads)
            }
            Kernels.forceInstructionSet(nil)
            let difference = largestDifference(output, expected)
            #expect(difference < 1e-4, "\(size) isa \(isa) \(threads) threads: maxdiff \(difference)")
        }
    }

    /// A row's value does not depend on the pass it falls in: the same rows from the third on, run as a matrix of
    /// their own, fall in other passes (of eight, six or four rows) and keep their bits, on every instruction set.
    @Test func denseRowsKeepTheirBitsInAnyPass() {
        var random = TestRandom(seed: 10)
        let (inFeatures, outFeatures, skipped) = (1283, 1001, 3)
        let input = random.floats(inFeatures), weight = random.floats(inFeatures * outFeatures)
        let bias = random.floats(outFeatures)
        func dense(from row: Int) -> [Float] {
            var output = [Float](repeating: .nan, count: outFeatures - row)
            output.withUnsafeMutableBufferPointer { output in
                weight.withUnsafeBufferPointer { weight in
                    bias.withUnsafeBufferPointer { bias in
                        Kernels.dense(
                            inFeatures: inFeatures, outFeatures: outFeatures - row, input: input,
                            weight: weight.baseAddress! + row * inFeatures, bias: bias.baseAddress! + row,
                            output: output.baseAddress!, threads: 1)
                    }
                }
            }
            return output
        }
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            let all = dense(from: 0), later = dense(from: skipped)
            Kernels.forceInstructionSet(nil)
            let same = Array(all[skipped...]) == later
            #expect(same, "isa \(isa): rows changed bits with the pass they fell in")
        }
    }

    @Test(arguments: [1, 2])
    func lateralMatchesReference(threads: Int) {
        let n = 19, planeSize = 23 * 29
        var random = TestRandom(seed: 13)
        let m = random.floats(n * n), input = random.floats(n * planeSize)
        var output = [Float](repeating: .nan, count: n * planeSize)
        output.withUnsafeMutableBufferPointer {
            Kernels.lateral(
                channels: n, planeSize: planeSize, m: m, input: input, output: $0.baseAddress!,
                threads: threads)
        }
        let difference = largestDifference(output, Reference.lateral(channels: n, planeSize: planeSize, m: m, input: input))
        #expect(difference < 1e-4, "maxdiff \(difference)")
    }

    @Test func lateralByHand() {
        // M[0][1] = 1 sends input channel 0 into output channel 1: z = (1, 2) -> y = (1, 2 + 1)
        var output: [Float] = [0, 0]
        output.withUnsafeMutableBufferPointer {
            Kernels.lateral(channels: 2, planeSize: 1, m: [0, 1, 0, 0], input: [1, 2], output: $0.baseAddress!)
        }
        #expect(largestDifference(output, [1, 3]) == 0)
    }

    @Test func peakAndBenchmarkReportPositiveRates() {
        let peak = Kernels.peakGFLOPS(threads: 1, seconds: 0.02)
        let g = ConvCase("1×1", c: 16, h: 8, w: 8, k: 16, kernel: (1, 1)).geometry
        let result = Kernels.benchmarkConv(g, runs: 3, threads: 1)
        #expect(peak > 0 && peak.isFinite, "peak \(peak) GFLOP/s")
        #expect(result.medianSeconds > 0 && result.gflops > 0, "\(result)")
    }
}
