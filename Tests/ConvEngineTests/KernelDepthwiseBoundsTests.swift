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
    /// past the plane (into the next channel's, or past the buffer) until rows under 4 wide went to the row-wise kernel.
    static let depthwiseStride2NarrowRows = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 8×6 (4 output rows of 3)", c: 3, h: 8, w: 6, k: 3, kernel: (3, 3), stride: (2, 2),
        pad: (1, 1, 1, 1), groups: 3)
}

@Suite struct KernelDepthwiseBoundsTests {
    /// `ck_depthwise_conv` on one channel at a time gives the whole call's values bit for bit on every instruction
    /// set, with a batch norm and ReLU6 fused, and stores nothing into the other channels' planes (every buffer starts
    /// NaN): a vector store past a plane's end is caught here, not only under ASan.
    @Test(arguments: ConvCase.depthwise + ConvCase.depthwiseNetworkMaps + [.depthwiseStride2NarrowRows])
    func eachChannelStaysInItsPlane(_ testCase: ConvCase) {
        let g = testCase.geometry, plane = g.outHeight * g.outWidth, count = g.outChannels * plane
        var random = TestRandom(seed: 29)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let gain = random.floats(g.outChannels).map { $0 * 3 }, offset = random.floats(g.outChannels)
        let relu6 = ck_activation(kind: CK_ACTIVATION_CLIP, minimum: 0, maximum: 6)
        var desc = Kernels.convDescriptor(g)
        /// Channels `channels` into fresh NaN buffers: the conv's output, the batch norm's, the ReLU6's.
        func run(_ channels: Range<Int>) -> [[Float]] {
            var y = [Float](repeating: .nan, count: count), affined = y, activated = y
            y.withUnsafeMutableBufferPointer { y in
                affined.withUnsafeMutableBufferPointer { affined in
                    activated.withUnsafeMutableBufferPointer { activated in
                        ck_depthwise_conv(
                            &desc, 1, input, weight, bias, y.baseAddress!, gain, offset, affined.baseAddress!,
                            activated.baseAddress!, relu6, Int32(channels.lowerBound), Int32(channels.upperBound))
                    }
                }
            }
            return [y, affined, activated]
        }
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            let whole = run(0..<g.outChannels)
            for channel in 0..<g.outChannels {
                let alone = run(channel..<channel + 1), own = channel * plane..<(channel + 1) * plane
                let same = (0..<3).allSatisfy { b in own.allSatisfy { alone[b][$0].bitPattern == whole[b][$0].bitPattern } }
                let untouched = (0..<3).allSatisfy { b in (0..<count).allSatisfy { own.contains($0) || alone[b][$0].isNaN } }
                #expect(same, "\(testCase.name), instruction set \(isa): channel \(channel) alone differs from the whole call")
                #expect(untouched, "\(testCase.name), instruction set \(isa): channel \(channel) stored outside its plane")
            }
        }
    }

    /// The stride-2 3×3 planes (AVX2: in place from two aligned loads a row on maps wider than 64, the phase copy on
    /// narrower ones) give `Reference.fmaChain`'s sum (bias, then taps ky, kx in order) bit for bit on every vector
    /// instruction set, whichever lanes order they run in.
    @Test(arguments: ConvCase.depthwiseStride2Wide + ConvCase.depthwiseNetworkMaps.filter { $0.geometry.strideWidth == 2 })
    func stride2PlanesAddTapsInOrder(_ testCase: ConvCase) {
        let g = testCase.geometry, count = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 31)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let expected = Reference.fmaChain(g, input: input, weight: weight, bias: bias)
        var desc = Kernels.convDescriptor(g)
        for isa in Kernels.supportedInstructionSets where isa > .portable {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            var output = [Float](repeating: .nan, count: count)
            output.withUnsafeMutableBufferPointer { y in
                ck_depthwise_conv(
                    &desc, 1, input, weight, bias, y.baseAddress!, nil, nil, nil, nil, .none, 0, Int32(g.outChannels))
            }
            let same = zip(output, expected).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same, "\(testCase.name), instruction set \(isa): not the fused sum in order")
        }
    }
}
