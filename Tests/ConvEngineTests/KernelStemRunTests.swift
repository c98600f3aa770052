import CKernels
import Testing

@testable import ConvEngine

/// AVX2's stems with their weights packed once (bands of 8 output rows, the window copied for each): every value is
/// one FMA chain from its bias over the taps in order, as `Reference.fmaChain` sums it, on row pieces and channel
/// pieces, whole rows run as one across row ends (NIN-CIFAR's 32 columns) included.
@Suite struct KernelStemRunTests {
    @Test func packedStemsSumEachValueInOneFMAChain() {
        guard Kernels.supportedInstructionSets.contains(InstructionSet.avx2) else { return }
        Kernels.forceInstructionSet(InstructionSet.avx2)
        defer { Kernels.forceInstructionSet(nil) }
        let stems = ConvCase.channelTilesPicked.filter {
            $0.geometry.inChannels <= 3 && $0.geometry.outWidth > 14 && $0.geometry.outWidth % 8 == 0
        }
        #expect(stems.count >= 4)
        for testCase in stems {
            let g = testCase.geometry, m = g.outChannels, oh = g.outHeight, plane = oh * g.outWidth
            var random = TestRandom(seed: 83)
            let (input, weight, bias) = random.convOperands(g)
            let addend = random.floats(m * plane)
            let patch = g.weightCount / m
            var packed = [Float](repeating: .nan, count: Int(ck_channel_packed_floats(Int32(m), Int32(patch))))
            ck_pack_channel_weight(Int32(m), Int32(patch), weight, &packed)
            let expected = zip(Reference.fmaChain(g, input: input, weight: weight, bias: bias), addend).map { $0 + $1 }
            var desc = Kernels.convDescriptor(g)
            let pieces = [(0..<oh, 0..<m), (0..<1, 0..<m), (1..<oh, min(32, m)..<m), (oh / 2..<oh, 0..<min(32, m))]
            for (rows, channels) in pieces where !rows.isEmpty && !channels.isEmpty {
                var output = [Float](repeating: .nan, count: m * plane)
                addend.withUnsafeBufferPointer { addend in
                    ck_conv_channel_tile_rows(
                        &desc, input, weight, packed, bias, &output, Int32(rows.lowerBound), Int32(rows.upperBound),
                        Int32(channels.lowerBound), Int32(channels.upperBound),
                        ck_output_epilogue(addend: addend.baseAddress, activation: .none))
                }
                for channel in channels {
                    for row in rows {
                        let at = channel * plane + row * g.outWidth
                        let got = output[at..<at + g.outWidth].map(\.bitPattern)
                        #expect(
                            got == expected[at..<at + g.outWidth].map(\.bitPattern),
                            "\(testCase.name), rows \(rows), channels \(channels): channel \(channel), row \(row)")
                    }
                }
            }
        }
    }
}
