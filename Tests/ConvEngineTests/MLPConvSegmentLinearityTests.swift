import Testing

@testable import ConvEngine

@Suite struct MLPConvSegmentLinearityTests {
    /// one-by-one's four 1×1 convs have nothing non-linear between them (the ReLU comes after the last): one
    /// linear map 192 → 64, not an MLP.
    @Test func aChainOfPointwiseConvsIsOneLinearMap() throws {
        let network = try Preset.load(path: PresetFixtures.path("one-by-one")).network
        let segment = try #require(network.mlpconvSegments().first)
        #expect(segment.isLinearChain(in: network))
        #expect(segment.mlpWidths(in: network, shapes: try network.inferShapes()) == [192, 16, 16, 192, 64])
        #expect(segment.effectiveWidths(in: network, shapes: try network.inferShapes()) == [192, 64])
    }

    /// NIN's blocks have a ReLU after every conv: a real MLP, 75-192-160-96 for the first.
    @Test func ninsBlocksAreMLPs() throws {
        let network = try Preset.load(path: PresetFixtures.path("nin-cifar10")).network
        let segment = try #require(network.mlpconvSegments().first)
        #expect(!segment.isLinearChain(in: network))
        #expect(segment.nonlinearGaps(in: network) == [true, true])
        #expect(segment.effectiveWidths(in: network, shapes: try network.inferShapes()) == [75, 192, 160, 96])
    }

    /// conv 3×3 → ReLU → 1×1 → 1×1 → ReLU: the two 1×1s fold into one, so the MLP is 2·9-4-3, not 18-4-5-3.
    @Test func onlyGapsWithANonlinearityMakeLayers() throws {
        let network = Network(
            name: "mixed", input: InputSpec(shape: Shape(channels: 2, height: 6, width: 6)),
            nodes: [
                Node("c", Conv(outChannels: 4, kernel: Size2(3))), Node("r1", ReLU()), Node("p1", Conv(outChannels: 5, kernel: Size2(1))),
                Node("p2", Conv(outChannels: 3, kernel: Size2(1))), Node("r2", ReLU()),
            ])
        let segment = try #require(network.mlpconvSegments().first)
        #expect(segment.nonlinearGaps(in: network) == [true, false])
        #expect(!segment.isLinearChain(in: network))
        #expect(segment.effectiveWidths(in: network, shapes: try network.inferShapes()) == [18, 4, 3])
    }
}
