import Testing

@testable import ConvEngine

@Suite struct NetworkComparisonTests {
    /// inception(3a) against its naive form: the published totals (GoogLeNet paper, table 1: 159K params for
    /// inception(3a) without biases — 163,696 with them; the naive module's 387,296 as `convplay summary` and
    /// the README give them), the reductions and pool projection only in the first, the 3×3 and 5×5 convs
    /// changed, the 1×1 branch and the pool the same.
    @Test func inceptionAgainstItsNaiveForm() throws {
        let reduced = try Preset.load(path: PresetFixtures.path("inception-3a")).network
        let naive = try Preset.load(path: PresetFixtures.path("inception-3a-naive")).network
        let comparison = try NetworkComparison(reduced, naive)
        #expect(comparison.first.params == 163_696 && comparison.second.params == 387_296)
        #expect(comparison.first.macs == 128_049_152 && comparison.second.macs == 303_464_448)
        let byName = Dictionary(uniqueKeysWithValues: comparison.rows.map { ($0.localName, $0.change) })
        #expect(byName["inception_3a_naive"] == .changed)  // the blocks match though their names differ
        #expect(byName["1x1"] == .same && byName["pool"] == .same)
        #expect(byName["3x3"] == .changed && byName["5x5"] == .changed)
        for name in ["3x3_reduce", "relu_3x3_reduce", "5x5_reduce", "relu_5x5_reduce", "pool_proj", "relu_pool_proj"] {
            #expect(byName[name] == .removed, "\(name)")
        }
        #expect(!comparison.rows.contains { $0.change == .added })
        #expect(comparison.rows.count == 14)
    }

    /// A network against itself with one layer gone and one added: everything else lines up as the same.
    @Test func anEditedNetworkLinesUpWithItsOriginal() throws {
        let original = Network(
            name: "a", input: InputSpec(shape: Shape(channels: 3, height: 8, width: 8)),
            nodes: [
                Node("c1", Conv(outChannels: 4, kernel: Size2(3))), Node("relu", ReLU()),
                Node("c2", Conv(outChannels: 2, kernel: Size2(1))),
            ])
        var edited = original
        edited.nodes.remove(at: 1)
        edited.nodes.append(Node("c3", Conv(outChannels: 2, kernel: Size2(1))))
        let comparison = try NetworkComparison(original, edited)
        #expect(comparison.rows.map(\.change) == [.same, .removed, .same, .added])
        #expect(comparison.rows.map(\.localName) == ["c1", "relu", "c2", "c3"])
        #expect(comparison.second.params == comparison.first.params + 2 * 2 + 2)
    }

    /// Times land on their rows; a block's time is its branches' and its merge's, the totals every node's.
    @Test func timesFillRowsBlocksAndTotals() throws {
        let network = Network(
            name: "t", input: InputSpec(shape: Shape(channels: 1, height: 2, width: 2)),
            nodes: [
                Node("b", parallel: ParallelBlock(branches: [[Node("x", ReLU())], [Node("y", ReLU())]])), Node("z", ReLU()),
            ])
        var comparison = try NetworkComparison(network, network)
        let times: [NodePath: Double] = [NodePath([0, 0, 0]): 1, NodePath([0, 1, 0]): 2, .top(0): 0.5, .top(1): 4]
        comparison.setTimes(first: times, second: times)
        #expect(comparison.rows.map { $0.first?.milliseconds } == [3.5, 1, 2, 4])
        #expect(comparison.first.milliseconds == 7.5 && comparison.second.milliseconds == 7.5)
    }

    @Test func localNamesDropTheBlocksName() {
        let network = Network(
            name: "n", input: InputSpec(shape: Shape(channels: 1, height: 4, width: 4)),
            nodes: [
                Node(
                    "inception_3a",
                    parallel: ParallelBlock(branches: [
                        [Node("inception_3a/3x3_reduce", Conv(outChannels: 2, kernel: Size2(1)))],
                        [Node("other", Conv(outChannels: 2, kernel: Size2(1)))],
                    ]))
            ])
        #expect(network.localName(at: NodePath([0, 0, 0])) == "3x3_reduce")
        #expect(network.localName(at: NodePath([0, 1, 0])) == "other")
        #expect(network.localName(at: .top(0)) == "inception_3a")
    }
}
