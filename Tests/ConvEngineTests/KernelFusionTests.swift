import Testing

@testable import ConvEngine

/// Depthwise cases for the direct kernel: vector columns with edge columns on both sides, stride 2 (two loads
/// deinterleaved), a 5×5 dilated window, stride 3 (every column in C), a channel multiplier of 2, and the edges
/// of rows read in place: maps narrower than one vector (1×1, 7×7), rows of whole vectors, no left padding, an
/// even window at stride 2 and stride 2 with dilation (a pair of loads per tap). 3×3 windows run several output
/// rows at once: row counts that leave rows over (9, 6 and 14 output rows), and strides that differ between height
/// and width (one row at a time). The 3×3 stride-1 "same" maps up to 16 wide run on AVX-512 as one flat run of
/// vectors over a zero-bordered copy: widths 1, 7 (7 and 9 rows: 4 vectors, 5), 14, 15, 16 (and 17, 32, 33 past it, row by row), planes whose
/// vector count is and is not a multiple of four, odd channel counts, two outputs per channel; 3×3 stride-2 maps
/// with output rows up to 7 wide two rows a vector (even and odd row counts, pads 0 to 2).
extension ConvCase {
    static let depthwiseFlat: [ConvCase] =
        [(1, 9, 3), (7, 7, 5), (7, 9, 2), (14, 14, 3), (15, 5, 7), (16, 6, 2), (17, 3, 3), (32, 11, 1), (33, 4, 3)].map { w, h, c in
            ConvCase(
                "3×3 depthwise pad 1 on \(h)×\(w), \(c) channels", c: c, h: h, w: w, k: c, kernel: (3, 3), pad: (1, 1, 1, 1),
                groups: c)
        }
    static let depthwiseWide = ConvCase(
        "3×3 depthwise pad 1 on 9×70", c: 5, h: 9, w: 70, k: 5, kernel: (3, 3), pad: (1, 1, 1, 1), groups: 5)
    static let depthwiseStride2 = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 23×57", c: 4, h: 23, w: 57, k: 4, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1),
        groups: 4)
    static let depthwiseDilated5x5 = ConvCase(
        "5×5 depthwise dilation 2, uneven pads, on 15×45", c: 3, h: 15, w: 45, k: 3, kernel: (5, 5), pad: (3, 4, 5, 4),
        dilation: (2, 2), groups: 3)
    static let depthwiseStride3 = ConvCase(
        "3×3 depthwise stride 3 on 13×40", c: 2, h: 13, w: 40, k: 2, kernel: (3, 3), stride: (3, 3), pad: (1, 1, 1, 1), groups: 2)
    static let depthwiseMultiplier2 = ConvCase(
        "3×3 depthwise 3→6 (2 outputs per channel) on 12×40", c: 3, h: 12, w: 40, k: 6, kernel: (3, 3), pad: (1, 1, 1, 1),
        groups: 3)
    static let depthwiseOnePixel = ConvCase(
        "3×3 depthwise pad 1 on a 1×1 map", c: 3, h: 1, w: 1, k: 3, kernel: (3, 3), pad: (1, 1, 1, 1), groups: 3)
    static let depthwiseSmallStride2 = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 7×7 (one part vector a row)", c: 4, h: 7, w: 7, k: 4, kernel: (3, 3), stride: (2, 2),
        pad: (1, 1, 1, 1), groups: 4)
    static let depthwiseWholeVectors = ConvCase(
        "3×3 depthwise pad 1 on 6×48 (rows of whole vectors)", c: 2, h: 6, w: 48, k: 2, kernel: (3, 3), pad: (1, 1, 1, 1), groups: 2)
    static let depthwiseStride2NoPad = ConvCase(
        "3×3 depthwise stride 2 on 9×67 (no left pad, inner vectors in place)", c: 2, h: 9, w: 67, k: 2, kernel: (3, 3),
        stride: (2, 2), groups: 2)
    static let depthwiseEvenWindow = ConvCase(
        "2×2 depthwise stride 2 on 8×41 (an even window: pairs)", c: 2, h: 8, w: 41, k: 2, kernel: (2, 2), stride: (2, 2),
        groups: 2)
    static let depthwiseStride2OneVectorRows = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 25×27 (13 output rows of 14: one vector a row, two rows at once, 1 over)", c: 3,
        h: 25, w: 27, k: 3, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 3)
    static let depthwiseStride2Rows = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 27×40 (14 output rows of 20: blocks of rows, 2 over)", c: 3, h: 27, w: 40, k: 3,
        kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 3)
    static let depthwiseMixedStrides = ConvCase(
        "3×3 depthwise stride 2 down, 1 across, on 11×40", c: 2, h: 11, w: 40, k: 2, kernel: (3, 3), stride: (2, 1),
        pad: (1, 1, 1, 1), groups: 2)
    static let depthwisePaddedMultiplier2 = ConvCase(
        "3×3 depthwise 3→6 (2 outputs per channel) on 7×7", c: 3, h: 7, w: 7, k: 6, kernel: (3, 3), pad: (1, 1, 1, 1),
        groups: 3)
    static let depthwiseStride2Dilated = ConvCase(
        "3×3 depthwise stride 2 dilation 2 pad 2 on 11×45", c: 2, h: 11, w: 45, k: 2, kernel: (3, 3), stride: (2, 2),
        pad: (2, 2, 2, 2), dilation: (2, 2), groups: 2)

    /// Work enough for two threads (each a piece of the channels; 23 and 63 channels: pieces of unequal size; 14×14
    /// → 7×7 on 161 channels: two pieces by the values it moves, one by its multiply-adds).
    static let depthwiseTwoPieces: [ConvCase] = [
        ConvCase(
            "3×3 depthwise pad 1 on 37×41, 23 channels (two pieces)", c: 23, h: 37, w: 41, k: 23, kernel: (3, 3),
            pad: (1, 1, 1, 1), groups: 23),
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 61×35, 63 channels (two pieces)", c: 63, h: 61, w: 35, k: 63,
            kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 63),
        depthwiseSmallTwoPieces,
    ]
    static let depthwiseSmallTwoPieces = ConvCase(
        "3×3 depthwise stride 2 pad 1 on 14×14, 161 channels (two pieces)", c: 161, h: 14, w: 14, k: 161,
        kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 161)

    /// 3×3 stride-2 maps whose output rows are at most 7 wide: two output rows a vector on AVX-512.
    static let depthwisePairedRows: [ConvCase] = [
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 14×14 (two output rows a vector)", c: 5, h: 14, w: 14, k: 5, kernel: (3, 3),
            stride: (2, 2), pad: (1, 1, 1, 1), groups: 5),
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 13×13 (7 output rows: the last alone)", c: 3, h: 13, w: 13, k: 3, kernel: (3, 3),
            stride: (2, 2), pad: (1, 1, 1, 1), groups: 3),
        ConvCase(
            "3×3 depthwise stride 2 on 15×15 (no pad: 15 columns a load)", c: 2, h: 15, w: 15, k: 2, kernel: (3, 3),
            stride: (2, 2), groups: 2),
        ConvCase(
            "3×3 depthwise stride 2 pad 2 top and left on 9×5", c: 2, h: 9, w: 5, k: 2, kernel: (3, 3), stride: (2, 2),
            pad: (2, 2, 0, 0), groups: 2),
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 2×1", c: 3, h: 2, w: 1, k: 3, kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1),
            groups: 3),
    ]

    static let depthwise: [ConvCase] =
        [
            depthwise3x3, depthwiseWide, depthwiseStride2, depthwiseDilated5x5, depthwiseStride3, depthwiseMultiplier2,
            depthwiseOnePixel, depthwiseSmallStride2, depthwiseWholeVectors, depthwiseStride2NoPad, depthwiseEvenWindow,
            depthwiseStride2Dilated, depthwiseStride2Rows, depthwiseStride2OneVectorRows, depthwiseMixedStrides,
            depthwisePaddedMultiplier2,
        ] + depthwiseFlat + depthwisePairedRows + depthwiseTwoPieces + depthwiseStride2Wide

    /// 3×3 stride-2 maps wider than AVX2's phase copy (64), read in place a pair of aligned loads a row (one output row
    /// at a time): odd widths and heights, a part vector at a row's end (1 and 7 lanes), and left pads 0, 1 and 2 (the
    /// taps one column pair back or on), with and without a bottom and right pad.
    static let depthwiseStride2Wide: [ConvCase] = [
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 13×71 (wide: in place, a part vector)", c: 3, h: 13, w: 71, k: 3,
            kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 3),
        ConvCase(
            "3×3 depthwise stride 2 on 10×80 (wide, no pad: 7 lanes in the last vector)", c: 2, h: 10, w: 80, k: 2,
            kernel: (3, 3), stride: (2, 2), groups: 2),
        ConvCase(
            "3×3 depthwise stride 2 pad 2 top and left on 9×69 (wide)", c: 2, h: 9, w: 69, k: 2, kernel: (3, 3),
            stride: (2, 2), pad: (2, 2, 0, 0), groups: 2),
        ConvCase(
            "3×3 depthwise stride 2 pad 1 bottom and right on 12×96 (wide, whole vectors)", c: 2, h: 12, w: 96, k: 2,
            kernel: (3, 3), stride: (2, 2), pad: (0, 0, 1, 1), groups: 2),
        ConvCase(
            "3×3 depthwise stride 2 pad 1 on 5×66 (wide: one lane in the last vector)", c: 2, h: 5, w: 66, k: 2,
            kernel: (3, 3), stride: (2, 2), pad: (1, 1, 1, 1), groups: 2),
    ]
}

