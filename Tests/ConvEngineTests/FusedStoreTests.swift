import CKernels
import Testing

@testable import ConvEngine

/// A conv kernel's fused store (`ck_output_epilogue`): which leading epilogue steps an inference plan hands to the
/// kernel, and each kernel's store giving the bits of the separate add and activation passes.
@Suite struct FusedStoreTests {
    /// ResNet's add + ReLU and MobileNetV2's bare add go to the kernel whole, a leading activation alone; an add
    /// after an activation, an add of three parts, a step out of place and a batch norm stay steps of their own.
    @Test func fusedStoreTakesTheLeadingAddAndActivation() {
        // Two buffers standing for an inference plan's values: the conv's output and a residual add's other part.
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 1), other = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { [output, other].forEach { $0.deallocate() } }
        let add = EpilogueOperation.add(at: 0, count: 2), relu = EpilogueOperation.activation(.relu)
        let relu6 = EpilogueOperation.activation(.clip(minimum: 0, maximum: 6))
        let cases:
            [(
                operations: [EpilogueOperation], inPlace: [Bool], addends: [[UnsafePointer<Float>?]], addend: Bool,
                kind: ck_activation_kind, consumed: Int
            )] = [
                ([add, relu], [true, true], [[nil, UnsafePointer(other)]], true, CK_ACTIVATION_RELU, 2),
                ([.add(at: 1, count: 2)], [true], [[UnsafePointer(other), nil]], true, CK_ACTIVATION_NONE, 1),
                ([relu6, add, relu], [true, true, true], [[nil, UnsafePointer(other)]], false, CK_ACTIVATION_CLIP, 1),
                ([add, relu], [true, false], [[nil, UnsafePointer(other)]], true, CK_ACTIVATION_NONE, 1),
                ([add, relu], [false, false], [[nil, UnsafePointer(other)]], false, CK_ACTIVATION_NONE, 0),
                (
                    [.add(at: 0, count: 3), relu], [true, true], [[nil, UnsafePointer(other), UnsafePointer(other)]], false,
                    CK_ACTIVATION_NONE, 0
                ),
                ([add, relu], [true, true], [[nil, UnsafePointer(output)]], false, CK_ACTIVATION_NONE, 0),
                ([.affine(gain: [1], offset: [0]), relu], [true, true], [], false, CK_ACTIVATION_NONE, 0),
            ]
        for (index, testCase) in cases.enumerated() {
            let steps = zip(testCase.operations, testCase.inPlace).map { ($0, $1 ? output : other) }
            let (store, consumed) = ConvEpilogue(steps: steps, addends: testCase.addends).fusedStore(inPlaceOf: output)
            #expect(consumed == testCase.consumed, "case \(index)")
            #expect((store.addend == UnsafePointer(other)) == testCase.addend, "case \(index)")
            #expect(store.activation.kind == testCase.kind, "case \(index)")
        }
        // The addend that is the output itself, for a kernel that stores each value once (an inference plan's sum
        // written over the other part).
        let overPart = ConvEpilogue(steps: [(add, output), (relu, output)], addends: [[nil, UnsafePointer(output)]])
            .fusedStore(inPlaceOf: output, addendMayBeOutput: true)
        #expect(overPart.consumed == 2 && overPart.store.addend == UnsafePointer(output))
    }

    /// A residual add's other part in the conv's own output buffer (an inference plan writes the sum over it):
    /// every path whose K is one block (1×1 with B read in place or packed, a strided 1×1 on its subsampled copy,
    /// packed im2col, rows read in place, stems on channel tiles, groups) gives, at 1 and 2 threads, the bits of the
    /// same conv with the part in a buffer of its own; K in several blocks, where the GEMM keeps partial sums in the
    /// output, is refused.
    @Test(
        arguments: [
            ConvCase.pointwiseOddMap, .pointwiseMBlocks, .pointwiseFirstTilePacksRowBlocks, .pointwiseAheadLines,
            .pointwiseStride2LongRows, .pointwiseStride2ManyChannels, .pointwiseStride2Padded,
            ConvCase("1×1 stride 2 200→72 on 20×22: subsampled copy", c: 200, h: 20, w: 22, k: 72, kernel: (1, 1), stride: (2, 2)),
            .conv3x3, .conv3x3Groups2, .stemOdd7x7Stride2, .googLeNetConv1, .narrow3x3To192,
        ], [1, 2])
    func addendInTheOutputBufferKeepsTheBits(_ testCase: ConvCase, threads: Int) {
        let g = testCase.geometry
        #expect(Kernels.convStoresAddInPlace(g, packed: true))
        let count = g.outChannels * g.outHeight * g.outWidth
        var random = TestRandom(seed: 43)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth).map { $0 * 8 }
        let weight = random.floats(g.weightCount), bias = random.floats(g.outChannels)
        let part = random.floats(count).map { $0 * 4 }
        let expected = zip(Reference.conv2d(g, input: input, weight: weight, bias: bias), part).map { max($0 + $1, 0) }
        let packed = weight.withUnsafeBufferPointer { PackedConvWeights(g, weight: $0.baseAddress!) }
        let (output, own) = (UnsafeMutablePointer<Float>.allocate(capacity: count), UnsafeMutablePointer<Float>.allocate(capacity: count))
        defer { [output, own].forEach { $0.deallocate() } }
        func run(addend: UnsafePointer<Float>) -> [Float] {
            let epilogue = ConvEpilogue(steps: [(.add(at: 0, count: 2), output), (.activation(.relu), output)], addends: [[nil, addend]])
            Kernels.conv2d(
                g, input: input, weight: weight, bias: bias, output: output, packed: packed, epilogue: epilogue, threads: threads)
            return Array(UnsafeBufferPointer(start: output, count: count))
        }
        own.initialize(from: part, count: count)
        let apart = run(addend: own)
        output.initialize(from: part, count: count)
        let over = run(addend: output)
        #expect(over == apart, "\(testCase.name), \(threads) threads: the sum over its part differs")
        let difference = largestDifference(over, expected)
        #expect(difference < 1e-4, "\(testCase.name), \(threads) threads: maxdiff \(difference)")
    }

    /// K in several blocks (the GEMM stores partial sums in the output between them) keeps the part apart.
    @Test func partialSumsKeepTheAddendApart() {
        for testCase in [ConvCase.pointwiseKBlocks, .conv3x3KBlocks, .pointwiseStride2Subsampled, .pointwiseFirstTilePacks] {
            #expect(!Kernels.convStoresAddInPlace(testCase.geometry, packed: true), "\(testCase.name)")
        }
        #expect(!Kernels.convStoresAddInPlace(ConvCase.depthwise3x3.geometry, packed: true))
        #expect(!Kernels.convStoresAddInPlace(ConvCase.pointwiseOddMap.geometry, packed: false))
    }

    /// activation(values + addend) as the separate passes compute it: `ck_add` then `ck_relu` or `ck_clip`.
    static func separatePasses(_ values: [Float], _ epilogue: ck_output_epilogue) -> [Float] {
        var result = values
        result.withUnsafeMutableBufferPointer { y in
            let n = y.count, p = y.baseAddress!
            if let addend = epilogue.addend { ck_add(n, p, addend, p) }
            switch epilogue.activation.kind {
            case CK_ACTIVATION_RELU: ck_relu(n, p, p)
            case CK_ACTIVATION_CLIP: ck_clip(n, epilogue.activation.minimum, epilogue.activation.maximum, p, p)
            default: break
            }
        }
        return result
    }

    /// Each kernel with an epilogue gives the bits of the same kernel without one followed by the separate passes:
    /// the 1×1 GEMM (B read in place for few rows, packed for many), the packed im2col GEMM and the rows read in
    /// place (AVX-512), with K in several blocks, partial row tiles (M not a multiple of 8 or 6) and partial column
    /// panels (99 = 3·32 + 3 columns, and 49 = 32 + 17 on a 7×7 map, whose 17th column AVX-512 computes apart), on
    /// every instruction set, for an add + ReLU and for a ReLU6 alone.
    @Test(arguments: [20, 150], [[9, 11], [7, 7]])
    func kernelsApplyTheEpilogueInTheirStore(rows: Int, map: [Int]) {
        let g = ConvCase("3×3 pad 1 40→rows", c: 40, h: map[0], w: map[1], k: rows, kernel: (3, 3), pad: (1, 1, 1, 1)).geometry
        let n = g.outHeight * g.outWidth, depth = 300, patch = g.inChannels * 9
        var random = TestRandom(seed: 37)
        let a = random.floats(rows * max(depth, patch)).map { $0 * 4 }, b = random.floats(depth * n)
        let input = random.floats(g.inChannels * g.inHeight * g.inWidth), bias = random.floats(rows)
        let addend = random.floats(rows * n).map { $0 * 8 }
        var desc = Kernels.convDescriptor(g)
        addend.withUnsafeBufferPointer { addend in
            let epilogues = [
                ck_output_epilogue(addend: addend.baseAddress, activation: FusedActivation.relu.descriptor),
                ck_output_epilogue(addend: nil, activation: FusedActivation.clip(minimum: 0, maximum: 6).descriptor),
            ]
            for isa in Kernels.supportedInstructionSets {
                Kernels.forceInstructionSet(isa)
                defer { Kernels.forceInstructionSet(nil) }
                // Each kernel as (K, a function of the epilogue giving the output).
                let pointwise = { (epilogue: ck_output_epilogue) -> [Float] in
                    var packed = [Float](repeating: 0, count: Int(ck_packed_weight_floats(Int32(rows), Int32(depth))))
                    ck_pack_weight(Int32(rows), Int32(depth), a, Int32(depth), &packed)
                    var c = [Float](repeating: .nan, count: rows * n)
                    ck_sgemm_prepacked(
                        Int32(rows), Int32(n), Int32(depth), packed, b, Int32(n), &c, Int32(n), bias, 0, Int32(rows), epilogue)
                    return c
                }
                let im2col = { (epilogue: ck_output_epilogue) -> [Float] in
                    var c = [Float](repeating: .nan, count: rows * n)
                    ck_conv_im2col_gemm_batch(&desc, 1, input, a, nil, bias, &c, 0, Int32(n), 0, Int32(rows), epilogue)
                    return c
                }
                let inPlaceRows = { (epilogue: ck_output_epilogue) -> [Float] in
                    var c = [Float](repeating: .nan, count: rows * n)
                    ck_conv_rows(&desc, input, a, nil, bias, &c, 0, Int32(g.outHeight), 0, Int32(rows), epilogue)
                    return c
                }
                var kernels = [("1×1 GEMM", pointwise), ("im2col GEMM", im2col)]
                if isa == InstructionSet.avx512 { kernels.append(("rows in place", inPlaceRows)) }
                for (name, kernel) in kernels {
                    let plain = kernel(.none)
                    for (index, epilogue) in epilogues.enumerated() {
                        let fused = kernel(epilogue), expected = Self.separatePasses(plain, epilogue)
                        #expect(fused == expected, "\(name), \(rows) rows, \(map), isa \(isa), epilogue \(index)")
                        #expect(
                            fused != plain, "\(name), \(rows) rows, \(map), isa \(isa), epilogue \(index): the epilogue changed nothing")
                    }
                }
            }
        }
    }
}
