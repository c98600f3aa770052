import Testing

@testable import ConvEngine

/// `Network.summaryRows`: one row per node in display order, every figure from the shape and cost tables.
struct NetworkSummaryRowsTests {
    /// Input 2×4×4; conv 1×1 → 3; a concat block of [conv 1×1 → 1, relu] and [max 3×3/1 p1]; then relu.
    static let network = Network(
        name: "rows", input: InputSpec(shape: Shape(channels: 2, height: 4, width: 4)),
        nodes: [
            Node("mix", Layer(Conv(outChannels: 3, kernel: Size2(1)))),
            Node(
                "block",
                parallel: ParallelBlock(branches: [
                    [Node("reduce", Layer(Conv(outChannels: 1, kernel: Size2(1)))), Node("relu_reduce", Layer(ReLU()))],
                    [Node("pool", Layer(Pool(kind: .max, kernel: Size2(3), stride: Size2(1), padding: Size2(1))))],
                ])),
            Node("relu", Layer(ReLU())),
        ])

    @Test func oneRowPerNodeInDisplayOrder() throws {
        let shapes = try Self.network.inferShapes()
        let rows = Self.network.summaryRows(shapes: shapes, costs: try Self.network.cost(shapes: shapes))
        #expect(rows.map(\.path) == Self.network.displayOrder)
        #expect(rows.map(\.name) == ["mix", "block", "reduce", "relu_reduce", "pool", "relu"])
        #expect(rows.map(\.type) == ["conv", "parallel", "conv", "relu", "maxpool", "relu"])
        #expect(rows.map(\.spec) == ["conv 1×1 → 3", "concat ×2", "conv 1×1 → 1", "relu", "max 3×3/1 p1", "relu"])
    }

    /// Shapes and costs by hand: mix 2·3 weights + 3 biases, 6 MACs at each of 16 positions; reduce 3·1 + 1,
    /// 3 MACs at each of 16 positions; the block concatenates 1 + 3 channels and costs what its branches cost.
    @Test func shapesAndCostsComeFromTheTables() throws {
        let network = Self.network
        let shapes = try network.inferShapes()
        let costs = try network.cost(shapes: shapes)
        let rows = network.summaryRows(shapes: shapes, costs: costs)
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0) })
        #expect(byName["mix"]?.output == Shape(channels: 3, height: 4, width: 4))
        #expect(byName["mix"]?.cost.weights == 6 && byName["mix"]?.cost.biases == 3 && byName["mix"]?.cost.macs == 96)
        #expect(byName["reduce"]?.cost.params == 4 && byName["reduce"]?.cost.macs == 48)
        #expect(byName["block"]?.output == Shape(channels: 4, height: 4, width: 4))  // 1 + 3 channels
        #expect(byName["block"]?.cost.params == 4)  // the sum of its branches
        for row in rows {
            #expect(row.output == shapes.output(of: row.path))
            #expect(row.cost == costs[row.path])
        }
    }
}
