import Testing

@testable import ConvEngine

@Suite struct PresetInceptionShorthandTests {
    static let inception3a = InceptionShorthand(
        conv1x1: 64, reduce3x3: 96, conv3x3: 128, reduce5x5: 16, conv5x5: 32,
        poolProjection: 32)

    @Test func expandsToFourBranchesWithCaffeNames() throws {
        let node = Self.inception3a.expand(name: "inception_3a")
        let block = try #require(node.block)
        #expect(block.merge == .concat)
        #expect(
            block.branches.map { $0.map(\.name) } == [
                ["inception_3a/1x1", "inception_3a/relu_1x1"],
                ["inception_3a/3x3_reduce", "inception_3a/relu_3x3_reduce", "inception_3a/3x3", "inception_3a/relu_3x3"],
                ["inception_3a/5x5_reduce", "inception_3a/relu_5x5_reduce", "inception_3a/5x5", "inception_3a/relu_5x5"],
                ["inception_3a/pool", "inception_3a/pool_proj", "inception_3a/relu_pool_proj"],
            ])
        #expect(block.branches[1][2].layer == Layer(Conv(outChannels: 128, kernel: Size2(3), padding: .explicit(Size2(1)))))
        #expect(block.branches[2][2].layer == Layer(Conv(outChannels: 32, kernel: Size2(5), padding: .explicit(Size2(2)))))
        #expect(block.branches[3][0].layer == Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1))))
        #expect(Self.inception3a.outChannels == 256)
    }

    @Test func withoutReLUsEveryBranchIsLinear() throws {
        var shorthand = Self.inception3a
        shorthand.relu = false
        let block = try #require(shorthand.expand(name: "m").block)
        #expect(block.branches.map(\.count) == [1, 2, 2, 2])
        #expect(InceptionShorthand(matching: shorthand.expand(name: "m")) == shorthand)
    }

    @Test func recognisesOnlyAnExactExpansion() throws {
        let node = Self.inception3a.expand(name: "inception_3a")
        #expect(InceptionShorthand(matching: node) == Self.inception3a)
        var renamed = node
        renamed.name = "other"
        #expect(InceptionShorthand(matching: renamed) == nil, "children named after another block")
        var block = try #require(node.block)
        block.branches[1][2] = Node("inception_3a/3x3", Layer(Conv(outChannels: 128, kernel: Size2(3))))
        let edited = Node("inception_3a", parallel: block)
        #expect(InceptionShorthand(matching: edited) == nil, "3×3 without its padding")
    }
}
