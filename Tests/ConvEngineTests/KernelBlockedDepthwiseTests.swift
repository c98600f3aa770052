import CKernels
import Testing

@testable import ConvEngine

extension ConvCase {
    /// A depthwise conv of `c` channels (one a group).
    static func blockedDepthwise(
        _ name: String, c: Int, h: Int, w: Int, kernel: Int = 3, stride: Int, pad: Int = 1, dilation: Int = 1
    ) -> ConvCase {
        ConvCase(
            name, c: c, h: h, w: w, k: c, kernel: (kernel, kernel), stride: (stride, stride), pad: (pad, pad, pad, pad),
            dilation: (dilation, dilation), groups: c)
    }

    /// MobileNetV2's depthwise layers at their channel counts (3×3 pad 1, stride 1 or 2), and edge cases: widths
    /// 1–13 at both strides, one block and several, other windows, pads, strides and dilations (the general loop).
    static let blockedDepthwiseCases: [ConvCase] =
        [
            (32, 112, 1), (96, 112, 2), (144, 56, 1), (144, 56, 2), (192, 28, 1), (192, 28, 2), (384, 14, 1), (576, 14, 1),
            (576, 14, 2), (960, 7, 1),
        ].map { c, size, stride in
            blockedDepthwise("MobileNetV2 3×3/\(stride) on \(size)×\(size), \(c) ch", c: c, h: size, w: size, stride: stride)
        }
        + (1...13).flatMap { w in
            [
                blockedDepthwise("3×3/1 pad 1 on 5×\(w), 16 ch", c: 16, h: 5, w: w, stride: 1),
                blockedDepthwise("3×3/2 pad 1 on \(w)×\(w), 8 ch", c: 8, h: w, w: w, stride: 2),
            ]
        }
        + [
            blockedDepthwise("3×3/1 pad 1 on 1×1, 8 ch", c: 8, h: 1, w: 1, stride: 1),
            blockedDepthwise("3×3/2 no pad on 9×11, 16 ch", c: 16, h: 9, w: 11, stride: 2, pad: 0),
            blockedDepthwise("3×3/1 pad 2 on 6×10 (windows wholly in the padding)", c: 8, h: 6, w: 10, stride: 1, pad: 2),
            blockedDepthwise("5×5/1 pad 2 on 9×12", c: 16, h: 9, w: 12, kernel: 5, stride: 1, pad: 2),
            blockedDepthwise("3×3/3 pad 1 on 10×11 (stride 3)", c: 8, h: 10, w: 11, stride: 3),
            blockedDepthwise("3×3/1 dilation 2 pad 2 on 9×9", c: 8, h: 9, w: 9, stride: 1, pad: 2, dilation: 2),
            blockedDepthwise("8 ch on 112×112 (one block: split by rows)", c: 8, h: 112, w: 112, stride: 1),
        ]
}

@Suite struct KernelBlockedDepthwiseTests {
    static let relu6 = ck_activation(kind: CK_ACTIVATION_CLIP, minimum: 0, maximum: 6)
    static let relu = ck_activation(kind: CK_ACTIVATION_RELU, minimum: 0, maximum: 0)

