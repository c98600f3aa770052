import Testing

@testable import ConvEngine

struct ForwardSessionTests {
    /// x = [1..4] as 1×2×2; a 1×1 conv with weight 2, bias 1 → [3,5,7,9]; ReLU keeps it; global avg → 6.
    static let tiny = Network(
        name: "tiny", input: InputSpec(shape: Shape(channels: 1, height: 2, width: 2)),
        nodes: [
            Node("scale", Layer(Conv(outChannels: 1, kernel: Size2(1), parameters: ExplicitParameters(weights: [2], biases: [1])))),
            Node("relu", Layer(ReLU())),
            Node("gap", Layer(GlobalAveragePool())),
        ])
    static let input = Tensor(shape: Shape(channels: 1, height: 2, width: 2), data: [1, 2, 3, 4])

    @Test func stepsForwardAndBack() throws {
        var session = try ForwardSession(network: Self.tiny, input: Self.input)
        #expect(session.computedCount == 0)
        #expect(session.stepForward() == .top(0))
        #expect(session.output(of: .top(0))?.data == [3, 5, 7, 9])
        let stats = session.statistics(of: .top(0))!
        #expect(stats.min == 3 && stats.max == 9 && stats.mean == 6 && stats.zeroFraction == 0)
        session.runToEnd()
        #expect(session.isComplete)
        #expect(session.finalOutput?.data == [6])
        session.stepBack()
        #expect(session.computedCount == 2)
        #expect(session.output(of: .top(2)) == nil)
        session.reset()
        #expect(session.computedCount == 0 && session.output(of: .top(0)) == nil)
    }

    @Test func editRecomputesFromFirstChangedNode() throws {
        var session = try ForwardSession(network: Self.tiny, input: Self.input)
        session.runToEnd()
        var edited = Self.tiny
        edited.replaceNode(at: .top(1), with: Node("relu", Layer(LeakyReLU(slope: 0.1))))
        try session.update(network: edited)
        #expect(session.computedCount == 1)
        #expect(session.output(of: .top(0))?.data == [3, 5, 7, 9])
        #expect(session.output(of: .top(1)) == nil)
    }

    @Test func impossibleEditChangesNothing() throws {
        var session = try ForwardSession(network: Self.tiny, input: Self.input)
        session.runToEnd()
        var edited = Self.tiny
        edited.replaceNode(at: .top(0), with: Node("scale", Layer(Conv(outChannels: 1, kernel: Size2(3)))))
        #expect(throws: ShapeError.self) { try session.update(network: edited) }
        #expect(session.network == Self.tiny && session.isComplete)
    }

    @Test func parallelBlockConcatenatesAndAdds() throws {
        // Branch a doubles, branch b is the identity: concat gives [2x; x], add gives 3x.
        let double = Node("a", Layer(Conv(outChannels: 1, kernel: Size2(1), parameters: ExplicitParameters(weights: [2], biases: [0]))))
        for (merge, expected) in [(Merge.concat, [2, 4, 6, 8, 1, 2, 3, 4] as [Float]), (.add, [3, 6, 9, 12])] {
            let net = Network(
                name: "p", input: InputSpec(shape: Self.input.shape),
                nodes: [
                    Node("blk", parallel: ParallelBlock(branches: [[double], []], merge: merge))
                ])
            #expect(try net.forward(Self.input).data == expected)
        }
    }

    /// A concat large enough to be copied on every kernel thread (split by positions) equals the parts laid
    /// one after another: channels of branch a (2x, 3 channels), then the identity's 5.
    @Test func largeConcatEqualsPartsInOrder() throws {
        let shape = Shape(channels: 5, height: 67, width: 71)  // output 8·67·71 values: above the split threshold
        var random = TestRandom(seed: 41)
        let input = Tensor(shape: shape, data: random.floats(shape.elementCount))
        let weights: [Float] = (0..<3).flatMap { k in (0..<5).map { c in c == k ? 2 : 0 } }
        let conv = Node(
            "a",
            Layer(
                Conv(
                    outChannels: 3, kernel: Size2(1),
                    parameters: ExplicitParameters(weights: weights, biases: [0, 0, 0]))))
        let net = Network(
            name: "p", input: InputSpec(shape: shape),
            nodes: [
                Node("blk", parallel: ParallelBlock(branches: [[conv], []], merge: .concat))
            ])
        let plane = shape.planeSize
        let expected = input.data[0..<(3 * plane)].map { 2 * $0 } + input.data
        let output = try net.forward(input).data
        #expect(
            output.count == expected.count && largestDifference(output, expected) == 0,
            "largest difference \(largestDifference(output, expected))")
    }

    @Test func seededInitialisationIsReproducible() throws {
        let net = Network(
            name: "r", input: InputSpec(shape: Shape(channels: 3, height: 5, width: 5)),
            initialization: Initialization(scheme: .he, seed: 7),
            nodes: [Node("c", Layer(Conv(outChannels: 4, kernel: Size2(3))))])
        let shapes = try net.inferShapes()
        let a = net.parameters(at: .top(0), shapes: shapes)!, b = net.parameters(at: .top(0), shapes: shapes)!
        #expect(a == b)
        var other = net
        other.initialization.seed = 8
        #expect(other.parameters(at: .top(0), shapes: shapes)! != a)
        // He normal: std √(2/27) ≈ 0.272; 108 draws should have a sample std within 30 % of it.
        let std = ActivationStatistics(a.weight).std
        #expect(abs(std - (2.0 / 27).squareRoot()) < 0.3 * (2.0 / 27).squareRoot())
    }

    /// Large weights are drawn in parallel pieces from jumped generators; every value must equal the one a
    /// single generator drawing them in order gives (He: one Box–Muller normal per two draws, Xavier: one
    /// uniform per draw), bit for bit.
    @Test(arguments: [InitScheme.he, .xavier])
    func parallelDrawEqualsSequentialDraw(_ scheme: InitScheme) throws {
        let net = Network(
            name: "p", input: InputSpec(shape: Shape(channels: 64, height: 6, width: 6)),
            initialization: Initialization(scheme: scheme, seed: 11),
            nodes: [Node("wide", Layer(Conv(outChannels: 130, kernel: Size2(3))))])
        let shapes = try net.inferShapes()
        let drawn = net.parameters(at: .top(0), shapes: shapes)!.weight
        var rng = SplitMix64(seed: 11 ^ stableHash("wide"))
        let fanIn = 64 * 9, fanOut = 130 * 9
        let expected: [Float] = (0..<(130 * fanIn)).map { _ in
            switch scheme {
            case .he: return rng.nextNormal() * (2 / Float(fanIn)).squareRoot()
            case .xavier: return (rng.nextUnit() * 2 - 1) * (6 / Float(fanIn + fanOut)).squareRoot()
            }
        }
        let mismatches = zip(drawn, expected).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(
            drawn.count == expected.count && mismatches.isEmpty,
            "\(drawn.count) values, \(mismatches.count) differ, first: \(mismatches.prefix(3).map { "#\($0.offset) \($0.element.0) vs \($0.element.1)" })"
        )
    }
}
