import Testing

@testable import ConvEngine

struct EquivalenceTests {
    static func randomTensor(_ shape: Shape, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.elementCount).map { _ in rng.nextUnit() * 2 - 1 })
    }

    /// conv 3×3 p1 → relu → 1×1 → relu → 1×1, on random weights: the sliding MLP must agree.
    @Test func mlpconvEqualsSlidingMLP() throws {
        let net = Network(
            name: "m", input: InputSpec(shape: Shape(channels: 3, height: 7, width: 6)),
            initialization: Initialization(seed: 3),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 5, kernel: Size2(3), stride: Size2(2), padding: .explicit(Size2(1))))),
                Node("relu1", Layer(ReLU())),
                Node("cccp1", Layer(Conv(outChannels: 4, kernel: Size2(1)))),
                Node("relu2", Layer(ReLU())),
                Node("cccp2", Layer(Conv(outChannels: 2, kernel: Size2(1)))),
                Node("pool", Layer(GlobalAveragePool())),
            ])
        let segments = net.mlpconvSegments()
        #expect(segments.map(\.paths) == [(0...4).map { NodePath.top($0) }])
        var session = try ForwardSession(network: net, input: Self.randomTensor(net.input.shape, seed: 1))
        session.runToEnd()
        let report = Equivalences.verifyMLPConv(segments[0], session: session)
        #expect(report.maxDifference < 1e-5, "maxdiff = \(report.maxDifference)")
        #expect(report.scale > 0.1)
        #expect(report.explanation.contains("MLP 27-5-4-2"))
    }

    /// The note's fold, checked by hand: W = [[1, 2]] (1×1, 2→2 written out), M = [[0, 1], [0, 0]].
    @Test func lateralFoldByHand() throws {
        // z = W x + b with W = [[1, 0], [0, 2]], b = [1, 1]; M[0][1] = 1 adds channel 0 into channel 1:
        // W' = [[1, 0], [1, 2]], b' = [1, 2].
        let net = Network(
            name: "l", input: InputSpec(shape: Shape(channels: 2, height: 1, width: 1)),
            nodes: [
                Node(
                    "fc",
                    Layer(Conv(outChannels: 2, kernel: Size2(1), parameters: ExplicitParameters(weights: [1, 0, 0, 2], biases: [1, 1])))),
                Node("lat", Layer(Lateral(parameters: ExplicitParameters(weights: [0, 1, 0, 0])))),
            ])
        let folded = try Equivalences.foldLateral(at: .top(1), in: net)
        #expect(folded.nodes.count == 1)
        guard let conv = folded.nodes[0].layer?.as(Conv.self) else {
            Issue.record("expected a conv")
            return
        }
        #expect(conv.parameters == ExplicitParameters(weights: [1, 0, 1, 2], biases: [1, 2]))
        let x = Tensor(shape: net.input.shape, data: [3, 5])
        // z = [4, 11]; y = [4, 11 + 4] = [4, 15].
        #expect(try net.forward(x).data == [4, 15])
        #expect(try folded.forward(x).data == [4, 15])
    }

    @Test func lateralFoldSavesNSquaredAndMatches() throws {
        let net = Network(
            name: "l", input: InputSpec(shape: Shape(channels: 3, height: 6, width: 6)),
            initialization: Initialization(seed: 11),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 8, kernel: Size2(3), padding: .explicit(Size2(1))))),
                Node("lat", Layer(Lateral())),
                Node("relu", Layer(ReLU())),
            ])
        let report = try Equivalences.verifyLateralFold(at: .top(1), in: net, input: Self.randomTensor(net.input.shape, seed: 2))
        #expect(report.paramsBefore - report.paramsAfter == 64)
        #expect(report.relativeDifference < 1e-5, "maxdiff = \(report.maxDifference)")
    }

    @Test func lateralAfterNonLinearityIsRefused() {
        let net = Network(
            name: "l", input: InputSpec(shape: Shape(channels: 3, height: 4, width: 4)),
            nodes: [
                Node("conv", Layer(Conv(outChannels: 4, kernel: Size2(1)))),
                Node("relu", Layer(ReLU())),
                Node("lat", Layer(Lateral())),
            ])
        #expect(throws: FoldRefusal.self) { try Equivalences.foldLateral(at: .top(2), in: net) }
        do { _ = try Equivalences.foldLateral(at: .top(2), in: net) } catch {
            #expect(error.description.hasPrefix("layers[2] (lat) follows relu, which is a non-linearity"))
        }
    }

    @Test func pointwiseChainFolds() throws {
        let net = Network(
            name: "p", input: InputSpec(shape: Shape(channels: 6, height: 3, width: 3)),
            initialization: Initialization(seed: 5),
            nodes: [
                Node("a", Layer(Conv(outChannels: 4, kernel: Size2(1)))),
                Node("b", Layer(Conv(outChannels: 5, kernel: Size2(1)))),
            ])
        #expect(Equivalences.pointwiseChains(in: net) == [.top(0)])
        let report = try Equivalences.verifyPointwiseChainFold(at: .top(0), in: net, input: Self.randomTensor(net.input.shape, seed: 9))
        // before: 6·4+4 + 4·5+5 = 53; after: 6·5+5 = 35.
        #expect(report.paramsBefore == 53 && report.paramsAfter == 35)
        #expect(report.relativeDifference < 1e-5)
    }

    @Test func inceptionNaiveCounterpart() throws {
        // inception(3a): figures from GoogLeNet Table 1 / the naive Fig. 2a (params 163,696 vs 387,296).
        let c = { (out: Int, k: Int) in Conv(outChannels: out, kernel: Size2(k), padding: .explicit(Size2(k / 2))) }
        let block = ParallelBlock(branches: [
            [Node("1x1", Layer(c(64, 1))), Node("r1", Layer(ReLU()))],
            [
                Node("3x3_reduce", Layer(c(96, 1))), Node("r2", Layer(ReLU())), Node("3x3", Layer(c(128, 3))),
                Node("r3", Layer(ReLU())),
            ],
            [
                Node("5x5_reduce", Layer(c(16, 1))), Node("r4", Layer(ReLU())), Node("5x5", Layer(c(32, 5))),
                Node("r5", Layer(ReLU())),
            ],
            [
                Node("pool", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1)))),
                Node("pool_proj", Layer(c(32, 1))), Node("r6", Layer(ReLU())),
            ],
        ])
        let net = Network(
            name: "3a", input: InputSpec(shape: Shape(channels: 192, height: 28, width: 28)),
            nodes: [Node("inception_3a", parallel: block)])
        let comparison = try #require(try InceptionComparison.compare(blockAt: .top(0), in: net))
        #expect(comparison.reducedParams == 163_696 && comparison.reducedMACs == 128_049_152)
        #expect(comparison.naiveParams == 387_296 && comparison.naiveMACs == 303_464_448)
        #expect(comparison.naiveOutput == Shape(channels: 416, height: 28, width: 28))
        #expect(comparison.reducedOutput == Shape(channels: 256, height: 28, width: 28))
    }
}