@Suite struct KernelFusionTests {
    /// `conv2d` with a fused activation on the calling thread's instruction set: (output, activated output).
    static func convWithActivation(
        _ g: ConvGeometry, batch: Int = 1, input: [Float], weight: [Float], bias: [Float]?, activation: FusedActivation,
        threads: Int
    ) -> (output: [Float], activated: [Float]) {
        let count = batch * g.outChannels * g.outHeight * g.outWidth
        var output = [Float](repeating: .nan, count: count), activated = [Float](repeating: .nan, count: count)
        output.withUnsafeMutableBufferPointer { y in
            activated.withUnsafeMutableBufferPointer { a in
                withOptionalPointer(bias) { bias in
                    Kernels.conv2d(
                        g, batch: batch, input: input, weight: weight, bias: bias, output: y.baseAddress!,
                        epilogue: ConvEpilogue(steps: [(.activation(activation), a.baseAddress!)]), threads: threads)
                }
            }
        }
        return (output, activated)
    }

    static func reference(_ activation: FusedActivation, _ values: [Float]) -> [Float] {
        switch activation {
        case .relu: Reference.clip(values, minimum: 0, maximum: .infinity).map { $0.isNaN ? 0 : $0 }
        case .clip(let minimum, let maximum): Reference.clip(values, minimum: minimum, maximum: maximum)
        }
    }