    /// The blocked depthwise conv on planar `input` (reordered here), its output reordered back to planar.
    static func blocked(
        _ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float]?, _ activation: ck_activation,
        isa: InstructionSet, threads: Int
    ) -> [Float] {
        Kernels.forceInstructionSet(isa)
        defer { Kernels.forceInstructionSet(nil) }
        let x = blockedLayout(input, channels: g.inChannels, positions: g.inHeight * g.inWidth)
        let packed = weight.withUnsafeBufferPointer { Kernels.packBlockedDepthwiseWeight(g, weight: $0.baseAddress!) }
        var output = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
        output.withUnsafeMutableBufferPointer { y in
            Kernels.blockedDepthwiseConv2d(
                g, input: x, packed: packed, bias: bias, output: y.baseAddress!, activation: activation, threads: threads)
        }
        return planarLayout(output, channels: g.outChannels, positions: g.outHeight * g.outWidth)
    }

    /// `ck_activate1`'s ReLU and clip.
    static func activate(_ v: Float, _ a: ck_activation) -> Float {
        switch a.kind {
        case CK_ACTIVATION_RELU: return v > 0 ? v : 0
        case CK_ACTIVATION_CLIP:
            let t = v < a.minimum ? a.minimum : v
            return t > a.maximum ? a.maximum : t
        default: return v
        }
    }

    /// Bias, then taps ky, kx in order with FMAs, padding as zeros (`Reference.fmaChain`), then the activation: the
    /// blocked kernel's bits on every instruction set, at 1 and 2 threads; and the planar AVX2/AVX-512 kernel's
    /// (`ck_depthwise_conv`) at strides 1 and 2, where the portable planar loop only comes near (products rounded).
    @Test(arguments: ConvCase.blockedDepthwiseCases)
    func blockedDepthwiseGivesTheFMAChainsBits(_ testCase: ConvCase) {
        let g = testCase.geometry
        #expect(Kernels.blockedDepthwiseSupported(g))
        var random = TestRandom(seed: 61)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let sums = Reference.fmaChain(g, input: input, weight: weight, bias: bias)
        var desc = Kernels.convDescriptor(g)
        for activation in [ck_activation.none, Self.relu6] {
            let expected = sums.map { Self.activate($0, activation) }
            for isa in Kernels.supportedInstructionSets {
                for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                    let output = Self.blocked(g, input, weight, bias, activation, isa: isa, threads: threads)
                    let same1 = sameBits(output, expected)
                    #expect(
                        same1,
                        "\(testCase.name), activation \(activation.kind.rawValue), instruction set \(isa), \(threads) threads: maxdiff \(largestDifference(output, expected))"
                    )
                }
                Kernels.forceInstructionSet(isa)
                defer { Kernels.forceInstructionSet(nil) }
                var planar = [Float](repeating: .nan, count: expected.count)
                planar.withUnsafeMutableBufferPointer { y in
                    ck_depthwise_conv(
                        &desc, 1, input, weight, bias, y.baseAddress!, nil, nil, nil, y.baseAddress!, activation, 0,
                        Int32(g.outChannels))
                }
                if isa > .portable && g.strideWidth <= 2 {
                    let same2 = sameBits(planar, expected)
                    #expect(
                        same2, "\(testCase.name), planar, instruction set \(isa)")
                } else {
                    #expect(largestDifference(planar, expected) < 1e-5, "\(testCase.name), planar, instruction set \(isa)")
                }
            }
        }
    }

    /// Without a bias each sum starts from 0; ReLU gives 0 for NaN. Pieces of the call (ranges of blocks and rows, as
    /// threads take them) give the whole call's bits and write only their own outputs.
    @Test func blockedDepthwisePiecesWriteTheirOwnOutputs() {
        let g = ConvCase.blockedDepthwise("3×3/2 pad 1 on 15×17, 24 ch", c: 24, h: 15, w: 17, stride: 2).geometry
        var random = TestRandom(seed: 67)
        var input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        input[40] = .nan
        let weight = random.floats(g.weightCount)
        let expected = Reference.fmaChain(g, input: input, weight: weight, bias: [Float](repeating: 0, count: g.outChannels))
            .map { Self.activate($0, Self.relu) }
        var desc = Kernels.convDescriptor(g)
        let x = blockedLayout(input, channels: g.inChannels, positions: g.inHeight * g.inWidth)
        let packed = weight.withUnsafeBufferPointer { Kernels.packBlockedDepthwiseWeight(g, weight: $0.baseAddress!) }
        let count = expected.count, blocks = Int32(g.outChannels / 8), rows = Int32(g.outHeight)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            defer { Kernels.forceInstructionSet(nil) }
            func run(_ b0: Int32, _ b1: Int32, _ oy0: Int32, _ oy1: Int32, into y: inout [Float]) {
                y.withUnsafeMutableBufferPointer { y in
                    ck_blocked_depthwise_conv(&desc, x, packed, nil, y.baseAddress!, Self.relu, b0, b1, oy0, oy1)
                }
            }
            var pieces = [Float](repeating: .nan, count: count)
            for (b0, b1) in [(Int32(0), Int32(1)), (1, blocks)] {
                for (oy0, oy1) in [(Int32(0), Int32(3)), (3, 4), (4, rows)] { run(b0, b1, oy0, oy1, into: &pieces) }
            }
            let output = planarLayout(pieces, channels: g.outChannels, positions: g.outHeight * g.outWidth)
            let same3 = sameBits(output, expected)
            #expect(
                same3, "instruction set \(isa)")
            var one = [Float](repeating: .nan, count: count)
            run(1, 2, 2, 5, into: &one)
            let outside = (0..<count).filter { i in
                let (b, oy) = (i / (g.outHeight * g.outWidth * 8), i / (g.outWidth * 8) % g.outHeight)
                return !(b == 1 && (2..<5).contains(oy)) && !one[i].isNaN
            }
            #expect(outside.isEmpty, "instruction set \(isa): wrote outside its block and rows")
        }
    }

    /// Only one input and one output channel a group, channels a multiple of 8.
    @Test func blockedDepthwiseSupportsWholeBlocksOfOneChannelGroups() {
        #expect(!Kernels.blockedDepthwiseSupported(ConvCase.blockedDepthwise("12 ch", c: 12, h: 5, w: 5, stride: 1).geometry))
        let multiplier2 = ConvCase("8 → 16, groups 8", c: 8, h: 5, w: 5, k: 16, kernel: (3, 3), groups: 8).geometry
        #expect(!Kernels.blockedDepthwiseSupported(multiplier2))
        #expect(!Kernels.blockedDepthwiseSupported(ConvCase("groups 1", c: 8, h: 5, w: 5, k: 8, kernel: (3, 3)).geometry))
    }
}
