import CKernels
import Testing

@testable import ConvEngine

/// Convs for the channel-tile kernel (vectors along 32 output channels, one tile a row segment of up to 14
/// positions or two rows of a map 7 wide or less, rows in strips of about 2048 positions): each names the edge it
/// exercises. The first ones are those
/// `ck_conv_channel_tiles` picks on AVX-512, the rest the kernel must still get right when called directly.
extension ConvCase {
    static let channelTilesPicked: [ConvCase] = [
        ConvCase(
            "3×3 pad 1 64→70 on 7×7: two rows a tile and a last row alone, the last channel block 6 wide, K 576 in 5 blocks",
            c: 64, h: 7, w: 7, k: 70, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("3×3 pad 1 56→40 on 14×14: one row a tile", c: 56, h: 14, w: 14, k: 40, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("3×3 pad 1 50→33 on 13×13", c: 50, h: 13, w: 13, k: 33, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 stride 2 pad 1 52→36 on 14×14 → 7×7", c: 52, h: 14, w: 14, k: 36, kernel: (3, 3), stride: (2, 2),
            pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 stride 2 pad 1 50→64 on 27×27 → 14×14", c: 50, h: 27, w: 27, k: 64, kernel: (3, 3), stride: (2, 2),
            pad: (1, 1, 1, 1)),
        ConvCase("5×5 pad 2 20→40 on 7×7", c: 20, h: 7, w: 7, k: 40, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase(
            "5×5 stride 2, uneven pads, 18→33 on 26×25 → 13×12", c: 18, h: 26, w: 25, k: 33, kernel: (5, 5), stride: (2, 2),
            pad: (2, 1, 1, 2)),
        ConvCase(
            "3×3 dilation 2 pad 2 50→20 on 13×13", c: 50, h: 13, w: 13, k: 20, kernel: (3, 3), pad: (2, 2, 2, 2),
            dilation: (2, 2)),
        ConvCase(
            "3×3, pads top 0 left 1 bottom 2 right 1, 50→37 on 12×14", c: 50, h: 12, w: 14, k: 37, kernel: (3, 3),
            pad: (0, 1, 2, 1)),
        ConvCase("3×3 pad 1 50→20 on 3×7: one row of two, one alone", c: 50, h: 3, w: 7, k: 20, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("3×3 pad 1 16→32 on 8×8: K 144, one whole channel block", c: 16, h: 8, w: 8, k: 32, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 40→64 on 9×9: on AVX2 two rows a tile, a chunk across the row end of 3 positions each",
            c: 40, h: 9, w: 9, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "1×1 384→64 on 14×14 (MobileNetV2's 14×14 projections): K 384, two whole blocks", c: 384, h: 14, w: 14, k: 64, kernel: (1, 1)),
        ConvCase(
            "1×1 576→96 on 14×14 (MobileNetV2's block5 projections): three blocks, on 2 threads each by rows too", c: 576, h: 14, w: 14,
            k: 96, kernel: (1, 1)),
        ConvCase(
            "1×1 512→112 on 14×14 (GoogLeNet's 4b): K 512 in 4 blocks, the last block 16 wide in AVX-512's half tiles", c: 512,
            h: 14, w: 14, k: 112, kernel: (1, 1)),
        ConvCase(
            "3×3 pad 1 16→64 on 56×56: rows of 4 × 14, strips of 36 rows and 20, K 144", c: 16, h: 56, w: 56, k: 64,
            kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 16→64 on 21×23: K 144 in one block on a wide map, on AVX2 in strips of 8, 8 and 5 rows", c: 16, h: 21,
            w: 23, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 64→40 on 29×31: rows of 10 + 10 + 11, the last block 8 wide", c: 64, h: 29, w: 31, k: 40,
            kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "7×7 stride 2 pad 3 3→32 on 64×224 → 32×112 (a stem's rows): 3 input channels, 8 segments a row, strips of 18 rows",
            c: 3, h: 64, w: 224, k: 32, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
        ConvCase(
            "7×7 stride 2 3→64 on 45×61 → 20×28 (SqueezeNet's stem, no pad)", c: 3, h: 45, w: 61, k: 64, kernel: (7, 7),
            stride: (2, 2)),
        ConvCase(
            "3×3 stride 2 pad 1 32→64 on 56×56 → 28×28", c: 32, h: 56, w: 56, k: 64, kernel: (3, 3), stride: (2, 2),
            pad: (1, 1, 1, 1)),
        ConvCase(
            "5×5 pad 2 16→32 on 28×28 (inception 3a's 5×5)", c: 16, h: 28, w: 28, k: 32, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase(
            "3×3 dilation 2 pad 2 32→32 on 30×30", c: 32, h: 30, w: 30, k: 32, kernel: (3, 3), pad: (2, 2, 2, 2),
            dilation: (2, 2)),
        ConvCase(
            "3×3 stride 2, pads top 1 left 0 bottom 0 right 1, 24→32 on 33×35 → 16×17", c: 24, h: 33, w: 35, k: 32,
            kernel: (3, 3), stride: (2, 2), pad: (1, 0, 0, 1)),
        // A wide map's K in blocks continuing one FMA chain: of at most 1152 taps on AVX-512, 160 on AVX2
        ConvCase(
            "3×3 pad 1 130→40 on 16×17: K 1170 in two blocks of 585 (AVX2: 8 of 147), rows of 17, the last block 8 wide",
            c: 130, h: 16, w: 17, k: 40, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 stride 2 pad 1 136→36 on 33×31 → 17×16: K 1224 in two blocks at stride 2, odd input", c: 136, h: 33, w: 31,
            k: 36, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 72→36 on 31×6: a tall map two rows a tile, K 648 as one block through the strip's scratch", c: 72,
            h: 31, w: 6, k: 36, kernel: (3, 3), pad: (1, 1, 1, 1)),
        // Blocks that do not share out evenly among 2 threads (7): each thread takes whole blocks and part of the
        // middle block's rows (block-row pairs in block-major order).
        ConvCase(
            "3×3 pad 1 64→208 on 13×13: 7 blocks, the last half wide, on 2 threads block 3's rows 0 ..< 6 and 6 ..< 13",
            c: 64, h: 13, w: 13, k: 208, kernel: (3, 3), pad: (1, 1, 1, 1)),
        // Maps taller than 14 whose input window outweighs their weights share out (row, block) pairs in row-major order
        // on 2 threads: a band of rows each, the row between the bands split by its blocks.
        ConvCase(
            "3×3 pad 1 20→96 on 17×49: 3 blocks, on 2 threads rows 0 ..< 8 and row 8's block 0, then its blocks 1–2 and rows 9 ..< 17",
            c: 20, h: 17, w: 49, k: 96, kernel: (3, 3), pad: (1, 1, 1, 1)),
        // Stems (at most 3 input channels) split by output rows on 2 threads: each band pads its own input rows and
        // the window's halo above and below it, every channel block in each band (3 blocks: a task a block and band).
        ConvCase(
            "3×3 stride 2 pad 1 3→32 on 45×61 → 23×31 (MobileNetV2's conv1 rows): K 27, bands of 12 and 11 rows",
            c: 3, h: 45, w: 61, k: 32, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "7×7 stride 2 pad 3 3→64 on 37×40 → 19×20: on 2 threads rows 0 ..< 9 and 10 ..< 19, row 9 by its blocks, the halo padded at the top and bottom",
            c: 3, h: 37, w: 40, k: 64, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
        ConvCase(
            "7×7 stride 2 3→96 on 21×61 → 8×28 (SqueezeNet's stem, no pad): 3 blocks in each band of 4 rows", c: 3, h: 21,
            w: 61, k: 96, kernel: (7, 7), stride: (2, 2)),
        ConvCase(
            "7×7 stride 2 pad 3 3→96 on 2×112 → 1×56: one output row, fewer than the threads", c: 3, h: 2, w: 112, k: 96,
            kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
        // Stems on maps wider than 14 run as rows of position vectors (16 columns a vector, 4 vectors a tile at most)
        ConvCase(
            "3×3 stride 2 pad 1 3→64 on 21×150 → 11×75: 5 vectors a row (2 + 3), the last 11 wide", c: 3, h: 21, w: 150,
            k: 64, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 3→40 on 29×31: K 27, a stem at stride 1, 2 vectors a row, two rows a tile", c: 3, h: 29, w: 31, k: 40,
            kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 stride 2 dilation 2 pad 2 3→36 on 24×50 → 12×25: a stem's position rows, every tap in one stride phase",
            c: 3, h: 24, w: 50, k: 36, kernel: (3, 3), stride: (2, 2), pad: (2, 2, 2, 2), dilation: (2, 2)),
        ConvCase(
            "5×5 pad 2 stride 1 2→40 on 9×37: a stem's position rows, 3 vectors a row, the last 5 wide", c: 2, h: 9, w: 37,
            k: 40, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase(
            "5×5 pad 2 3→64 on 11×32 (NIN-CIFAR's stem's rows): two rows of 2 vectors a tile, the last row alone", c: 3,
            h: 11, w: 32, k: 64, kernel: (5, 5), pad: (2, 2, 2, 2)),
        // AVX2 runs a band's whole rows shorter than two 3-vector segments as one run of vectors, in groups of 3
        // across row ends
        ConvCase(
            "5×5 pad 2 3→38 on 20×40: rows of 5 vectors run as one, groups across row ends, a last block of 6",
            c: 3, h: 20, w: 40, k: 38, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ConvCase(
            "7×7 stride 2 pad 3 3→40 on 37×32 → 19×16: rows of 2 vectors run as one in each stride phase, bands of 8, 8 and 3",
            c: 3, h: 37, w: 32, k: 40, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
        // AVX2 copies a stem's window in bands of 8 output rows, each before its rows run every block
        ConvCase(
            "3×3 stride 2 pad 1 3→70 on 39×53 → 20×27: bands of 8, 8 and 4 rows, 3 blocks each (the last 6 wide), the last vector 3 wide",
            c: 3, h: 39, w: 53, k: 70, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 1→20 on 19×40: K 9, fewer taps than the output lines a tile asks for, bands of 8, 8 and 3 rows",
            c: 1, h: 19, w: 40, k: 20, kernel: (3, 3), pad: (1, 1, 1, 1)),
    ]
    static let channelTilesNotPicked: [ConvCase] = [
        ConvCase(
            "1×1 460→40 on 7×7: tiles across row ends, K in 4 blocks (a 1×1 to 7×7 runs on the GEMM)", c: 460, h: 7, w: 7, k: 40,
            kernel: (1, 1)),
        ConvCase(
            "1×1 stride 2 448→40 on 14×14 → 7×7: two strided rows a tile (a strided 1×1 runs on the GEMM)", c: 448, h: 14, w: 14, k: 40,
            kernel: (1, 1), stride: (2, 2)),
        ConvCase("1×1 320→64 on 8×8: K 320 on 64 positions, the GEMM's columns exactly", c: 320, h: 8, w: 8, k: 64, kernel: (1, 1)),
        ConvCase(
            "1×1 384→48 on 13×13 (SqueezeNet's fire7 squeeze): K 384, the second block half empty", c: 384, h: 13, w: 13, k: 48,
            kernel: (1, 1)),
        ConvCase("1×1 256→256 on 14×14: K 256 to 8 blocks", c: 256, h: 14, w: 14, k: 256, kernel: (1, 1)),
        ConvCase("3×3 pad 1 16→20 on 8×8: 8 positions a tile, K 144", c: 16, h: 8, w: 8, k: 20, kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("1×1 64→1000 on 13×13: 32 channel blocks, the last 8 wide", c: 64, h: 13, w: 13, k: 1000, kernel: (1, 1)),
        ConvCase("1×1 64→10 on 8×8 (NIN's cccp6)", c: 64, h: 8, w: 8, k: 10, kernel: (1, 1)),
        ConvCase(
            "1×1 24→17 on 3×1: one position a row, 17 channels (a 16-channel store and one of 1)", c: 24, h: 3, w: 1, k: 17, kernel: (1, 1)),
        ConvCase("1×1 24→48 on 4×4: exactly 16 positions, a half-empty second block", c: 24, h: 4, w: 4, k: 48, kernel: (1, 1)),
        ConvCase(
            "3×3 pad 1 20→31 on 5×3: two-row tiles of 3, 15 positions, 15 channels in the upper store", c: 20, h: 5, w: 3, k: 31,
            kernel: (3, 3), pad: (1, 1, 1, 1)),
        ConvCase("1×1 pad 1 6→8 on 5×5: a padded 1×1", c: 6, h: 5, w: 5, k: 8, kernel: (1, 1), pad: (1, 1, 1, 1)),
        ConvCase("1×1 480→16 on 14×14: 16 channels", c: 480, h: 14, w: 14, k: 16, kernel: (1, 1)),
        ConvCase(
            "1×1 stride 2 448→40 on 28×28 → 14×14: one strided row a tile", c: 448, h: 28, w: 28, k: 40, kernel: (1, 1),
            stride: (2, 2)),
        ConvCase("1×1 96→64 on 28×28: a 1×1 on a wide map, strips across row ends", c: 96, h: 28, w: 28, k: 64, kernel: (1, 1)),
        ConvCase(
            "1×1 stride 2 64→40 on 31×33 → 16×17: a strided 1×1 on a wider map", c: 64, h: 31, w: 33, k: 40, kernel: (1, 1),
            stride: (2, 2)),
        ConvCase("5×5 pad 2 40→16 on 20×20: 16 channels, K 1000", c: 40, h: 20, w: 20, k: 16, kernel: (5, 5), pad: (2, 2, 2, 2)),
        // AVX2 computes a block of at most 16 channels as the panel's first half only (AVX-512 leaves these to the GEMM)
        ConvCase(
            "1×1 96→16 on 23×55 (SqueezeNet's fire2 squeeze's rows): AVX2's half tiles, strips across row ends", c: 96, h: 23,
            w: 55, k: 16, kernel: (1, 1)),
        ConvCase(
            "3×3 stride 2 pad 1 24→12 on 13×13 → 7×7: two-row half tiles of 12 channels at stride 2", c: 24, h: 13, w: 13,
            k: 12, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
        ConvCase(
            "3×3 pad 1 20→48 on 9×30: the second block's 16 channels in half tiles of one row", c: 20, h: 9, w: 30, k: 48,
            kernel: (3, 3), pad: (1, 1, 1, 1)),
        // and a block of 17–24 channels as the first half and one 8-channel vector
        ConvCase("1×1 144→24 on 9×30 (MobileNetV2's 24-channel projections' rows)", c: 144, h: 9, w: 30, k: 24, kernel: (1, 1)),
        ConvCase(
            "3×3 stride 2 pad 1 20→56 on 13×13 → 7×7: two-row tiles, the second block's 24 channels", c: 20, h: 13, w: 13,
            k: 56, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
    ]
}

@Suite struct KernelChannelTileTests {
    static var hasAVX512: Bool { Kernels.supportedInstructionSets.contains(InstructionSet.avx512) }

    /// Whether `ck_conv_channel_tiles` gives `testCase` to the channel tiles on the calling thread's instruction set.
    static func picked(_ testCase: ConvCase) -> Bool {
        var desc = Kernels.convDescriptor(testCase.geometry)
        return ck_conv_channel_tiles(&desc) != 0
    }

    /// The dispatch rule picks the convs it was measured faster on, and leaves the others to the GEMM paths.
    @Test func pickedWhereMeasuredFaster() {
        guard Self.hasAVX512 else { return }
        Kernels.forceInstructionSet(InstructionSet.avx512)
        defer { Kernels.forceInstructionSet(nil) }
        for testCase in ConvCase.channelTilesPicked { #expect(Self.picked(testCase), "\(testCase.name)") }
        // the wide maps of the shipped networks it takes (ResNet-50's, GoogLeNet's, SqueezeNet's and NIN-CIFAR's)
        let networkMaps = [
            ConvCase("3×3 pad 1 64→64 on 56×56", c: 64, h: 56, w: 56, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase(
                "3×3 stride 2 pad 1 128→128 on 56×56", c: 128, h: 56, w: 56, k: 128, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
            ConvCase("7×7 stride 2 pad 3 3→64 on 224×224", c: 3, h: 224, w: 224, k: 64, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
            ConvCase("3×3 pad 1 16→64 on 55×55", c: 16, h: 55, w: 55, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("5×5 pad 2 3→192 on 32×32 (NIN-CIFAR's conv1)", c: 3, h: 32, w: 32, k: 192, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ]
        for testCase in networkMaps { #expect(Self.picked(testCase), "\(testCase.name)") }
        let largeMaps = [
            ConvCase("1×1 256→64 on 56×56", c: 256, h: 56, w: 56, k: 64, kernel: (1, 1)),
            ConvCase("1×1 stride 2 256→512 on 56×56", c: 256, h: 56, w: 56, k: 512, kernel: (1, 1), stride: (2, 2)),
            ConvCase("1×1 stride 3 512→64 on 43×43 → 15×15", c: 512, h: 43, w: 43, k: 64, kernel: (1, 1), stride: (3, 3)),
            ConvCase("3×3 stride 3 64→64 on 57×57", c: 64, h: 57, w: 57, k: 64, kernel: (3, 3), stride: (3, 3)),
        ]
        for testCase in ConvCase.channelTilesNotPicked + largeMaps { #expect(!Self.picked(testCase), "\(testCase.name)") }
    }

    /// On AVX2 the tiles take what they were measured faster on there: kernels larger than 1×1 from K 144 or at
    /// stride 2 (stems included), the stems to K 147 (NIN-CIFAR's conv1, as rows of position vectors), and the 1×1s
    /// on small maps AVX-512 takes to at most 16 channels (from K 448) or exactly 32; the GEMM, which reads B in place
    /// there too, runs the other 1×1s.
    @Test func avx2PicksWhereMeasuredFaster() {
        guard Kernels.supportedInstructionSets.contains(InstructionSet.avx2) else { return }
        Kernels.forceInstructionSet(InstructionSet.avx2)
        defer { Kernels.forceInstructionSet(nil) }
        let picked = [
            ConvCase("3×3 pad 1 64→64 on 56×56", c: 64, h: 56, w: 56, k: 64, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("3×3 pad 1 192→192 on 8×8", c: 192, h: 8, w: 8, k: 192, kernel: (3, 3), pad: (1, 1, 1, 1)),
            ConvCase("7×7 stride 2 pad 3 3→64 on 224×224", c: 3, h: 224, w: 224, k: 64, kernel: (7, 7), stride: (2, 2), pad: (3, 3, 3, 3)),
            ConvCase("3×3 stride 2 pad 1 3→32 on 224×224", c: 3, h: 224, w: 224, k: 32, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1)),
            ConvCase("1×1 480→16 on 14×14", c: 480, h: 14, w: 14, k: 16, kernel: (1, 1)),
            ConvCase("1×1 512→32 on 14×14", c: 512, h: 14, w: 14, k: 32, kernel: (1, 1)),
            ConvCase("5×5 pad 2 3→192 on 32×32 (NIN-CIFAR's conv1)", c: 3, h: 32, w: 32, k: 192, kernel: (5, 5), pad: (2, 2, 2, 2)),
        ]
        for testCase in picked { #expect(Self.picked(testCase), "\(testCase.name)") }
        let left = [
            ConvCase("1×1 64→256 on 56×56", c: 64, h: 56, w: 56, k: 256, kernel: (1, 1)),
            ConvCase("1×1 256→64 on 56×56", c: 256, h: 56, w: 56, k: 64, kernel: (1, 1)),
            ConvCase("1×1 32→16 on 112×112", c: 32, h: 112, w: 112, k: 16, kernel: (1, 1)),
            ConvCase("1×1 1024→256 on 14×14", c: 1024, h: 14, w: 14, k: 256, kernel: (1, 1)),
            ConvCase("1×1 512→24 on 14×14", c: 512, h: 14, w: 14, k: 24, kernel: (1, 1)),
            ConvCase("1×1 96→96 on 32×32", c: 96, h: 32, w: 32, k: 96, kernel: (1, 1)),
            ConvCase("1×1 stride 2 256→64 on 56×56", c: 256, h: 56, w: 56, k: 64, kernel: (1, 1), stride: (2, 2)),
            ConvCase("1×1 832→48 on 7×7", c: 832, h: 7, w: 7, k: 48, kernel: (1, 1)),
            ConvCase("3×3 stride 3 64→64 on 57×57", c: 64, h: 57, w: 57, k: 64, kernel: (3, 3), stride: (3, 3)),
        ]
        for testCase in left { #expect(!Self.picked(testCase), "\(testCase.name)") }
        Kernels.forceInstructionSet(InstructionSet.portable)
        #expect(!Self.picked(picked[0]), "portable C keeps the GEMM paths")
    }

    /// The kernel itself, on row and channel pieces, with its weight packed once and packed on the fly, on AVX-512
    /// and AVX2 (conv_channel_avx2.c's tiles): each piece's values are the plain loops' conv plus the addend, through
    /// the activation, and nothing else is written; AVX2's values have AVX-512's bits (each one FMA chain on both).
    @Test(arguments: ConvCase.channelTilesPicked + ConvCase.channelTilesNotPicked)
    func piecesWithAddendAndActivationMatchReference(_ testCase: ConvCase) {
        var bitsByISA: [InstructionSet: [UInt32]] = [:]
        for isa in Kernels.supportedInstructionSets where isa >= InstructionSet.avx2 {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            bitsByISA[isa] = piecesMatchReference(testCase, context: "\(testCase.name), isa \(isa)").map(\.bitPattern)
        }
        if let avx512 = bitsByISA[InstructionSet.avx512], let avx2 = bitsByISA[InstructionSet.avx2] {
            #expect(avx2 == avx512, "\(testCase.name): AVX2's bits are AVX-512's")
        }
    }

    /// Whether the GEMM sums `testCase` as the tiles do, in one FMA chain: where K is one of its blocks (256 taps).
    static func sumsAsTheGEMM(_ testCase: ConvCase) -> Bool {
        testCase.geometry.weightCount / testCase.geometry.outChannels <= 256
    }

    /// Runs every piece on the calling thread's instruction set and checks it; returns every piece's output, in turn.
    func piecesMatchReference(_ testCase: ConvCase, context: String) -> [Float] {
        var outputs: [Float] = []
        let g = testCase.geometry, plane = g.outHeight * g.outWidth, m = g.outChannels, oh = g.outHeight
        var random = TestRandom(seed: 43)
        let (input, weight, bias) = random.convOperands(g)
        let addend = random.floats(m * plane)
        let conv = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        let patch = g.weightCount / m
        var packed = [Float](repeating: .nan, count: Int(ck_channel_packed_floats(Int32(m), Int32(patch))))
        ck_pack_channel_weight(Int32(m), Int32(patch), weight, &packed)
        var desc = Kernels.convDescriptor(g)
        let middle = min(oh, max(1, oh / 2 + 1)), last = max(middle, oh - 1)  // a map of one row: 0..<1 alone
        let rowPieces = [0..<1, 1..<middle, middle..<last, last..<oh].filter { !$0.isEmpty }
        let channelPieces = [0..<min(32, m), min(32, m)..<m, 0..<m].filter { !$0.isEmpty }
        let activations: [(FusedActivation?, String)] = [(nil, "none"), (.relu, "ReLU"), (.clip(minimum: -0.5, maximum: 1.5), "clip")]
        for (index, (activation, activationName)) in activations.enumerated() {
            let withAddend = index != 0
            let sum = withAddend ? zip(conv, addend).map { $0 + $1 } : conv
            let expected = activation.map { KernelFusionTests.reference($0, sum) } ?? sum
            for rows in rowPieces {
                for channels in channelPieces {
                    for weights in [packed, nil] {
                        var output = [Float](repeating: .nan, count: m * plane)
                        addend.withUnsafeBufferPointer { addend in
                            let epilogue = ck_output_epilogue(
                                addend: withAddend ? addend.baseAddress : nil, activation: activation?.descriptor ?? .none)
                            ck_conv_channel_tile_rows(
                                &desc, input, weight, weights, bias, &output, Int32(rows.lowerBound), Int32(rows.upperBound),
                                Int32(channels.lowerBound), Int32(channels.upperBound), epilogue)
                        }
                        expectPieceWritten(
                            output, expected, g, rows: rows, channels: channels,
                            "\(context), \(activationName), rows \(rows), channels \(channels), packed \(weights != nil)")
                        outputs += output
                    }
                }
            }
        }
        return outputs
    }

    /// `Kernels.conv2d` on every instruction set this CPU has (the channel tiles on AVX-512 and, where their rule
    /// says, AVX2; the GEMM paths elsewhere), 1 and 2 threads, weights packed once for it (`PackedConvWeights`) and not: the plain loops'
    /// values, and an epilogue's ReLU written in place by the kernel or into its own buffer after it.
    @Test(arguments: ConvCase.channelTilesPicked)
    func conv2dOnEveryInstructionSetMatchesReference(_ testCase: ConvCase) {
        let g = testCase.geometry, count = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 47)
        let (input, weight, bias) = random.convOperands(g)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        let expectedReLU = KernelFusionTests.reference(.relu, expected)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
            var desc = Kernels.convDescriptor(g)
            #expect(
                packed.channelTiles == (ck_conv_channel_tiles(&desc) != 0), "\(testCase.name), isa \(isa): packed for the kernel it runs")
            if packed.channelTiles {
                #expect(packed.withPanels { Int(bitPattern: $0) % 64 } == 0, "\(testCase.name), isa \(isa): panels on a cache line")
            }
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                for weights in [packed, nil] {
                    let context = "\(testCase.name), isa \(isa), \(threads) threads, packed \(weights != nil)"
                    var output = [Float](repeating: .nan, count: count), activated = output
                    output.withUnsafeMutableBufferPointer { y in
                        activated.withUnsafeMutableBufferPointer { a in
                            Kernels.conv2d(
                                g, input: input, weight: weight, bias: bias, output: y.baseAddress!, packed: weights,
                                epilogue: ConvEpilogue(steps: [(.activation(.relu), a.baseAddress!)]), threads: threads)
                        }
                    }
                    #expect(largestDifference(output, expected) < 1e-4, "\(context): conv")
                    #expect(activated == KernelFusionTests.reference(.relu, output), "\(context): ReLU after")
                    var inPlace = [Float](repeating: .nan, count: count)
                    inPlace.withUnsafeMutableBufferPointer { y in
                        Kernels.conv2d(
                            g, input: input, weight: weight, bias: bias, output: y.baseAddress!, packed: weights,
                            epilogue: ConvEpilogue(steps: [(.activation(.relu), y.baseAddress!)]), threads: threads)
                    }
                    #expect(largestDifference(inPlace, expectedReLU) < 1e-4, "\(context): ReLU in place")
                }
            }
        }
    }

    /// On a map wider or taller than 14 (which the GEMM paths ran before) whose K is one of the GEMM's blocks (to 256
    /// taps) the tiles' values keep the packing GEMM's bits, bias and addend included; deeper ones sum in one FMA chain
    /// (below) where the GEMM adds up its blocks' sums.
    @Test(arguments: [InstructionSet.avx2, InstructionSet.avx512])
    func wideMapsKeepTheGEMMsBits(isa: InstructionSet) {
        guard Kernels.supportedInstructionSets.contains(isa) else { return }
        Kernels.forceInstructionSet(isa)
        defer { Kernels.forceInstructionSet(nil) }
        let wide = ConvCase.channelTilesPicked.filter {
            ($0.geometry.outWidth > 14 || $0.geometry.outHeight > 14) && Self.sumsAsTheGEMM($0)
        }
        #expect(wide.count >= 6)
        for testCase in wide {
            let g = testCase.geometry, count = g.outChannels * g.outHeight * g.outWidth
            var random = TestRandom(seed: 53)
            let (input, weight, bias) = random.convOperands(g)
            let addend = random.floats(count)
            var desc = Kernels.convDescriptor(g)
            var tiles = [Float](repeating: .nan, count: count), gemm = tiles
            addend.withUnsafeBufferPointer { addend in
                let epilogue = ck_output_epilogue(addend: addend.baseAddress, activation: .none)
                ck_conv_channel_tile_rows(
                    &desc, input, weight, nil, bias, &tiles, 0, Int32(g.outHeight), 0, Int32(g.outChannels), epilogue)
                ck_conv_im2col_gemm_batch(
                    &desc, 1, input, weight, nil, bias, &gemm, 0, Int32(g.outHeight * g.outWidth), 0, Int32(g.outChannels),
                    epilogue)
            }
            #expect(tiles == gemm, "\(testCase.name), isa \(isa)")
        }
    }

    /// On AVX-512 and AVX2 each value is one FMA chain from its bias over the taps in order, the window's zero padding
    /// included, every K block continuing it (maps wider or taller than 14 too, in blocks of up to 1152 taps on
    /// AVX-512, 160 on AVX2), then the addend added: its bits are `Reference.fmaChain`'s plus the addend, whatever the blocking, tile shape or
    /// rows and channels a call takes.
    @Test(arguments: ConvCase.channelTilesPicked, [InstructionSet.avx512, InstructionSet.avx2])
    func sumsEachValueInOneFMAChain(_ testCase: ConvCase, isa: InstructionSet) {
        guard Kernels.supportedInstructionSets.contains(isa) else { return }
        Kernels.forceInstructionSet(isa)
        defer { Kernels.forceInstructionSet(nil) }
        let g = testCase.geometry, count = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 71)
        let (input, weight, bias) = random.convOperands(g)
        let addend = random.floats(count)
        var desc = Kernels.convDescriptor(g)
        var tiles = [Float](repeating: .nan, count: count)
        addend.withUnsafeBufferPointer { addend in
            ck_conv_channel_tile_rows(
                &desc, input, weight, nil, bias, &tiles, 0, Int32(g.outHeight), 0, Int32(g.outChannels),
                ck_output_epilogue(addend: addend.baseAddress, activation: .none))
        }
        let expected = zip(Reference.fmaChain(g, input: input, weight: weight, bias: bias), addend).map { $0 + $1 }
        #expect(tiles.map(\.bitPattern) == expected.map(\.bitPattern), "\(testCase.name), isa \(isa)")
    }

    /// A stem split by output rows on 2 threads gives the same bits as on 1 (each value is summed in one tile
    /// either way), and MobileNetV2's conv1, which ran on the packing GEMM before, the same bits as it.
    @Test func stemsSplitByRowsKeepTheirBits() {
        guard Self.hasAVX512 else { return }
        let stems = ConvCase.channelTilesPicked.filter { $0.geometry.inChannels <= 3 }
        #expect(stems.count >= 6)
        for testCase in stems { Self.expectTwoThreadsGiveOneThreadsBits(testCase.geometry, seed: 59, testCase.name) }
        // MobileNetV2's conv1 itself (ReLU6 stored by the kernel): the tiles in two bands give the GEMM's bits
        let g = ConvCase("3×3/2 pad 1 3→32 on 224×224", c: 3, h: 224, w: 224, k: 32, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1))
            .geometry
        var desc = Kernels.convDescriptor(g)
        #expect(ck_conv_channel_tiles(&desc) == 1)
        var random = TestRandom(seed: 61)
        let input = random.floats(3 * 224 * 224), weight = random.floats(g.weightCount), bias = random.floats(32)
        let relu6 = ck_output_epilogue(addend: nil, activation: FusedActivation.clip(minimum: 0, maximum: 6).descriptor)
        var tiles = [Float](repeating: .nan, count: 32 * 112 * 112), gemm = tiles
        ck_conv_im2col_gemm_batch(&desc, 1, input, weight, nil, bias, &gemm, 0, 112 * 112, 0, 32, relu6)
        let bands = Kernels.split(112, parts: 2), shared = desc
        tiles.withUnsafeMutableBufferPointer { y in
            let output = y.baseAddress!
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        withUnsafePointer(to: shared) { desc in
                            Kernels.parallelFor(tasks: 2, threads: 2) { task in
                                ck_conv_channel_tile_rows(
                                    desc, x.baseAddress, w.baseAddress, nil, b.baseAddress, output,
                                    Int32(bands[task].lowerBound), Int32(bands[task].upperBound), 0, 32, relu6)
                            }
                        }
                    }
                }
            }
        }
        #expect(tiles == gemm)
    }

    /// Shares of (block, row) pairs, in block-major or row-major order, cover each pair once in at most three pieces
    /// (a part of a block's rows or of a row's blocks, whole ones, another part), and on 2 threads give 1 thread's bits
    /// (each value is one tile's sum either way).
    @Test func pairSharesCoverEachPairOnceAndKeepTheBits() {
        let shapes = [
            (208, 13, 2), (224, 14, 2), (288, 14, 2), (160, 7, 2), (288, 14, 4), (64, 55, 2), (96, 15, 2), (40, 29, 2),
            (128, 27, 2), (256, 28, 4), (32, 56, 2),
        ]
        for (outChannels, outHeight, parts) in shapes {
            for rowMajor in [false, true] {
                var seen = [Int](repeating: 0, count: (outChannels + 31) / 32 * outHeight)
                for part in 0..<parts {
                    let share = Kernels.pairShare(part, parts: parts, outChannels: outChannels, outHeight: outHeight, rowMajor: rowMajor)
                    #expect(share.count <= 3, "\(outChannels) on \(outHeight), part \(part), row-major \(rowMajor)")
                    for (rows, channels) in share {
                        #expect(channels.lowerBound % 32 == 0 && channels.count > 0 && rows.count > 0)
                        for c in stride(from: channels.lowerBound, to: channels.upperBound, by: 32) {
                            for row in rows { seen[c / 32 * outHeight + row] += 1 }
                        }
                    }
                }
                #expect(seen.allSatisfy { $0 == 1 }, "\(outChannels) on \(outHeight), row-major \(rowMajor)")
            }
        }
        guard Self.hasAVX512 else { return }
        let g = ConvCase("3×3 pad 1 64→208 on 13×13", c: 64, h: 13, w: 13, k: 208, kernel: (3, 3), pad: (1, 1, 1, 1)).geometry
        Self.expectTwoThreadsGiveOneThreadsBits(g, seed: 67, "64→208 on 13×13")
    }

    /// On 2 threads a map taller than 14 whose input window outweighs its weights (stems too) shares out row-major
    /// (row, block) pairs, and the others keep their splits; every split gives the bits of one call for the whole map, on
    /// every instruction set (the shares' pieces run in turn on this thread, whose instruction set a test can force) and
    /// on 2 threads through `Kernels.conv2d`.
    @Test func twoThreadSharesKeepTheBits() {
        func rowMajor(_ g: ConvGeometry) -> Bool {
            let bounds = { (share: [(rows: Range<Int>, channels: Range<Int>)]) in
                share.flatMap { [$0.rows.lowerBound, $0.rows.upperBound, $0.channels.lowerBound, $0.channels.upperBound] }
            }
            return Kernels.channelTileShares(g, parts: 2).map(bounds)
                == (0..<2).map {
                    bounds(Kernels.pairShare($0, parts: 2, outChannels: g.outChannels, outHeight: g.outHeight, rowMajor: true))
                }
        }
        func rowMajor(_ c: Int, _ h: Int, _ m: Int, _ k: Int, stride: Int = 1) -> Bool {
            let p = k / 2
            return rowMajor(ConvCase("", c: c, h: h, w: h, k: m, kernel: (k, k), stride: (stride, stride), pad: (p, p, p, p)).geometry)
        }
        // ResNet-50's res2 and res3a 3×3s, GoogLeNet's conv2, SqueezeNet's 3×3s on 55×55 and its stem (3 blocks) by
        // rows; ResNet's 3×3 on 28×28 and 14×14, SqueezeNet's on 27×27 and NIN's 5×5 on 16×16 not
        #expect(rowMajor(64, 56, 64, 3) && rowMajor(128, 56, 128, 3, stride: 2) && rowMajor(64, 56, 192, 3))
        #expect(rowMajor(16, 55, 64, 3) && rowMajor(32, 55, 128, 3) && rowMajor(3, 224, 96, 7, stride: 2))
        #expect(!rowMajor(128, 28, 128, 3) && !rowMajor(256, 14, 256, 3) && !rowMajor(64, 27, 256, 3))
        #expect(!rowMajor(96, 16, 256, 5))
        let cases = ConvCase.channelTilesPicked
        #expect(cases.filter { rowMajor($0.geometry) }.count >= 8)
        for isa in Kernels.supportedInstructionSets where isa >= InstructionSet.avx2 {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            for testCase in cases {
                let g = testCase.geometry, count = g.outChannels * g.outHeight * g.outWidth
                var random = TestRandom(seed: 73)
                let (input, weight, bias) = random.convOperands(g)
                let addend = random.floats(count)
                var desc = Kernels.convDescriptor(g)
                var whole = [Float](repeating: .nan, count: count), shared = whole
                addend.withUnsafeBufferPointer { addend in
                    let epilogue = ck_output_epilogue(addend: addend.baseAddress, activation: FusedActivation.relu.descriptor)
                    ck_conv_channel_tile_rows(
                        &desc, input, weight, nil, bias, &whole, 0, Int32(g.outHeight), 0, Int32(g.outChannels), epilogue)
                    for (rows, channels) in Kernels.channelTileShares(g, parts: 2).joined() {
                        ck_conv_channel_tile_rows(
                            &desc, input, weight, nil, bias, &shared, Int32(rows.lowerBound), Int32(rows.upperBound),
                            Int32(channels.lowerBound), Int32(channels.upperBound), epilogue)
                    }
                }
                #expect(shared.map(\.bitPattern) == whole.map(\.bitPattern), "\(testCase.name), isa \(isa)")
            }
        }
        guard Self.hasAVX512 else { return }
        for testCase in cases where rowMajor(testCase.geometry) {
            Self.expectTwoThreadsGiveOneThreadsBits(testCase.geometry, seed: 79, testCase.name)
        }
    }

    /// `g` on the channel tiles with its weight packed for them, at 1 and at 2 threads: the same bits, and the plain
    /// loops' values.
    static func expectTwoThreadsGiveOneThreadsBits(_ g: ConvGeometry, seed: UInt64, _ label: String) {
        var random = TestRandom(seed: seed)
        let (input, weight, bias) = random.convOperands(g)
        let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
        #expect(packed.channelTiles, "\(label)")
        let outputs = [1, 2].map { threads in
            var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
            output.withUnsafeMutableBufferPointer { y in
                Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: y.baseAddress!, packed: packed, threads: threads)
            }
            return output
        }
        #expect(outputs[0] == outputs[1], "\(label): 2 threads")
        #expect(largestDifference(outputs[1], Reference.conv2d(g, input: input, weight: weight, bias: bias)) < 1e-4, "\(label)")
    }

    /// The channel panels hold 32 channels a block, zero-padded: 3×3 64→70 packs 3 blocks × 32 × 576 taps = 55,296
    /// floats (the GEMM's 8-row panels would be 72 × 576 = 41,472), from a cache line's start (15 floats of slack
    /// around them), and a plan keeps that one copy only.
    @Test func packedPanelsCountWholeChannelBlocks() throws {
        guard Self.hasAVX512 else { return }
        let g = ConvCase.channelTilesPicked[0].geometry
        let weight = [Float](repeating: 1, count: g.weightCount)
        let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
        #expect(packed.channelTiles)
        #expect(packed.storage.count == 55_296 + 15)
        #expect(packed.withPanels { Int(bitPattern: $0) % 64 } == 0)
        #expect(ck_packed_weight_floats(70, 576) == 41_472)
        let conv = Conv(outChannels: 70, kernel: Size2(3), padding: .explicit(Size2(1)))
        let network = single(Layer(conv), input: Shape(channels: 64, height: 7, width: 7))
        let plan = try InferencePlan(network: network)
        #expect(plan.memory.packedBytes == (55_296 + 15) * 4)
    }
}