    /// The direct depthwise kernel on every instruction set this CPU has, against the plain loops; its fused
    /// activation (ReLU6) against the clip of its own output, AVX2 against AVX-512 and 2 threads against 1 bit for bit.
    @Test(arguments: ConvCase.depthwise)
    func depthwiseOnEveryInstructionSetMatchesReference(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 23)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        let relu6 = FusedActivation.clip(minimum: 0, maximum: 6)
        var vectorOutputs: [[Float]] = []
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            var oneThread: [Float] = []
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                let (output, activated) = Self.convWithActivation(
                    g, input: input, weight: weight, bias: bias, activation: relu6, threads: threads)
                let difference = largestDifference(output, expected)
                #expect(difference < 1e-4, "\(testCase.name), instruction set \(isa), \(threads) threads: maxdiff \(difference)")
                let activatedRight = activated == Self.reference(relu6, output)
                #expect(activatedRight, "\(testCase.name), instruction set \(isa): fused ReLU6 differs")
                if isa > .portable && threads == 1 { vectorOutputs.append(output) }
                if threads == 1 { oneThread = output }
                let sameAsOneThread = output == oneThread
                #expect(sameAsOneThread, "\(testCase.name), instruction set \(isa): 2 threads differ from 1")
            }
            Kernels.forceInstructionSet(nil)
        }
        #expect(Set(vectorOutputs).count <= 1, "\(testCase.name): AVX2 and AVX-512 differ")
    }

    /// The depthwise kernel writes a batch norm's affine map and the activation after it in its own pass, on
    /// every instruction set: each output bit for bit what the node computes alone (x · gain + offset, then the
    /// clip), also when the activation is written over the conv's own output (only the last value kept), and
    /// steps it does not write itself (a batch norm after ReLU) run piece by piece after it.
    @Test(
        arguments: [ConvCase.depthwiseWide, .depthwiseStride2, .depthwiseSmallStride2, .depthwiseMultiplier2] + ConvCase.depthwiseFlat
            + ConvCase.depthwisePairedRows + ConvCase.depthwiseTwoPieces)
    func depthwiseWritesFusedBatchNormAndActivation(_ testCase: ConvCase) {
        let g = testCase.geometry, plane = g.outHeight * g.outWidth, count = g.outChannels * plane
        var random = TestRandom(seed: 41)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth)
        let weight = random.floats(g.weightCount).map { $0 * 4 }, bias = random.floats(g.outChannels)
        let gain = random.floats(g.outChannels).map { $0 * 3 }, offset = random.floats(g.outChannels)
        let expected = Reference.conv2d(g, input: input, weight: weight, bias: bias)
        let relu6 = FusedActivation.clip(minimum: 0, maximum: 6)
        func affine(_ values: [Float]) -> [Float] { values.indices.map { values[$0] * gain[$0 / plane] + offset[$0 / plane] } }
        /// The conv with `operations` fused, each into its own buffer (nil: into the conv's output): every buffer.
        func run(_ operations: [(EpilogueOperation, ownBuffer: Bool)], threads: Int) -> [[Float]] {
            let buffers = (0...operations.count).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: count) }
            defer { buffers.forEach { $0.deallocate() } }
            buffers.forEach { $0.initialize(repeating: .nan, count: count) }
            let steps = operations.enumerated().map { ($1.0, $1.ownBuffer ? buffers[$0 + 1] : buffers[0]) }
            Kernels.conv2d(
                g, input: input, weight: weight, bias: bias, output: buffers[0], epilogue: ConvEpilogue(steps: steps),
                threads: threads)
            return buffers.map { Array(UnsafeBufferPointer(start: $0, count: count)) }
        }
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                let context = "\(testCase.name), instruction set \(isa), \(threads) threads"
                let bn = EpilogueOperation.affine(gain: gain, offset: offset)
                let fused = run([(bn, true), (.activation(relu6), true)], threads: threads)
                #expect(largestDifference(fused[0], expected) < 1e-4, "\(context): conv")
                #expect(fused[1] == affine(fused[0]), "\(context): fused batch norm differs")
                #expect(fused[2] == Self.reference(relu6, fused[1]), "\(context): fused ReLU6 differs")
                let overwritten = run([(.activation(relu6), false)], threads: threads)
                #expect(overwritten[0] == Self.reference(relu6, fused[0]), "\(context): ReLU6 over the conv's output differs")
                let reluFirst = run([(.activation(.relu), true), (bn, true)], threads: threads)
                #expect(reluFirst[2] == affine(Self.reference(.relu, reluFirst[0])), "\(context): batch norm after ReLU differs")
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    /// A depthwise conv takes a second thread by the values it reads and writes, not by its multiply-adds: MobileNetV2's
    /// 576 channels 14×14 → 7×7 (254 K multiply-adds, under `pieces`' floor) run in two pieces, a few small maps in one.
    @Test func depthwiseSplitsByTheValuesItMoves() {
        let small = ConvCase.depthwiseSmallTwoPieces.geometry
        #expect(small.macs < 1 << 18)
        #expect(Kernels.depthwisePieces(small, images: 1, threads: 2) == 2)
        #expect(Kernels.depthwisePieces(small, images: 1, threads: 1) == 1)
        #expect(Kernels.depthwisePieces(ConvCase.depthwiseSmallStride2.geometry, images: 1, threads: 2) == 1)
        #expect(Kernels.depthwisePieces(ConvCase.depthwise3x3.geometry, images: 1, threads: 2) == 1)
    }

    /// Two images in the batch layout (C, N, H, W) give each image's own result, the channel multiplier included.
    @Test(arguments: [ConvCase.depthwiseStride2, .depthwiseMultiplier2, .depthwisePaddedMultiplier2])
    func depthwiseBatchMatchesEachImage(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 29)
        let plane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        let images = [random.floats(g.inChannels * plane), random.floats(g.inChannels * plane)]
        let weight = random.floats(g.weightCount), bias = random.floats(g.outChannels)
        let batch: [Float] = (0..<g.inChannels).flatMap { c in images.flatMap { $0[c * plane..<(c + 1) * plane] } }
        let (output, activated) = Self.convWithActivation(
            g, batch: 2, input: batch, weight: weight, bias: bias, activation: .relu, threads: 2)
        for (n, image) in images.enumerated() {
            let expected = Reference.conv2d(g, input: image, weight: weight, bias: bias)
            let got: [Float] = (0..<g.outChannels).flatMap { k in output[(k * 2 + n) * outPlane..<(k * 2 + n + 1) * outPlane] }
            #expect(largestDifference(got, expected) < 1e-4, "\(testCase.name), image \(n)")
        }
        let activatedRight = activated == Self.reference(.relu, output)
        #expect(activatedRight, "fused ReLU differs")
    }

    /// The GEMM paths (pointwise, im2col packing, rows read in place, groups) with a fused ReLU and ReLU6: the
    /// output is the unfused one, bit for bit, and the activated output is the activation of it.
    @Test(arguments: [
        ConvCase.pointwiseOddMap, .pointwise256To64, .conv3x3, .conv3x3Stride2, .conv3x3Groups2, .wide3x3KMBlocks, .narrow3x3To192,
    ])
    func gemmPathsWriteTheFusedActivation(_ testCase: ConvCase) {
        let g = testCase.geometry
        var random = TestRandom(seed: 31)
        let (input, weight, bias) = random.convOperands(g)
        for isa in Kernels.supportedInstructionSets {
            Kernels.forceInstructionSet(isa)
            // Workers run the best instruction set; a forced one holds on the calling thread only.
            for threads in isa == Kernels.supportedInstructionSets.last! ? [1, 2] : [1] {
                var plain = [Float](repeating: .nan, count: g.outChannels * g.outHeight * g.outWidth)
                plain.withUnsafeMutableBufferPointer {
                    Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: $0.baseAddress!, threads: threads)
                }
                for activation in [FusedActivation.relu, .clip(minimum: 0, maximum: 0.5)] {
                    let (output, activated) = Self.convWithActivation(
                        g, input: input, weight: weight, bias: bias, activation: activation, threads: threads)
                    let same = output == plain, activatedRight = activated == Self.reference(activation, plain)
                    #expect(same, "\(testCase.name), instruction set \(isa), \(threads) threads: output changed")
                    #expect(activatedRight, "\(testCase.name), \(activation), instruction set \(isa): activation differs")
                }
            }
            Kernels.forceInstructionSet(nil)
        }
    }

    /// The session's plan: a conv computes the batch norm, activation and residual add after it in its own pass,
    /// and every node's output is still there, bit for bit what each node computes alone — after stepping back
    /// into the chain and forward again too.
    @Test func sessionFusesEpiloguesAndKeepsEveryOutput() throws {
        let shape = Shape(channels: 4, height: 11, width: 37)
        var random = TestRandom(seed: 37)
        let input = Tensor(shape: shape, data: random.floats(shape.elementCount))
        let bn = BatchNorm(
            statistics: .init(mean: [0.1, -0.2, 0.3, 0], variance: [1, 2, 0.5, 1.5], scale: [1, 0.5, 2, 1], shift: [0, 0.1, -0.1, 0.2]))
        let network = Network(
            name: "fused", input: InputSpec(shape: shape),
            nodes: [
                Node("expand", Layer(Conv(outChannels: 8, kernel: Size2(1)))),
                Node("expand/relu6", Layer(Clip())),
                Node("dwise", Layer(Conv(outChannels: 8, kernel: Size2(3), stride: Size2(2), padding: .same, groups: 8))),
                Node("dwise/relu", Layer(ReLU())),
                Node("project", Layer(Conv(outChannels: 4, kernel: Size2(1), hasBias: false))),
                Node("project/bn", Layer(bn)),
                Node(
                    "res",
                    parallel: ParallelBlock(
                        branches: [[Node("a", Layer(Conv(outChannels: 4, kernel: Size2(3), padding: .same)))], []], merge: .add)),
                Node("res/relu", Layer(ReLU())),
            ])
        let shapes = try network.inferShapes()
        let chains = network.epilogueChains { path, layer in layer.kind.epilogueOperation { network.parameters(at: path, shapes: shapes) } }
        #expect(chains[.top(0)]?.map(\.path) == [.top(1)])
        #expect(chains[.top(2)]?.map(\.path) == [.top(3)])
        #expect(chains[.top(4)]?.map(\.path) == [.top(5)])
        #expect(chains[NodePath.top(6).child(branch: 0, index: 0)]?.map(\.path) == [.top(6), .top(7)])
        var session = try ForwardSession(network: network, input: input)
        session.runToEnd()
        func output(_ path: NodePath) -> [Float] { session.output(of: path)!.data }
        #expect(output(.top(1)) == Reference.clip(output(.top(0)), minimum: 0, maximum: 6))
        #expect(output(.top(3)) == Self.reference(.relu, output(.top(2))))
        let g = session.shapes.convGeometry(at: .top(2))!, p = session.parameters(of: .top(2))!
        #expect(largestDifference(output(.top(2)), Reference.conv2d(g, input: output(.top(1)), weight: p.weight, bias: p.bias)) < 1e-4)
        let bnParameters = session.parameters(of: .top(5))!
        var normalized = [Float](repeating: 0, count: output(.top(4)).count)
        Kernels.batchNorm(
            channels: 4, planeSize: normalized.count / 4, mean: bnParameters.runningMean!, variance: bnParameters.runningVariance!,
            scale: bnParameters.weight, shift: bnParameters.bias!, epsilon: bn.epsilon, input: output(.top(4)), output: &normalized)
        #expect(output(.top(5)) == normalized)
        let branch = output(NodePath.top(6).child(branch: 0, index: 0))
        #expect(output(.top(6)) == zip(branch, output(.top(5))).map { $0 + $1 })
        #expect(output(.top(7)) == Self.reference(.relu, output(.top(6))))
        let final = session.finalOutput
        session.reset()
        session.advance(to: 7)
        session.stepBack()
        #expect(session.output(of: .top(6)) == nil)
        session.runToEnd()
        #expect(session.finalOutput == final)
    }
}
