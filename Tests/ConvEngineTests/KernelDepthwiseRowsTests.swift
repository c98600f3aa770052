import CKernels
import Testing

@testable import ConvEngine

/// MobileNetV2's depthwise maps, a few channels each, with the paths each takes: stride 2 from 112, 56, 28 and 14
/// wide (AVX2: row-wise, the phase copy twice, then two rows a vector on AVX-512), stride 1 on 56×56, 14×14 and 7×7.
extension ConvCase {
    static let depthwiseNetworkMaps: [ConvCase] = [(112, 2), (56, 2), (28, 2), (14, 2), (56, 1), (14, 1), (7, 1)].map { size, stride in
        ConvCase(
            "3×3 depthwise stride \(stride) pad 1 on \(size)×\(size), 3 channels", c: 3, h: size, w: size, k: 3,
            kernel: (3, 3), stride: (stride, stride), pad: (1, 1, 1, 1), groups: 3)
    }
    /// AVX2's phase copy stores a row pair's upper vector whole: on rows of 3 it reached 2 values past the lower row,
    /// past the plane (into the next channel's, or past the buffer) until bounded by the plane.
    static let depthwiseStride2NarrowRows = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 8×6 (4 output rows of 3)", c: 3, h: 8, w: 6, k: 3, kernel: (3, 3), stride: (2, 2),
        pad: (1, 1, 1, 1), groups: 3)
}

@Suite struct KernelDepthwiseRowsTests {
    /// `ck_depthwise_conv_rows` on bands of output rows (halves, thirds, single rows, the first and last row alone)
    /// gives the whole conv's values bit for bit on every instruction set, with a batch norm and ReLU6 fused, and
    /// stores nothing outside its band (every buffer starts NaN): what lets threads split a depthwise conv by rows.
    @Test(arguments: ConvCase.depthwise + ConvCase.depthwiseNetworkMaps + [.depthwiseStride2NarrowRows])
    func bandsOfRowsMatchTheWholeConv(_ testCase: ConvCase) {
        let g = testCase.geometry, plane = g.outHeight * g.outWidth, count = g.outChannels * plane, oh = g.outHeight
        var random = TestRandom(seed: 29)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let gain = random.floats(g.outChannels).map { $0 * 3 }, offset = random.floats(g.outChannels)
        let relu6 = ck_activation(kind: CK_ACTIVATION_CLIP, minimum: 0, maximum: 6)
        var desc = Kernels.convDescriptor(g)
        let m = Int32(g.outChannels)
        /// Rows `bands` (each a call) of `channels` into fresh NaN buffers: the conv's output, the batch norm's, the
        /// ReLU6's.
        func run(_ bands: [Range<Int>], channels: Range<Int32>? = nil) -> [[Float]] {
            let channels = channels ?? 0..<m
            var y = [Float](repeating: .nan, count: count), affined = y, activated = y
            y.withUnsafeMutableBufferPointer { y in
                affined.withUnsafeMutableBufferPointer { affined in
                    activated.withUnsafeMutableBufferPointer { activated in
                        for band in bands {
                            ck_depthwise_conv_rows(
                                &desc, 1, input, weight, bias, y.baseAddress!, gain, offset, affined.baseAddress!,
                                activated.baseAddress!, relu6, channels.lowerBound, channels.upperBound, Int32(band.lowerBound),
                                Int32(band.upperBound))
                        }
                    }
                }
            }
            return [y, affined, activated]
        }
        let splits: [[Range<Int>]] = [
            Kernels.split(oh, parts: 2), Kernels.split(oh, parts: 3), (0..<oh).map { $0..<$0 + 1 },
            [0..<1, 1..<oh], [0..<max(0, oh - 1), max(0, oh - 1)..<oh],
        ].map { $0.filter { !$0.isEmpty } }
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            let whole = run([0..<oh])
            let firstChannel = run([0..<oh], channels: 0..<1)
            let othersUntouched = (0..<3).allSatisfy { b in (plane..<count).allSatisfy { firstChannel[b][$0].isNaN } }
            #expect(othersUntouched, "\(testCase.name), instruction set \(isa): channel 0 alone stored into other channels")
            for bands in splits {
                let context = "\(testCase.name), instruction set \(isa), bands \(bands.map { "\($0.lowerBound)..<\($0.upperBound)" })"
                let pieced = run(bands)
                let same = (0..<3).allSatisfy { b in (0..<count).allSatisfy { pieced[b][$0].bitPattern == whole[b][$0].bitPattern } }
                #expect(same, "\(context): differs from the whole conv")
                for band in bands where band.count < oh {
                    let alone = run([band])
                    let outside = (0..<count).filter { !band.contains($0 % plane / g.outWidth) }
                    let untouched = (0..<3).allSatisfy { b in outside.allSatisfy { alone[b][$0].isNaN } }
                    #expect(untouched, "\(context): band \(band) stored outside its rows")
                }
            }
            Kernels.forceInstructionSet(nil)
        }
    }
}
